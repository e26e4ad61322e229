"""The consumer's journey through the API, on both search backends: ask for a restricted product's
port with a purpose, the domain owner approves with an end date, the consumer reads what the team
reads (columns, profile, quality values, search column hits, lineage); past the end date the
hourly expiry runs and all of it is hidden again. Every step is in the request's history.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from catalog.models import Domain, DomainMembership
from governance.access.tasks import access_grants_expire_task
from tests.search.conftest import (  # noqa: F401  (both search backends, the emulator for Elasticsearch)
    backend_settings,
    elasticsearch_url,
    pytest_generate_tests,
    search_backend,
)
from tests.test_visibility_surfaces import SECRET_COLUMN, columns_of, contract, product

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey_mesh(search_backend, make_user, steward, api, django_capture_on_commit_callbacks):  # noqa: F811
    """finance.payments (restricted, a PII card column) and marketing.spend built from it, published and profiled."""
    root = settings.MESHPORT_DATA_ROOTS[0]
    finance = Domain.objects.create(slug="finance", name="Finance")
    Domain.objects.create(slug="marketing", name="Marketing")
    owner, consumer = make_user("olga"), make_user("carol")
    DomainMembership.objects.create(domain=finance, user=owner, role=DomainMembership.Role.OWNER)
    for folder, name, text in (("finance", "payments.csv", f"{SECRET_COLUMN},amount\n4111111111111111,12.5\n"),
                               ("marketing", "spend.csv", "campaign,amount\nspring,4\n")):
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / name).write_text(text)
    bundles = [
        (product("p-pay", "Payments", "finance", "c-pay", visibility="restricted"),
         contract("c-pay", "payments", "finance", root / "finance" / "payments.csv", [(SECRET_COLUMN, "pii"), ("amount", "")])),
        (product("p-spend", "Spend", "marketing", "c-spend", inputs=("c-pay",)),
         contract("c-spend", "spend", "marketing", root / "marketing" / "spend.csv", [("campaign", ""), ("amount", "")])),
    ]
    api.force_authenticate(steward)
    for doc, con in bundles:
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post("/api/products/", {"product": doc, "contracts": [con]}, format="json")
        assert response.status_code == 201, response.json()
    search_backend.refresh()
    return owner, consumer


def what_carol_reads(api, carol) -> dict[str, bool]:
    """Each surface's answer to "does carol read finance.payments' details"."""
    api.force_authenticate(type(carol).objects.get(pk=carol.pk))  # a fresh user: the Viewer is per request
    detail = api.get("/api/products/finance.payments/").json()
    profile = api.get("/api/products/finance.payments/profile/")
    quality = api.get("/api/products/finance.payments/quality/").json()
    hits = api.get("/api/search/", {"q": SECRET_COLUMN}).json()
    lineage = api.get("/api/lineage/", {"node": "finance.payments", "level": "column"})
    return {
        "columns": SECRET_COLUMN in columns_of(detail) and not detail["details_hidden"],
        "profile": profile.status_code == 200 and SECRET_COLUMN in profile.content.decode(),
        "quality": any(c.get("measured") is not None for c in quality.get("checks", [])),
        "search": "finance.payments" in str(hits),
        "lineage": SECRET_COLUMN in lineage.content.decode(),
    }


def test_request_approve_read_expire(api, journey_mesh, monkeypatch, backend_name):
    owner, carol = journey_mesh
    hidden = dict.fromkeys(("columns", "profile", "quality", "search", "lineage"), False)
    assert what_carol_reads(api, carol) == hidden

    api.force_authenticate(carol)
    asked = api.post("/api/products/finance.payments/access-requests/",
                     {"port": "payments", "purpose": "Reconcile card payments with campaign spend",
                      "duration_days": 30}, format="json")
    assert asked.status_code == 201, asked.json()
    assert asked.json()["state"] == "pending"
    request_id = asked.json()["id"]
    assert what_carol_reads(api, carol) == hidden  # asking opens nothing

    end = timezone.now() + timedelta(days=10)
    api.force_authenticate(owner)
    approved = api.post(f"/api/access-requests/{request_id}/approve/",
                        {"valid_until": end.isoformat(), "note": "For the Q3 reconciliation."}, format="json")
    assert approved.status_code == 200, approved.json()
    assert approved.json()["grants"][0]["valid_until"].startswith(end.strftime("%Y-%m-%dT%H:%M"))

    assert what_carol_reads(api, carol) == dict.fromkeys(hidden, True)

    after_end = end + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: after_end)
    assert access_grants_expire_task.delay().get() == 1
    assert what_carol_reads(api, carol) == hidden

    api.force_authenticate(carol)
    history = api.get(f"/api/access-requests/{request_id}/").json()["history"]
    assert [(e["kind"], e["actor"]) for e in history] == [
        ("requested", "carol"), ("approved", "olga"), ("granted", None), ("expired", None)]
    assert history[1]["note"] == "For the Q3 reconciliation."
    grant = api.get("/api/access-grants/", {"grantee": "carol"}).json()["results"][0]
    assert grant["state"] == "expired"
