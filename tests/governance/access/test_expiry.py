"""Expiry: grants past their end date end (hourly task), once; the ones ending soon can be listed."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from catalog.permissions import member_domain_ids
from catalog.visibility import Viewer
from governance.access import services
from governance.access.models import AccessEvent, AccessGrant
from governance.access.selectors import granted_product_ids, grants_expiring_soon
from governance.access.signals import grant_ended
from governance.access.tasks import access_grants_expire_task

pytestmark = pytest.mark.django_db

PURPOSE = "Monthly churn analysis for marketing"


def granted(mesh, requester, port, days: int) -> AccessGrant:
    request = services.access_request_create(requester=requester, product=mesh.payments, port=port,
                                             purpose=PURPOSE, role="analyst" if port == mesh.cards else "")
    services.access_request_approve(request=request, actor=mesh.olga, valid_until=timezone.now() + timedelta(days=days))
    return request.grants.get()


def test_expiry_ends_only_grants_past_their_end_and_a_second_run_changes_nothing(
        access_mesh, django_capture_on_commit_callbacks):
    short = granted(access_mesh, access_mesh.carol, access_mesh.ledger, days=3)
    long = granted(access_mesh, access_mesh.carol, access_mesh.cards, days=30)
    ended = []

    def on_ended(sender, grant_id, **kwargs):
        ended.append(grant_id)

    grant_ended.connect(on_ended)
    try:
        later = timezone.now() + timedelta(days=4)
        with django_capture_on_commit_callbacks(execute=True):
            first = services.access_grants_expire(now=later)
        events = AccessEvent.objects.count()
        with django_capture_on_commit_callbacks(execute=True):
            second = services.access_grants_expire(now=later)
    finally:
        grant_ended.disconnect(on_ended)

    assert first == [short.pk]
    assert second == []
    assert AccessEvent.objects.count() == events
    assert ended == [short.pk]
    short.refresh_from_db()
    long.refresh_from_db()
    assert (short.state, short.ended_at) == ("expired", later)
    assert long.state == "active"
    assert list(AccessEvent.objects.filter(grant=short).values_list("kind", flat=True)) == ["granted", "expired"]


def test_the_hourly_task_expires_what_is_due(access_mesh, monkeypatch):
    grant = granted(access_mesh, access_mesh.carol, access_mesh.ledger, days=1)
    assert "governance.access.tasks.access_grants_expire_task" in {
        e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values() if e["schedule"] == 3600}
    assert access_grants_expire_task.delay().get() == 0
    future = timezone.now() + timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: future)
    assert access_grants_expire_task.delay().get() == 1
    grant.refresh_from_db()
    assert grant.state == "expired"


def test_a_grant_past_its_end_opens_nothing_even_before_the_task_runs(access_mesh, monkeypatch):
    granted(access_mesh, access_mesh.carol, access_mesh.ledger, days=1)
    assert granted_product_ids(access_mesh.carol) == [access_mesh.payments.pk]
    future = timezone.now() + timedelta(days=1, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: future)
    assert granted_product_ids(access_mesh.carol) == []


def test_grants_expiring_soon_are_those_ending_within_the_warning_days(access_mesh, settings):
    soon = granted(access_mesh, access_mesh.carol, access_mesh.ledger, days=5)
    granted(access_mesh, access_mesh.carol, access_mesh.cards, days=30)
    assert settings.MESHPORT_ACCESS_EXPIRY_WARNING_DAYS == 7
    assert list(grants_expiring_soon()) == [soon]
    assert list(grants_expiring_soon(days=3)) == []


def test_the_provider_answers_in_one_query_for_people_and_their_teams(access_mesh, django_assert_num_queries):
    request = services.access_request_create(requester=access_mesh.carol, product=access_mesh.payments,
                                             port=access_mesh.ledger, consumer_product=access_mesh.spend,
                                             purpose=PURPOSE)
    services.access_request_approve(request=request, actor=access_mesh.olga)
    member_domain_ids(access_mesh.mia)  # read by every Viewer anyway (and cached on the user)
    with django_assert_num_queries(1):
        assert granted_product_ids(access_mesh.mia) == [access_mesh.payments.pk]
    assert granted_product_ids(access_mesh.otto) == []
    mia = type(access_mesh.mia).objects.get(pk=access_mesh.mia.pk)
    assert access_mesh.payments.pk in Viewer.of(mia).granted_ids
