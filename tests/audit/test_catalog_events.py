"""Catalog writes are audited once each, whatever path made them, with actor, diff and request id."""
import copy
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from audit.models import AuditEvent
from catalog.models import DataProduct, DomainMembership
from catalog.permissions import STEWARDS_GROUP
from tests.audit.conftest import events_of
from tests.catalog.descriptor_texts import orders_yaml
from tests.catalog.descriptors.conftest import contract_doc, product_doc
from tests.catalog.test_admin import _unchanged_post_data, _url

pytestmark = pytest.mark.django_db
URL = "/api/products/"


def publish(api, documents, **headers):
    return api.post(URL, {"documents": documents}, format="json", headers=headers)


@pytest.fixture
def token_api(api, sales_member, token_for):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(sales_member)}")
    return api


def test_an_api_import_records_one_event_per_product_with_token_actor_diff_and_request_id(token_api, sales_member):
    response = publish(token_api, [product_doc(), contract_doc()])
    assert response.status_code == 201, response.json()

    (event,) = events_of("sales.orders")
    assert event.action == "product.created"
    assert (event.actor, event.actor_name) == (f"token:{sales_member.pk}", "ana")
    assert event.domain == "sales"
    assert event.subject_id == str(DataProduct.objects.get().pk)
    assert event.data["diff"]["added"]["name"] == "Orders"
    assert event.data["diff"]["added"]["descriptor.outputPorts[orders].contractId"] == "c-orders"
    assert event.request_id == response["X-Request-ID"]
    (contract,) = events_of("c-orders")
    assert (contract.action, contract.actor) == ("contract.created", f"token:{sales_member.pk}")


def test_a_no_op_reimport_records_nothing(token_api):
    publish(token_api, [product_doc(), contract_doc()])
    before = AuditEvent.objects.count()
    assert publish(token_api, [product_doc(), contract_doc()]).status_code == 200
    assert AuditEvent.objects.count() == before


def test_an_update_records_the_old_and_new_values(api, sales_member):
    api.force_authenticate(sales_member)  # a session-like user: no token
    publish(api, [product_doc(), contract_doc()])
    changed = product_doc(name="Orders v2", version="1.1.0")
    changed["description"]["usage"] = "Join on order_id and day."
    publish(api, [changed, contract_doc()])

    created, updated = events_of("sales.orders")
    assert updated.action == "product.updated"
    assert updated.actor == f"user:{sales_member.pk}"
    diff = updated.data["diff"]["changed"]
    assert diff["name"] == ["Orders", "Orders v2"]
    assert diff["version"] == ["1.0.0", "1.1.0"]
    assert diff["descriptor.description.usage"] == ["Join on order_id.", "Join on order_id and day."]
    assert "descriptor_hash" not in diff
    assert set(updated.data["fields"]) >= {"name", "version", "usage", "descriptor"}


def test_a_status_change_is_its_own_action(api, sales_member):
    api.force_authenticate(sales_member)
    publish(api, [product_doc(), contract_doc()])
    publish(api, [product_doc(status="deprecated"), contract_doc()])
    assert events_of("sales.orders")[-1].action == "product.status_changed"
    assert events_of("sales.orders")[-1].data["diff"]["changed"]["status"] == ["published", "deprecated"]


def test_a_removed_column_is_a_breaking_contract_change(api, sales_member):
    api.force_authenticate(sales_member)
    publish(api, [product_doc(), contract_doc()])
    narrowed = copy.deepcopy(contract_doc())
    narrowed["schema"][1]["properties"] = [p for p in narrowed["schema"][1]["properties"] if p["name"] != "email"]
    publish(api, [product_doc(), narrowed])

    change = events_of("c-orders")[-1]
    assert change.action == "contract.changed"
    assert change.data["breaking"] is True
    assert change.data["reasons"] == ["column orders.email removed or renamed"]
    product = events_of("sales.orders")[-1]  # the product's columns changed with its contract: one event
    assert product.action == "product.updated"
    assert "output_ports" in product.data["fields"]


