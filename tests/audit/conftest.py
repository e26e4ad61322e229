"""Audit fixtures: a sales domain with an owner and a member, and the events of one subject."""
import pytest
from rest_framework.authtoken.models import Token

from audit.models import AuditEvent
from catalog.models import DomainMembership

# The descriptors tests' sales and finance domains and their member "ana", shared.
from tests.catalog.descriptors.conftest import finance, sales, sales_member  # noqa: F401


@pytest.fixture
def sales_owner(make_user, sales):  # noqa: F811  (the imported fixture)
    user = make_user("olga")
    DomainMembership.objects.create(domain=sales, user=user, role=DomainMembership.Role.OWNER)
    return user


@pytest.fixture
def token_for():
    def make(user):
        return Token.objects.create(user=user).key

    return make


def events_of(label: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(subject_label=label).order_by("id"))
