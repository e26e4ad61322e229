"""GET /api/audit/ and /api/audit/export/: stewards read all, domain owners their domains, others nobody."""
import csv
import io
import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import Event, Subject, record_many

pytestmark = pytest.mark.django_db
URL = "/api/audit/"
EXPORT = "/api/audit/export/"

ORDERS = Subject("product", 1, "sales.orders", "sales")
REVENUE = Subject("product", 2, "finance.revenue", "finance")


@pytest.fixture
def log(make_user):
    ana = make_user("ana-writer")
    with transaction.atomic():
        return record_many(events=[
            Event("product.created", ORDERS, actor=ana, data={"diff": {"added": {"name": "Orders"}}}),
            Event("product.updated", ORDERS, actor="task:refresh"),
            Event("product.created", REVENUE, actor=ana),
            Event("contract.changed", Subject("contract", 3, "c-orders", "sales"), data={"breaking": True}),
        ])


def get(api, user, url=URL, **params):
    if user is not None:
        api.force_authenticate(user)
    return api.get(url, params)


def ids(response) -> list[int]:
    return [e["id"] for e in response.json()["results"]]


def test_a_steward_reads_every_event_newest_first(api, steward, log):
    response = get(api, steward)
    assert response.status_code == 200
    assert ids(response) == [e.pk for e in reversed(log)]
    first = response.json()["results"][-1]
    assert (first["action"], first["actor_name"], first["subject_label"]) == ("product.created", "ana-writer", "sales.orders")
    assert first["data"] == {"diff": {"added": {"name": "Orders"}}}


def test_pages_and_exports_show_each_event_as_its_documented_serializer_does(api, steward, log):
    """Pages and exports are written from plain rows (bench/audit.py: 500-event pages); what they
    show, the time's zone and precision included, is what the documented serializer gives."""
    from audit.api.serializers import AuditEventSerializer

    expected = {e.pk: json.loads(json.dumps(AuditEventSerializer(AuditEvent.objects.get(pk=e.pk)).data)) for e in log}
    page = get(api, steward, page_size=500).json()["results"]
    assert {e["id"]: e for e in page} == expected
    assert all(e["occurred_at"].endswith("Z") for e in page)  # UTC, as the serializer writes it
    exported = [json.loads(line) for line in b"".join(get(api, steward, EXPORT).streaming_content).splitlines()]
    assert {e["id"]: e for e in exported} == expected


def test_a_domain_owner_reads_only_their_domains_events(api, sales_owner, log):
    assert set(ids(get(api, sales_owner))) == {log[0].pk, log[1].pk, log[3].pk}


def test_consumers_and_members_are_refused_and_anonymous_must_authenticate(api, consumer, sales_member, log):
    for user in (consumer, sales_member):
        response = get(api, user)
        assert response.status_code == 403
        assert "stewards" in response.json()["detail"]
        api.force_authenticate(None)
        assert get(api, user, EXPORT).status_code == 403
        api.force_authenticate(None)
    assert get(api, None).status_code == 401  # no credentials: the API's usual answer, with WWW-Authenticate


def test_filters(api, steward, log):
    assert ids(get(api, steward, subject="sales.orders")) == [log[1].pk, log[0].pk]
    assert ids(get(api, steward, subject="product:2")) == [log[2].pk]
    assert ids(get(api, steward, actor="task:refresh")) == [log[1].pk]
    assert ids(get(api, steward, actor="ana-writer")) == [log[2].pk, log[0].pk]
    assert ids(get(api, steward, action="contract.changed")) == [log[3].pk]
    assert ids(get(api, steward, action="product.")) == [log[2].pk, log[1].pk, log[0].pk]
    later = (timezone.now() + timedelta(minutes=1)).isoformat()
    assert ids(get(api, steward, until=later, action="product.created")) == [log[2].pk, log[0].pk]
    assert ids(get(api, steward, since=later)) == []


def test_bad_filters_are_400_naming_the_field(api, steward, log):
    def errors(response):
        assert response.status_code == 400
        return {e["path"]: e["message"] for e in response.json()["errors"]}

    assert "wrong format" in errors(get(api, steward, since="yesterday-ish"))["since"]
    now = timezone.now().isoformat()
    assert errors(get(api, steward, since=now, until=now)) == {"until": "Must be after since."}
    assert "not a valid choice" in errors(get(api, steward, EXPORT, format="xml"))["format"]


def test_cursor_pages_walk_the_whole_log_without_repeats(api, steward, log):
    seen, url, params = [], URL, {"page_size": 3}
    api.force_authenticate(steward)
    while url:
        body = api.get(url, params).json()
        seen += [e["id"] for e in body["results"]]
        url, params = body["next"], {}
        if url is None:
            break
        with transaction.atomic():  # an event appended while paging does not shift the pages
            record_many(events=[Event("product.updated", ORDERS)])
    assert seen == [e.pk for e in reversed(log)]


def test_ndjson_export_parses_oldest_first(api, sales_owner, log):
    response = get(api, sales_owner, EXPORT, format="ndjson")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    rows = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert [r["id"] for r in rows] == [log[0].pk, log[1].pk, log[3].pk]
    assert rows[2]["data"] == {"breaking": True}
    assert rows[0]["hash"] == AuditEvent.objects.get(pk=log[0].pk).hash


def test_csv_export_parses_with_data_as_json(api, steward, log):
    response = get(api, steward, EXPORT, format="csv", subject="sales.orders")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [int(r["id"]) for r in rows] == [log[0].pk, log[1].pk]
    assert json.loads(rows[0]["data"]) == {"diff": {"added": {"name": "Orders"}}}
    assert rows[1]["actor"] == "task:refresh"


def test_the_audit_api_is_in_the_openapi_document(api, steward):
    api.force_authenticate(steward)
    paths = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    listed = [p["name"] for p in paths["/api/audit/"]["get"]["parameters"]]
    assert {"subject", "actor", "action", "since", "until", "cursor"} <= set(listed)
    assert "format" in [p["name"] for p in paths["/api/audit/export/"]["get"]["parameters"]]


def test_the_admin_lists_events_and_allows_no_change(log, make_user):
    from django.test import Client

    admin = make_user("root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/audit/auditevent/", {"action": "contract.changed"})
    assert page.status_code == 200
    assert "c-orders" in page.content.decode()
    assert "sales.orders" not in page.content.decode()
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    assert client.post(f"/admin/audit/auditevent/{log[0].pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.count() == 4
