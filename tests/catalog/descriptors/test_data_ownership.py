"""Data belongs to a domain: no product republishes another domain's contract or location.

The attack these tests replay: a marketing owner published a public product whose output port
named finance's restricted payments data — by reusing the payments contract's id, or by naming
the file — and anonymous visitors then read its columns, location and profile.
"""
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import Contract, DataProduct, Domain, DomainMembership, LocationClaim

from .conftest import bundle, contract_doc, data_root, product_doc

pytestmark = pytest.mark.django_db

URL = "/api/products/"


@pytest.fixture
def marketing(db):
    return Domain.objects.create(slug="marketing", name="Marketing")


@pytest.fixture
def marketing_owner(make_user, marketing):
    user = make_user("mia")
    DomainMembership.objects.create(domain=marketing, user=user, role=DomainMembership.Role.OWNER)
    return user


def payments_bundle():
    contract = contract_doc("c-payments", "payments", domain="finance",
                            path=str(data_root() / "finance" / "payments.csv"))
    product = product_doc("p-payments", "Payments", domain="finance", contract_id="c-payments",
                          customProperties=[{"property": "visibility", "value": "restricted"}])
    product["outputPorts"][0]["name"] = "payments"
    return bundle(product, contract)


@pytest.fixture
def payments(api, finance_owner):
    api.force_authenticate(finance_owner)
    response = api.post(URL, payments_bundle(), format="json")
    assert response.status_code == 201, response.json()
    api.force_authenticate(None)
    return DataProduct.objects.get(identifier="finance.payments")


def post_as(api, user, body):
    api.force_authenticate(user)
    return api.post(URL, body, format="json")


def messages(response) -> dict:
    return {e["path"]: e["message"] for e in response.json()["errors"]}


def test_another_domains_contract_id_cannot_be_an_output_port(api, payments, marketing_owner):
    product = product_doc("p-spend", "Spend", domain="marketing", contract_id="c-payments")

    response = post_as(api, marketing_owner, {"product": product, "contracts": []})

    assert response.status_code == 400
    message = messages(response)["product.outputPorts[0].contractId"]
    assert "finance" in message
    assert "input port" in message
    assert not DataProduct.objects.filter(domain__slug="marketing").exists()
    assert set(LocationClaim.objects.values_list("product__identifier", flat=True)) == {"finance.payments"}


def test_a_file_in_another_domains_folder_cannot_be_published(api, payments, marketing_owner):
    contract = contract_doc("c-spend", "spend", domain="marketing", path=str(data_root() / "finance" / "payments.csv"))
    product = product_doc("p-spend", "Spend", domain="marketing", contract_id="c-spend")

    response = post_as(api, marketing_owner, bundle(product, contract))

    assert response.status_code == 400
    message = messages(response)["product.outputPorts[0].contractId"]
    assert "not in the marketing domain's data folders" in message
    assert not DataProduct.objects.filter(domain__slug="marketing").exists()
    assert not Contract.objects.filter(external_id="c-spend").exists()


def test_a_second_product_on_a_held_location_is_refused_naming_both(api, payments, finance_owner):
    contract = contract_doc("c-copy", "payments_copy", domain="finance", path=str(data_root() / "finance" / "payments.csv"))
    product = product_doc("p-copy", "Payments copy", domain="finance", contract_id="c-copy")

    response = post_as(api, finance_owner, bundle(product, contract))

    assert response.status_code == 400
    message = messages(response)["product.outputPorts[0].contractId"]
    assert "finance.payments" in message
    assert "finance.payments_copy" in message
    assert DataProduct.objects.count() == 1


def test_the_same_file_spelt_differently_is_the_same_location(api, payments, finance_owner):
    twisted = str(data_root() / "finance" / "x" / ".." / "payments.csv")
    contract = contract_doc("c-copy", "payments_copy", domain="finance", path=twisted)
    product = product_doc("p-copy", "Payments copy", domain="finance", contract_id="c-copy")

    response = post_as(api, finance_owner, bundle(product, contract))

    assert response.status_code == 400
    assert "already the location of finance.payments" in messages(response)["product.outputPorts[0].contractId"]


def test_a_contract_naming_another_domain_cannot_be_created(api, payments, marketing_owner):
    contract = contract_doc("c-fake", "fake", domain="finance", path=str(data_root() / "marketing" / "fake.csv"))
    product = product_doc("p-fake", "Fake", domain="marketing", contract_id="c-fake")

    response = post_as(api, marketing_owner, bundle(product, contract))

    assert response.status_code == 403
    assert "finance" in response.json()["detail"]
    assert not Contract.objects.filter(external_id="c-fake").exists()


def test_a_contract_without_a_domain_belongs_to_its_first_publisher(api, sales_member, marketing_owner):
    contract = contract_doc("c-loose", "loose", domain=None, path=str(data_root() / "sales" / "loose.csv"))
    del contract["domain"]
    product = product_doc("p-loose", "Loose", domain="sales", contract_id="c-loose")
    assert post_as(api, sales_member, bundle(product, contract)).status_code == 201
    assert Contract.objects.get(external_id="c-loose").domain.slug == "sales"

    intruder = product_doc("p-intruder", "Intruder", domain="marketing", contract_id="c-loose")
    response = post_as(api, marketing_owner, {"product": intruder, "contracts": []})

    assert response.status_code == 400
    assert "sales" in messages(response)["product.outputPorts[0].contractId"]


