"""The event feed: CloudEvents 1.0, paged with `after`, never an event about a product the caller cannot know."""
import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from catalog.descriptors.services import descriptors_import
from tests.audit.test_history import RESTRICTED, without_email
from tests.catalog.descriptors.conftest import contract_doc, data_root, product_doc

pytestmark = pytest.mark.django_db


@pytest.fixture
def mesh(sales, finance):
    """sales.orders (public, two versions), sales.secrets (restricted), finance.ledger (a draft)."""
    def load(*documents):
        descriptors_import(documents=list(documents), actor=None, source="test")

    load(product_doc(), contract_doc())
    load(product_doc(), without_email())
    load(product_doc("p-secrets", "Secrets", contract_id="c-secrets", customProperties=RESTRICTED),
         contract_doc("c-secrets", "secrets"))
    ledger = contract_doc("c-ledger", "ledger", path=str(data_root() / "finance" / "ledger.csv"))
    ledger["domain"] = "finance"
    load(product_doc("p-ledger", "Ledger", domain="finance", contract_id="c-ledger", status="draft"), ledger)


def pages(client, limit=1):
    """Every page of the feed from the start, following `next`."""
    url, seen = f"/api/events/?limit={limit}", []
    while url:
        body = client.get(url).json()
        assert len(body["events"]) <= limit
        seen.append(body)
        url = body["next"]
    return seen


def events(client, limit=1):
    return [e for page in pages(client, limit) for e in page["events"]]


def test_the_feed_pages_with_after_and_shows_cloudevents(mesh, consumer):
    client = APIClient()
    client.force_authenticate(consumer)
    feed = events(client, limit=1)
    assert [int(e["id"]) for e in feed] == sorted(int(e["id"]) for e in feed)
    assert len({e["id"] for e in feed}) == len(feed)
    first = feed[0]
    assert {k: first[k] for k in ("specversion", "type", "subject", "datacontenttype")} == {
        "specversion": "1.0", "type": "io.meshport.product.created", "subject": "product/sales.orders",
        "datacontenttype": "application/json"}
    assert first["time"].endswith("Z")
    assert first["source"]
    after = client.get(f"/api/events/?after={feed[0]['id']}&limit=500").json()["events"]
    assert [e["id"] for e in after] == [e["id"] for e in feed[1:]]


def test_the_feed_never_shows_a_product_the_caller_cannot_know(mesh, consumer):
    client = APIClient()
    client.force_authenticate(consumer)
    subjects = [e["subject"] for e in events(client, limit=2)]
    assert subjects == ["product/sales.orders", "product/sales.orders", "product/sales.secrets"]
    restricted = events(client, limit=500)[-1]
    assert "diff" not in restricted["data"]  # known, not readable: which fields, not their values
    assert "finance" not in str(events(client, limit=500))


def test_anonymous_callers_see_public_published_products_only(mesh):
    subjects = {e["subject"] for e in events(APIClient(), limit=500)}
    assert subjects == {"product/sales.orders"}


def test_a_steward_sees_every_event(mesh, steward):
    client = APIClient()
    client.force_authenticate(steward)
    assert len(events(client, limit=3)) == AuditEvent.objects.count()


def test_a_bad_after_is_a_400():
    assert APIClient().get("/api/events/?after=-1").status_code == 400


def test_the_feed_and_the_history_are_in_the_openapi_document(api):
    paths = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert {"after", "limit"} <= {p["name"] for p in paths["/api/events/"]["get"]["parameters"]}
    assert "cursor" in {p["name"] for p in paths["/api/products/{identifier}/history/"]["get"]["parameters"]}


def test_versions_cannot_be_added_changed_or_deleted_in_admin(mesh, make_user):
    from django.test import Client

    from audit.models import ProductVersion

    client = Client()
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    version = ProductVersion.objects.order_by("id").first()
    assert "sales.orders" in client.get("/admin/audit/productversion/").content.decode()
    assert client.get("/admin/audit/productversion/add/").status_code == 403
    assert client.post(f"/admin/audit/productversion/{version.pk}/change/", {"bump": "patch"}).status_code == 403
    assert client.post(f"/admin/audit/productversion/{version.pk}/delete/", {"post": "yes"}).status_code == 403
    version.refresh_from_db()
    assert version.bump == "initial"
