"""Must show 1: a blocking policy refuses the publish (400 naming the policy and the path, nothing written);
the same policy as a warning lets it publish and the Compliance panel shows the failure."""
import pytest

from audit.models import AuditEvent
from catalog.models import Contract, DataProduct, Domain
from governance.policies.models import Policy
from governance.policies.services import policy_save

from .conftest import bundle, contract_doc, product_doc


def no_owner():
    doc = product_doc()
    doc["team"] = {"name": "Sales analytics", "members": [{"username": "ana", "name": "Ana", "role": "analyst"}]}
    return bundle(doc, contract_doc())


def table_counts():
    return {m.__name__: m.objects.count() for m in (DataProduct, Contract, Domain, AuditEvent)}


@pytest.mark.django_db
def test_blocking_policy_refuses_the_publish_and_writes_nothing(api, sales_member, defaults):
    api.force_authenticate(sales_member)
    before = table_counts()

    response = api.post("/api/products/", no_owner(), format="json")

    assert response.status_code == 400, response.json()
    errors = [e for e in response.json()["errors"] if e.get("policy") == "product-owner-team"]
    assert len(errors) == 1
    assert errors[0]["path"] == "product.team"
    assert "no member with the role owner" in errors[0]["message"]
    assert table_counts() == before


@pytest.mark.django_db
def test_blocking_column_policy_names_the_contract_property(api, sales_member, defaults):
    policy_save(key="column-described", data={"severity": "blocking"}, actor=None)
    api.force_authenticate(sales_member)

    response = api.post("/api/products/", bundle(), format="json")

    assert response.status_code == 400
    paths = {e["path"] for e in response.json()["errors"] if e["policy"] == "column-described"}
    # order_id and amount have no description; email has one
    assert paths == {"contracts[0].schema[1].properties[0].description", "contracts[0].schema[1].properties[2].description"}
    assert not DataProduct.objects.exists()


@pytest.mark.django_db
def test_a_draft_is_not_refused(api, sales_member, defaults):
    api.force_authenticate(sales_member)
    body = no_owner()
    body["product"]["status"] = "draft"
    assert api.post("/api/products/", body, format="json").status_code == 201


@pytest.mark.django_db
def test_the_same_policy_as_a_warning_publishes_and_shows_on_the_compliance_tab(
        api, client, sales_member, defaults, django_capture_on_commit_callbacks):
    policy_save(key="product-owner-team", data={"severity": "warning"}, actor=None)
    api.force_authenticate(sales_member)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/products/", no_owner(), format="json")

    assert response.status_code == 201, response.json()
    compliance = api.get("/api/products/sales.orders/compliance/").json()
    results = {r["policy"]: r for r in compliance["results"]}
    assert results["product-owner-team"]["result"] == "failed"
    assert results["product-description"]["result"] == "passed"
    assert Policy.objects.get(key="product-owner-team").version == 2

    client.force_login(sales_member)
    page = client.get("/products/sales.orders/?tab=compliance").content.decode()
    panel = page[page.index('data-testid="compliance"'):]
    row = panel[panel.index("product-owner-team"):]
    row = row[:row.index("</tr>")]
    assert "failed" in row
    assert "no member with the role owner" in row


@pytest.mark.django_db
def test_validate_only_reports_the_blocking_failure_too(client, sales_member, defaults):
    """The publish page's 'Validate only' runs the same import: it lists the policy error by line."""
    import yaml

    client.force_login(sales_member)
    text = yaml.safe_dump_all([no_owner()["product"], contract_doc()], sort_keys=False)
    response = client.post("/publish/", {"descriptor": text, "validate": "1"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "product-owner-team" in page
    assert "product.team" in page
    assert not DataProduct.objects.exists()


@pytest.mark.django_db
def test_an_unchanged_republish_is_not_refused_but_a_change_is(api, sales_member, defaults):
    """A product published before the policy existed keeps republishing unchanged (nothing is written);
    the first change that would write it must meet the policy."""
    api.force_authenticate(sales_member)
    policy_save(key="product-owner-team", data={"severity": "warning"}, actor=None)
    assert api.post("/api/products/", no_owner(), format="json").status_code == 201
    policy_save(key="product-owner-team", data={"severity": "blocking"}, actor=None)

    assert api.post("/api/products/", no_owner(), format="json").status_code in (200, 201)
    changed = no_owner()
    changed["product"]["description"] = {"purpose": "Orders, now with refunds"}
    response = api.post("/api/products/", changed, format="json")
    assert response.status_code == 400
    assert any(e.get("policy") == "product-owner-team" for e in response.json()["errors"])