def test_another_domains_contract_is_fine_as_an_input_port(api, payments, marketing_owner):
    contract = contract_doc("c-spend", "spend", domain="marketing", path=str(data_root() / "marketing" / "spend.csv"))
    product = product_doc("p-spend", "Spend", domain="marketing", contract_id="c-spend",
                          inputPorts=[{"name": "payments", "version": "1.0.0", "contractId": "c-payments"}])

    response = post_as(api, marketing_owner, bundle(product, contract))

    assert response.status_code == 201, response.json()
    spend = DataProduct.objects.get(identifier="marketing.spend")
    assert spend.input_ports.get().source_port.product == payments


def test_republishing_the_own_location_again_is_unchanged(api, payments, finance_owner):
    response = post_as(api, finance_owner, payments_bundle())

    assert response.status_code == 200, response.json()
    assert response.json()["unchanged"] == ["finance.payments"]
    assert LocationClaim.objects.get().key == f"file:{data_root() / 'finance' / 'payments.csv'}"


def test_moving_a_port_frees_its_old_location(api, payments, finance_owner):
    moved = payments_bundle()
    moved["contracts"][0]["servers"][1]["path"] = str(data_root() / "finance" / "payments_v2.csv")
    assert post_as(api, finance_owner, moved).status_code == 200

    assert list(LocationClaim.objects.values_list("key", flat=True)) == [f"file:{data_root() / 'finance' / 'payments_v2.csv'}"]


def test_the_command_line_is_held_to_the_same_rules(payments, marketing, tmp_path):
    import yaml

    contract = contract_doc("c-spend", "spend", domain="marketing", path=str(data_root() / "finance" / "payments.csv"))
    product = product_doc("p-spend", "Spend", domain="marketing", contract_id="c-spend")
    path = tmp_path / "spend.yaml"
    path.write_text(yaml.safe_dump_all([product, contract], sort_keys=False))

    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_descriptors", str(path), stderr=err)

    line = next(line for line in err.getvalue().splitlines() if "data folders" in line)
    contract_line = path.read_text().splitlines().index("  contractId: c-spend") + 1
    assert line.startswith(f"{path}:{contract_line}: product.outputPorts[0].contractId: ")  # file, line, path
    assert not DataProduct.objects.filter(domain__slug="marketing").exists()


def test_the_profiler_refuses_a_port_outside_its_domain_whoever_wrote_it(payments, marketing):
    from catalog.models import OutputPort
    from profiling.errors import LocationRefused
    from profiling.readers import port_connection

    intruder = DataProduct.objects.create(domain=marketing, slug="spend", external_id="p-spend", name="Spend")
    port = OutputPort.objects.create(product=intruder, name="spend", version="1", kind="file", format="csv",
                                     location=str(data_root() / "finance" / "payments.csv"), server_type="local")

    with pytest.raises(LocationRefused, match="marketing domain's data folders"), port_connection(port):
        pass


def test_a_product_built_from_restricted_inputs_says_so(api, payments, marketing_owner, client):
    contract = contract_doc("c-spend", "spend", domain="marketing", path=str(data_root() / "marketing" / "spend.csv"))
    product = product_doc("p-spend", "Spend", domain="marketing", contract_id="c-spend",
                          inputPorts=[{"name": "payments", "version": "1.0.0", "contractId": "c-payments"}])
    assert post_as(api, marketing_owner, bundle(product, contract)).status_code == 201
    api.force_authenticate(None)

    body = api.get(f"{URL}marketing.spend/").json()
    page = client.get("/products/marketing.spend/?tab=lineage").content.decode()

    assert body["restricted_inputs"] == ["finance.payments"]
    assert api.get(f"{URL}finance.payments/").json()["restricted_inputs"] == []
    assert 'id="restricted-inputs"' in page
    assert "finance.payments" in page
    assert str(data_root() / "finance") not in page  # the input's location is not shown


def test_a_takeover_of_a_location_leaves_its_lineage_alone(api, payments, finance_owner, steward):
    from lineage.services.products import lineage_products_sync

    lineage_products_sync(product_ids=[payments.pk])  # what the publish's on-commit work does
    api.force_authenticate(steward)
    before = api.get("/api/lineage/", {"node": "finance.payments", "level": "dataset"}).json()
    assert [n for n in before["nodes"] if n.get("product") == "finance.payments"]

    contract = contract_doc("c-copy", "payments_copy", domain="finance", path=str(data_root() / "finance" / "payments.csv"))
    product = product_doc("p-copy", "Payments copy", domain="finance", contract_id="c-copy")
    assert post_as(api, finance_owner, bundle(product, contract)).status_code == 400

    api.force_authenticate(steward)
    assert api.get("/api/lineage/", {"node": "finance.payments", "level": "dataset"}).json() == before
    assert api.get("/api/products/finance.payments/impact/").status_code == 200
