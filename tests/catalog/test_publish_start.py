"""Publishing, as a newcomer meets it: told before typing when they may not publish, a documented
template and a copy of a product to start from, errors that blame the field at fault, a copy
that cannot silently republish its original's data, and the API's dry run."""
import pytest
import yaml
from rest_framework.test import APIClient

from audit.models import AuditEvent
from catalog.models import Contract, DataProduct
from tests.catalog.descriptor_texts import orders_yaml
from tests.catalog.test_publish_page import URL, client_for, member, outsider, post, sales  # noqa: F401

pytestmark = pytest.mark.django_db
API = "/api/products/"


@pytest.fixture
def published(member):  # noqa: F811
    post(member, descriptor=orders_yaml(), publish="1")
    return DataProduct.objects.get(identifier="sales.web_orders")


def documents(text: str) -> list[dict]:
    return list(yaml.safe_load_all(text))


def errors_of(response) -> list[dict]:
    return response.context["errors"]


def test_a_user_in_no_domain_is_told_why_before_typing_and_gets_no_form(make_user):
    html = client_for(make_user("nora")).get(URL).content.decode()
    assert 'id="publish-no-domain"' in html
    assert "You cannot publish yet." in html
    assert "not in\n    any domain&#x27;s team" in html or "not in any domain" in html.replace("\n    ", " ")
    assert "<textarea" not in html
    assert ">Publish</button>" not in html


def test_a_member_is_offered_a_template_and_a_copy_to_start_from(member):  # noqa: F811
    html = client_for(member).get(URL).content.decode()
    assert 'href="?start=template">Start from a template</a>' in html
    assert 'name="from"' in html
    assert 'id="publish-no-domain"' not in html


def test_the_template_is_a_documented_example_that_validates_in_the_users_domain(member):  # noqa: F811
    text = client_for(member).get(URL, {"start": "template"}).context["form"]["descriptor"].value()
    product, contract = documents(text)
    assert text.startswith("# A data product (ODPS v1)")
    assert product["domain"] == "sales"
    assert contract["domain"] == "sales"
    assert product["outputPorts"][0]["contractId"] == contract["id"]
    assert product["team"]["members"] == [{"username": "ana", "role": "owner"}]

    checked = post(member, descriptor=text, validate="1")

    assert checked.status_code == 200, checked.context.get("errors")
    assert "Publishing would create sales.customer_orders" in checked.content.decode()
    assert not DataProduct.objects.exists()


def test_two_templates_never_share_ids(member):  # noqa: F811
    client = client_for(member)
    first, second = (documents(client.get(URL, {"start": "template"}).context["form"]["descriptor"].value())
                     for _ in range(2))
    assert first[0]["id"] != second[0]["id"]
    assert first[1]["id"] != second[1]["id"]


def test_a_copy_gets_new_ids_and_must_be_given_its_own_data_location(published, member):  # noqa: F811
    page = client_for(member).get(URL, {"from": "sales.web_orders"})
    assert 'id="publish-copied"' in page.content.decode()
    text = page.context["form"]["descriptor"].value()
    product, contract = documents(text)
    original = Contract.objects.get()
    assert product["id"] != published.external_id
    assert product["name"] == "Copy of Web orders"
    assert contract["id"] != original.external_id
    assert product["outputPorts"][0]["contractId"] == contract["id"]
    assert contract["servers"][0]["path"] == "<choose a new location>"

    refused = post(member, descriptor=text, publish="1")

    assert refused.status_code == 400
    [error] = errors_of(refused)
    assert error["path"] == "contracts[0].servers[0].path"
    assert "needs a data location of its own" in error["message"]
    assert DataProduct.objects.count() == 1


def test_a_copy_given_the_originals_location_is_refused_naming_both_products(published, member):  # noqa: F811
    text = client_for(member).get(URL, {"from": "sales.web_orders"}).context["form"]["descriptor"].value()
    same_place = text.replace("<choose a new location>", published.output_ports.get().location)

    refused = post(member, descriptor=same_place, publish="1")

    assert refused.status_code == 400
    messages = " ".join(e["message"] for e in errors_of(refused))
    assert "sales.web_orders" in messages
    assert "sales.copy_of_web_orders" in messages
    assert DataProduct.objects.count() == 1


