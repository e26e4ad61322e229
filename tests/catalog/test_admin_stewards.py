"""The admin as a steward meets it: a product list that fits, human labels, support as rows, no
internal flags, and users, groups and API tokens to manage — every write audited."""
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from audit.models import AuditEvent
from catalog.models import DataProduct
from catalog.permissions import STEWARDS_GROUP
from demo.users import _stewards_group
from tests.catalog.mesh_for_reads import build_mesh
from tests.catalog.test_admin import _unchanged_post_data

pytestmark = pytest.mark.django_db
PRODUCTS = reverse("admin:catalog_dataproduct_changelist")


@pytest.fixture
def mesh(make_user):
    return build_mesh(make_user)


@pytest.fixture
def ward(make_user):
    """A staff user whose rights are the demo's stewards group's."""
    group = _stewards_group()
    assert group.name == STEWARDS_GROUP
    user = make_user("ward", is_staff=True)
    user.groups.add(group)
    return user


@pytest.fixture
def steward_client(ward):
    client = Client()
    client.force_login(ward)
    return client


def test_the_product_list_shows_the_six_columns_a_steward_needs(mesh, steward_client):
    changelist = steward_client.get(PRODUCTS).context["cl"]
    assert list(changelist.list_display)[1:] == ["identifier", "domain", "status", "visibility", "quality", "updated"]
    html = steward_client.get(PRODUCTS).content.decode()
    assert "search dirty" not in html.lower()
    assert "By search" not in html


def test_the_product_page_shows_no_internal_flags_and_support_as_rows(mesh, steward_client):
    html = steward_client.get(reverse("admin:catalog_dataproduct_change", args=[mesh.orders.pk])).content.decode()
    for internal in ("Search dirty", "Descriptor hash", ">Flags<", "search_dirty"):
        assert internal not in html
    assert 'name="support-0-channel" value="#sales-data"' in html
    assert 'name="support-0-url" value="https://chat.example.com/sales-data"' in html
    assert 'name="support-1-channel" value=""' in html  # a blank row to add a channel


def test_a_support_row_added_and_one_changed_are_saved_through_the_service(mesh, steward_client):
    data = _unchanged_post_data(steward_client, DataProduct, mesh.orders.pk)
    data.pop("support", None)
    data.update({"support-rows": "3", "support-0-channel": "#sales-help", "support-0-url": "https://chat.example.com/sales-data",
                 "support-1-channel": "sales-data@example.com", "support-1-tool": "email",
                 "support-1-url": "mailto:sales-data@example.com", "support-2-channel": ""})

    response = steward_client.post(reverse("admin:catalog_dataproduct_change", args=[mesh.orders.pk]), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    mesh.orders.refresh_from_db()
    assert mesh.orders.support == [
        {"channel": "#sales-help", "url": "https://chat.example.com/sales-data"},
        {"channel": "sales-data@example.com", "tool": "email", "url": "mailto:sales-data@example.com"},
    ]
    event = AuditEvent.objects.filter(subject_id=str(mesh.orders.pk)).order_by("-pk").first()
    assert event is not None
    assert "support" in str(event.data)


def test_a_support_row_without_a_channel_is_refused_naming_the_row(mesh, steward_client):
    data = _unchanged_post_data(steward_client, DataProduct, mesh.orders.pk)
    data.pop("support", None)
    data.update({"support-rows": "1", "support-0-tool": "email", "support-0-url": "mailto:x@example.com"})
    response = steward_client.post(reverse("admin:catalog_dataproduct_change", args=[mesh.orders.pk]), data)
    assert response.status_code == 200
    assert "Row 1: a channel is required" in response.content.decode()


def test_labels_are_human(mesh, make_user):
    client = Client()
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    html = client.get(reverse("admin:index")).content.decode()
    assert "PII suggestions" in html
    assert "Pii suggestions" not in html


@pytest.mark.parametrize("name", ["auth_user", "auth_group", "authtoken_tokenproxy"])
def test_stewards_open_users_groups_and_tokens(mesh, steward_client, name):
    assert steward_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert steward_client.get(reverse(f"admin:{name}_add")).status_code == 200


def test_a_steward_issues_and_revokes_a_token_and_both_are_audited(mesh, steward_client):
    dora = mesh.users.consumer
    response = steward_client.post(reverse("admin:authtoken_tokenproxy_add"), {"user": dora.pk})
    assert response.status_code == 302
    token = Token.objects.get(user=dora)
    issued = AuditEvent.objects.get(action="token.issued")
    assert issued.subject_label == "dora"
    assert token.key not in str(issued.data)

    response = steward_client.post(reverse("admin:authtoken_tokenproxy_delete", args=[dora.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Token.objects.filter(user=dora).exists()
    assert AuditEvent.objects.filter(action="token.revoked", subject_label="dora").exists()


def test_a_steward_edits_a_user_with_an_audit_event_but_cannot_make_a_superuser(mesh, steward_client, ward):
    dora = mesh.users.consumer
    url = reverse("admin:auth_user_change", args=[dora.pk])
    html = steward_client.get(url).content.decode()
    assert 'name="is_superuser"' not in html
    assert 'name="user_permissions"' not in html
    data = _unchanged_post_data(steward_client, get_user_model(), dora.pk)
    data.pop("date_joined", None)
    data.update({"date_joined_0": f"{dora.date_joined:%Y-%m-%d}", "date_joined_1": f"{dora.date_joined:%H:%M:%S}"})
    data.update(email="dora@example.com", is_superuser="on", groups=[str(Group.objects.get(name=STEWARDS_GROUP).pk)])

    response = steward_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    dora.refresh_from_db()
    assert dora.email == "dora@example.com"
    assert dora.is_superuser is False
    assert dora.groups.filter(name=STEWARDS_GROUP).exists()
    event = AuditEvent.objects.get(action="user.changed")
    assert {"email", "groups"} <= set(event.data["fields"])
    assert "is_superuser" not in event.data["fields"]


def test_a_steward_sees_a_superuser_but_cannot_change_them(mesh, steward_client, make_user):
    root = make_user("root", is_staff=True, is_superuser=True)
    url = reverse("admin:auth_user_change", args=[root.pk])
    assert 'name="_save"' not in steward_client.get(url).content.decode()
    assert steward_client.post(url, {"username": "root", "is_staff": "", "is_active": ""}).status_code == 403
    root.refresh_from_db()
    assert root.is_staff