def test_an_added_column_is_not_breaking(api, sales_member):
    api.force_authenticate(sales_member)
    publish(api, [product_doc(), contract_doc()])
    wider = copy.deepcopy(contract_doc())
    wider["schema"][1]["properties"].append({"name": "channel", "logicalType": "string"})
    publish(api, [product_doc(), wider])
    change = events_of("c-orders")[-1]
    assert (change.data["breaking"], change.data["reasons"]) == (False, [])
    assert change.data["diff"]["added"] == {"schema[orders].properties[channel].logicalType": "string"}


def test_validate_only_publishing_rolls_back_and_leaves_no_event(sales_member):
    client = Client()
    client.force_login(sales_member)
    response = client.post("/publish/", {"descriptor": orders_yaml(), "validate": "1"})
    assert response.status_code == 200
    assert not DataProduct.objects.exists()
    assert not AuditEvent.objects.exists()


def test_request_id_is_honoured_when_sane_and_replaced_otherwise(token_api):
    response = publish(token_api, [product_doc(), contract_doc()], **{"X-Request-ID": "req-42.abc"})
    assert response["X-Request-ID"] == "req-42.abc"
    assert {e.request_id for e in AuditEvent.objects.all()} == {"req-42.abc"}
    hostile = token_api.get(URL, headers={"X-Request-ID": "x\" onload=alert(1)"})
    assert hostile["X-Request-ID"] != "x\" onload=alert(1)"
    assert len(hostile["X-Request-ID"]) == 32


@pytest.fixture
def admin_client(make_user):
    group, _ = Group.objects.get_or_create(name=STEWARDS_GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=["catalog", "audit"]))
    user = make_user("ward", is_staff=True)
    user.groups.add(group)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def test_an_admin_save_is_recorded_once_with_the_admin_as_actor(api, sales_member, admin_client):
    api.force_authenticate(sales_member)
    publish(api, [product_doc(), contract_doc()])
    product = DataProduct.objects.get()
    data = _unchanged_post_data(admin_client, DataProduct, product.pk)
    assert admin_client.post(_url(DataProduct, "change", product.pk), data).status_code == 302
    assert len(events_of("sales.orders")) == 1  # an unchanged save records nothing

    data["name"] = "Orders (curated)"
    assert admin_client.post(_url(DataProduct, "change", product.pk), data).status_code == 302

    created, edited = events_of("sales.orders")
    assert (edited.action, edited.actor, edited.actor_name) == ("product.updated", f"user:{admin_client.user.pk}", "ward")
    assert edited.data["diff"] == {"changed": {"name": ["Orders", "Orders (curated)"]}}


def test_an_admin_delete_is_recorded_under_the_products_last_name(api, sales_member, admin_client):
    api.force_authenticate(sales_member)
    publish(api, [product_doc(), contract_doc()])
    product = DataProduct.objects.get()
    response = admin_client.post(_url(DataProduct, "delete", product.pk), {"post": "yes"})
    assert response.status_code == 302
    deleted = events_of("sales.orders")[-1]
    assert (deleted.action, deleted.subject_id, deleted.domain) == ("product.deleted", str(product.pk), "sales")


def test_a_membership_edit_in_admin_is_recorded(sales, make_user, admin_client):
    bea = make_user("bea")
    data = {"user": bea.pk, "domain": sales.pk, "role": "owner"}
    assert admin_client.post(_url(DomainMembership, "add"), data).status_code == 302
    (event,) = AuditEvent.objects.filter(action="membership.changed")
    assert (event.subject_label, event.domain, event.actor) == ("sales", "sales", f"user:{admin_client.user.pk}")
    assert event.data == {"user": "bea", "role": "owner", "created": True, "fields": []}


def test_the_import_command_is_named_as_the_actor(sales, tmp_path):
    import yaml
    from django.core.management import call_command

    path = tmp_path / "orders.yaml"
    path.write_text(yaml.safe_dump_all([product_doc(), contract_doc()]))
    call_command("import_descriptors", str(path), stdout=io.StringIO())
    (event,) = events_of("sales.orders")
    assert (event.action, event.actor) == ("product.created", "command:import_descriptors")
