"""A week before a grant ends its holder and the domain's owners are told, once, by e-mail."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from governance.access import services
from governance.access.models import AccessEvent
from governance.access.notices import access_expiry_notices_send
from governance.access.tasks import access_expiry_notices_task

pytestmark = pytest.mark.django_db
PURPOSE = "Monthly card reconciliation for finance"


def grant_ending_in(access_mesh, days: int, port):
    for user in (access_mesh.carol, access_mesh.olga):
        user.email = f"{user.username}@example.com"
        user.save()
    request = services.access_request_create(requester=access_mesh.carol, product=access_mesh.payments, port=port,
                                             purpose=PURPOSE)
    services.access_request_approve(request=request, actor=access_mesh.olga,
                                    valid_until=timezone.now() + timedelta(days=days))
    return request.grants.get()


def test_the_holder_and_the_owners_are_told_once_a_week_before_the_end(access_mesh, django_capture_on_commit_callbacks):
    soon = grant_ending_in(access_mesh, 5, access_mesh.ledger)
    with django_capture_on_commit_callbacks(execute=True):
        assert access_expiry_notices_send() == [soon.pk]
    to = sorted(tuple(m.to) for m in mail.outbox)
    assert to == [("carol@example.com",), ("olga@example.com",)]
    holder = next(m for m in mail.outbox if m.to == ["carol@example.com"])
    assert "Your access to Payments ends on" in holder.subject
    assert "/products/finance.payments/" in holder.body
    owner = next(m for m in mail.outbox if m.to == ["olga@example.com"])
    assert PURPOSE in owner.body
    assert soon.history.filter(kind=AccessEvent.Kind.EXPIRY_NOTICE).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert access_expiry_notices_task.delay().get() == 0  # the hourly task again: told already
    assert len(mail.outbox) == 2


def test_a_grant_far_from_its_end_is_not_told(access_mesh, django_capture_on_commit_callbacks):
    grant_ending_in(access_mesh, 30, access_mesh.ledger)
    with django_capture_on_commit_callbacks(execute=True):
        assert access_expiry_notices_send() == []
    assert mail.outbox == []


def test_every_access_step_is_in_the_audit_log_with_its_actor(access_mesh, django_capture_on_commit_callbacks):
    from audit.models import AuditEvent

    grant = grant_ending_in(access_mesh, 5, access_mesh.ledger)
    services.access_grant_revoke(grant=grant, actor=access_mesh.olga, note="Project ended")
    steps = list(AuditEvent.objects.filter(action__startswith="access.").order_by("pk")
                 .values_list("action", "actor_name"))
    assert steps == [("access.requested", "carol"), ("access.approved", "olga"), ("access.granted", ""),
                     ("access.revoked", "olga")]
    assert AuditEvent.objects.filter(action="access.revoked").get().data["note"] == "Project ended"
