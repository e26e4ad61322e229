"""Product history: a version per change of the descriptor, with a bump suggestion, in the API and on the page."""
import copy

import pytest
from django.test import Client
from rest_framework.test import APIClient

from audit.models import ProductVersion
from tests.catalog.descriptors.conftest import contract_doc, product_doc

pytestmark = pytest.mark.django_db
RESTRICTED = [{"property": "visibility", "value": "restricted"}]


def publish(api, *documents):
    response = api.post("/api/products/", {"documents": list(documents)}, format="json")
    assert response.status_code in (200, 201), response.json()


def without_email():
    doc = copy.deepcopy(contract_doc())
    doc["schema"][1]["properties"] = [p for p in doc["schema"][1]["properties"] if p["name"] != "email"]
    return doc


def versions(identifier="sales.orders"):
    return list(ProductVersion.objects.filter(identifier=identifier).order_by("sequence"))


@pytest.fixture
def owner_api(api, sales_member):
    api.force_authenticate(sales_member)
    return api


@pytest.fixture
def history(owner_api):
    """sales.orders published, then its contract loses the `email` column (a breaking change)."""
    publish(owner_api, product_doc(), contract_doc())
    publish(owner_api, product_doc(), without_email())


def test_an_import_then_a_removed_column_makes_two_versions_the_second_major(history, sales_member):
    first, second = versions()
    assert (first.sequence, first.bump, second.sequence, second.bump) == (1, "initial", 2, "major")
    assert "Removed column `email` from contract c-orders (breaking)" in second.description
    assert "email" not in second.summary
    assert "breaking" in second.summary
    assert second.diff["removed"]["contracts.c-orders.schema[orders].properties[email].logicalType"] == "string"
    assert (second.actor, second.actor_name) == (f"user:{sales_member.pk}", "ana")
    assert second.event_id is not None


def test_a_no_op_reimport_makes_no_version(history, owner_api):
    publish(owner_api, product_doc(), without_email())
    assert len(versions()) == 2


def test_an_added_column_is_minor_and_a_description_is_patch(owner_api):
    publish(owner_api, product_doc(), contract_doc())
    wider = copy.deepcopy(contract_doc())
    wider["schema"][1]["properties"].append({"name": "channel", "logicalType": "string"})
    publish(owner_api, product_doc(), wider)
    described = product_doc()
    described["description"]["purpose"] = "Every order, every day."
    publish(owner_api, described, wider)
    assert [(v.bump, v.description) for v in versions()[1:]] == [
        ("minor", "Added column `channel` to contract c-orders"), ("patch", "Description changed")]


def test_the_history_api_lists_versions_newest_first_with_diffs(history, consumer):
    api = APIClient()
    api.force_authenticate(consumer)
    body = api.get("/api/products/sales.orders/history/").json()
    assert [(v["version"], v["bump"]) for v in body["results"]] == [(2, "major"), (1, "initial")]
    latest = body["results"][0]
    assert latest["details_visible"] is True
    assert "`email`" in latest["description"]
    assert any("properties[email]" in path for path in latest["diff"]["removed"])
    assert latest["actor_name"] == "ana"


def test_the_history_of_an_unknown_or_hidden_product_is_404(owner_api, consumer):
    publish(owner_api, product_doc(status="draft"), contract_doc())
    api = APIClient()
    api.force_authenticate(consumer)
    assert api.get("/api/products/sales.orders/history/").status_code == 404
    assert api.get("/api/products/sales.nothing/history/").status_code == 404


def test_a_consumer_without_access_sees_no_column_level_diff_of_a_restricted_product(owner_api, consumer):
    publish(owner_api, product_doc(customProperties=RESTRICTED), contract_doc())
    publish(owner_api, product_doc(customProperties=RESTRICTED), without_email())
    api = APIClient()
    api.force_authenticate(consumer)
    latest = api.get("/api/products/sales.orders/history/").json()["results"][0]
    assert (latest["bump"], latest["details_visible"]) == ("major", False)
    assert "email" not in str(latest)
    assert "breaking" in latest["description"]
    client = Client()
    client.force_login(consumer)
    page = client.get("/products/sales.orders/?tab=history").content.decode()
    assert 'data-testid="history"' in page
    assert "Removed a column from contract c-orders" in page
    assert "properties[email]" not in page
    assert "`email`" not in page
    owner = owner_api.get("/api/products/sales.orders/history/").json()["results"][0]
    assert owner["details_visible"] is True
    assert "`email`" in owner["description"]


def test_the_product_page_shows_the_history_panel(history, consumer):
    client = Client()
    client.force_login(consumer)
    page = client.get("/products/sales.orders/?tab=history").content.decode()
    assert 'id="panel-history"' in page
    assert "Removed column `email` from contract c-orders (breaking)" in page
    assert "versions__bump--major" in page
    assert "by ana" in page


def test_the_public_diff_keeps_descriptions_and_drops_contracts_and_ports():
    from audit.versions import public_diff

    value = {"changed": {"product.description.purpose": ["a", "b"], "product.outputPorts[orders].server": ["x", "y"]},
             "removed": {"contracts.c-orders.schema[orders].properties[email].logicalType": "string"}}
    assert public_diff(value) == {"changed": {"product.description.purpose": ["a", "b"]}}


def test_anonymous_callers_see_the_history_of_a_public_product(history):
    assert "Removed column `email`" in Client().get("/products/sales.orders/?tab=history").content.decode()
    body = APIClient().get("/api/products/sales.orders/history/").json()
    assert [v["bump"] for v in body["results"]] == ["major", "initial"]
