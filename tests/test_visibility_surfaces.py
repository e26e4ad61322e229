"""One rule, every surface: what each kind of viewer sees of a restricted product and of a draft.

The rule lives in ``catalog.visibility``; every case runs on both search backends. Readers of the restricted ``finance.payments`` are its
domain's team, stewards and holders of a grant (here from a fake provider, the way governance
will register one); everyone else learns that it exists and whom to ask, and nothing more. The
draft ``finance.forecast`` is known only to its domain and stewards.
"""
import pytest
from django.conf import settings
from django.test import Client

from catalog import visibility
from catalog.models import DataProduct, Domain, DomainMembership
from tests.search.conftest import (  # noqa: F401  (both search backends, the emulator for Elasticsearch)
    backend_settings,
    elasticsearch_url,
    pytest_generate_tests,
    search_backend,
)

pytestmark = pytest.mark.django_db

SECRET_COLUMN = "card_number"
VIEWERS = ("anonymous", "consumer", "marketing_member", "finance_member", "steward", "grantee")
READERS = {"finance_member", "steward", "grantee"}


def contract(cid, name, domain, path, columns):
    return {
        "apiVersion": "v3.1.0", "kind": "DataContract", "id": cid, "name": name, "version": "1.0.0",
        "status": "active", "domain": domain,
        "servers": [{"server": "files", "type": "local", "environment": "prod", "path": str(path), "format": "csv"}],
        "schema": [{"name": name, "properties": [
            {"name": col, "logicalType": "string", "classification": cls,
             "quality": [{"metric": "nullValues", "mustBe": 0}]} for col, cls in columns]}],
    }


def product(pid, name, domain, cid, *, visibility="public", status="active", inputs=()):
    return {
        "apiVersion": "v1.0.0", "kind": "DataProduct", "id": pid, "name": name, "version": "1.0.0", "status": status,
        "domain": domain, "description": {"purpose": f"{name} for the surfaces test."},
        "customProperties": [{"property": "visibility", "value": visibility}],
        "outputPorts": [{"name": name.lower(), "version": "1.0.0", "contractId": cid}],
        "inputPorts": [{"name": i, "version": "1.0.0", "contractId": i} for i in inputs],
    }


@pytest.fixture
def mesh(search_backend, make_user, steward, api, django_capture_on_commit_callbacks):  # noqa: F811
    root = settings.MESHPORT_DATA_ROOTS[0]
    finance = Domain.objects.create(slug="finance", name="Finance")
    marketing = Domain.objects.create(slug="marketing", name="Marketing")
    users = {"anonymous": None, "consumer": make_user("carol"), "steward": steward, "grantee": make_user("gina"),
             "finance_member": make_user("fran"), "marketing_member": make_user("mark")}
    DomainMembership.objects.create(domain=finance, user=users["finance_member"])
    DomainMembership.objects.create(domain=marketing, user=users["marketing_member"])
    (root / "finance").mkdir(parents=True, exist_ok=True)
    (root / "marketing").mkdir(parents=True, exist_ok=True)
    (root / "finance" / "payments.csv").write_text(
        f"{SECRET_COLUMN},iban,amount\n4111111111111111,DE89370400440532013000,12.5\n5500005555555559,FR7630006000011234567890189,3\n")
    (root / "finance" / "forecast.csv").write_text("month,amount\n2026-01,10\n")
    (root / "marketing" / "spend.csv").write_text("campaign,amount\nspring,4\n")
    bundles = [
        (product("p-pay", "Payments", "finance", "c-pay", visibility="restricted"),
         contract("c-pay", "payments", "finance", root / "finance" / "payments.csv",
                  [(SECRET_COLUMN, "pii"), ("iban", "pii"), ("amount", "")])),
        (product("p-fc", "Forecast", "finance", "c-fc", status="draft"),
         contract("c-fc", "forecast", "finance", root / "finance" / "forecast.csv", [("month", ""), ("amount", "")])),
        (product("p-spend", "Spend", "marketing", "c-spend", inputs=("c-pay",)),
         contract("c-spend", "spend", "marketing", root / "marketing" / "spend.csv", [("campaign", ""), ("amount", "")])),
    ]
    api.force_authenticate(steward)
    for doc, con in bundles:
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post("/api/products/", {"product": doc, "contracts": [con]}, format="json")
        assert response.status_code == 201, response.json()
    api.force_authenticate(None)
    search_backend.refresh()

    payments = DataProduct.objects.get(identifier="finance.payments")

    def grants(user):
        return [payments.pk] if user.username == "gina" else []

    visibility.register_grant_provider(grants)
    yield users
    visibility.unregister_grant_provider(grants)


def as_viewer(api, users, who):
    api.force_authenticate(users[who] and type(users[who]).objects.get(pk=users[who].pk))  # a fresh user, as a request has
    return api


def columns_of(detail: dict) -> set[str]:
    return {c["name"] for port in detail["output_ports"] for c in port.get("columns", [])}


@pytest.mark.parametrize("who", VIEWERS)
def test_each_viewer_sees_exactly_what_the_rule_says(api, mesh, who, backend_name):
    reads = who in READERS
    client = as_viewer(api, mesh, who)

    listed = {p["identifier"] for p in client.get("/api/products/", {"page_size": 50}).json()["results"]}
    assert "finance.payments" in listed  # restricted products are listed: consumers learn whom to ask
    assert ("finance.forecast" in listed) == (who in {"finance_member", "steward"})  # a draft: its domain only

    detail = client.get("/api/products/finance.payments/").json()
    assert detail["details_hidden"] is not reads
    assert (SECRET_COLUMN in columns_of(detail)) is reads
    assert ("payments.csv" in str(detail)) is reads  # the location

    hits = client.get("/api/search/", {"q": SECRET_COLUMN}).json()
    assert ("finance.payments" in str(hits)) is reads  # found by its column only by those who may read it
    suggested = str(client.get("/api/search/suggest/", {"q": "fore"}).json())
    assert ("finance.forecast" in suggested) == (who in {"finance_member", "steward"})

    profile = client.get("/api/products/finance.payments/profile/")
    assert (profile.status_code == 200) is reads
    assert (SECRET_COLUMN in profile.content.decode()) is reads

    quality = client.get("/api/products/finance.payments/quality/").json()
    assert "4111111111111111" not in str(quality)
    measured = [c.get("measured") for c in quality.get("checks", [])]
    assert any(m is not None for m in measured) is reads

    lineage = client.get("/api/lineage/", {"node": "finance.payments", "level": "column"})
    assert (SECRET_COLUMN in lineage.content.decode()) is reads
    assert "payments.csv" not in lineage.content.decode() or reads

    impact = client.get("/api/products/finance.payments/impact/", {"column": SECRET_COLUMN})
    assert (impact.status_code == 200) is reads

    browser = Client()
    if mesh[who] is not None:
        browser.force_login(mesh[who])
    page = browser.get("/products/finance.payments/?tab=schema").content.decode()
    assert (SECRET_COLUMN in page) is reads
    assert (browser.get("/products/finance.forecast/").status_code == 200) is (who in {"finance_member", "steward"})
