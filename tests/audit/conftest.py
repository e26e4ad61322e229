"""Audit fixtures: a sales domain with an owner and a member, and the events of one subject."""
import pytest
from rest_framework.authtoken.models import Token

from audit.models import AuditEvent
from catalog.models import Domain, DomainMembership


@pytest.fixture
def sales(db):
    return Domain.objects.create(slug="sales", name="Sales")


@pytest.fixture
def finance(db):
    return Domain.objects.create(slug="finance", name="Finance")


@pytest.fixture
def sales_member(make_user, sales):
    user = make_user("ana", email="ana@acme.example")
    DomainMembership.objects.create(domain=sales, user=user, role=DomainMembership.Role.MEMBER)
    return user


@pytest.fixture
def sales_owner(make_user, sales):
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