def test_a_copy_that_keeps_the_originals_contract_is_refused_naming_both_products(published, member):  # noqa: F811
    product = documents(orders_yaml())[0]
    product.update(id="urn:dp:sales:web-orders-2", name="Web orders again")  # same contractId, same port

    refused = post(member, descriptor=yaml.safe_dump(product), publish="1")

    assert refused.status_code == 400
    [error] = errors_of(refused)
    assert error["path"] == "product.outputPorts[0].contractId"
    assert "already published by sales.web_orders" in error["message"]
    assert "'Web orders again' cannot publish the same data" in error["message"]
    assert DataProduct.objects.count() == 1


def test_changing_an_exported_id_and_name_blames_the_slug_property(published, member):  # noqa: F811
    exported = documents(client_for(member).get(URL, {"product": "sales.web_orders"}).context["form"]["descriptor"].value())
    product = exported[0]
    product.setdefault("customProperties", []).append({"property": "slug", "value": "web_orders"})
    product.update(id="urn:dp:sales:another", name="Another product")

    refused = post(member, descriptor=yaml.safe_dump(product), publish="1")

    assert refused.status_code == 400
    paths = [e["path"] for e in errors_of(refused)]
    assert "product.name" not in paths
    [slug_error] = [e for e in errors_of(refused) if "customProperties" in e["path"]]
    assert slug_error["path"].startswith("product.customProperties[")
    assert "customProperties.slug 'web_orders'" in slug_error["message"]
    assert "sales.web_orders" in slug_error["message"]


def test_the_api_dry_run_answers_like_validate_only_and_writes_nothing(member):  # noqa: F811
    api = APIClient()
    api.force_authenticate(member)
    body = orders_yaml()
    page = post(member, descriptor=body, validate="1").content.decode()
    events = AuditEvent.objects.count()

    response = api.post(f"{API}?dry_run=true", body, content_type="application/yaml")

    assert response.status_code == 200, response.json()
    answer = response.json()
    assert answer["dry_run"] is True
    assert answer["created"] == ["sales.web_orders"]
    assert answer["detail"] == "Valid. Publishing would create sales.web_orders. Nothing was written."
    assert "Publishing would create sales.web_orders. Nothing was written." in page
    assert not DataProduct.objects.exists()
    assert not Contract.objects.exists()
    assert AuditEvent.objects.count() == events


def test_the_api_dry_run_of_an_invalid_descriptor_lists_the_pages_errors(member):  # noqa: F811
    api = APIClient()
    api.force_authenticate(member)
    broken = orders_yaml().replace("status: active\ndomain: sales\ndescription", "status: 12\ndomain: sales\ndescription")
    page_paths = [e["path"] for e in errors_of(post(member, descriptor=broken, validate="1"))]

    response = api.post(f"{API}?dry_run=true", broken, content_type="application/yaml")

    assert response.status_code == 400
    assert [e["path"] for e in response.json()["errors"]] == page_paths == ["product.status"]


def test_the_api_dry_run_of_an_update_changes_nothing(published, member):  # noqa: F811
    api = APIClient()
    api.force_authenticate(member)
    changed = orders_yaml().replace("name: Web orders", "name: Web shop orders")
    before = (published.name, published.updated, AuditEvent.objects.count())

    response = api.put(f"{API}sales.web_orders/?dry_run=1", changed, content_type="application/yaml")

    assert response.status_code == 200, response.json()
    assert response.json()["updated"] == ["sales.web_orders"]
    assert response.json()["detail"] == "Valid. Publishing would update sales.web_orders. Nothing was written."
    published.refresh_from_db()
    assert (published.name, published.updated, AuditEvent.objects.count()) == before


def test_the_api_refuses_another_products_location_with_both_named(published, member):  # noqa: F811
    api = APIClient()
    api.force_authenticate(member)
    product, contract = documents(orders_yaml())
    product.update(id="urn:dp:sales:twin", name="Twin")
    product["outputPorts"][0]["contractId"] = contract["id"] = "urn:contract:twin"

    response = api.post(API, {"product": product, "contracts": [contract]}, format="json")

    assert response.status_code == 400
    text = " ".join(e["message"] for e in response.json()["errors"])
    assert "sales.web_orders" in text
    assert "sales.twin" in text
    assert DataProduct.objects.count() == 1
