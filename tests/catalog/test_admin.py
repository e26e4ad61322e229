"""The steward admin: every catalog model's changelist and change page open for a steward."""
import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from catalog.models import (
    Column,
    Contract,
    DataProduct,
    Domain,
    DomainMembership,
    InputPort,
    OutputPort,
    ProductTeamMember,
    Tag,
)
from catalog.permissions import STEWARDS_GROUP
from tests.catalog.mesh_for_reads import build_mesh

pytestmark = pytest.mark.django_db

MODELS = [Domain, DomainMembership, Tag, DataProduct, ProductTeamMember, Contract, OutputPort, InputPort, Column]


@pytest.fixture
def mesh(make_user):
    return build_mesh(make_user)


@pytest.fixture
def staff_steward(make_user):
    """A staff user in the stewards group, whose rights come from the group's model permissions."""
    group, _ = Group.objects.get_or_create(name=STEWARDS_GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label="catalog"))
    user = make_user("ward", is_staff=True)
    user.groups.add(group)
    client = Client()
    client.force_login(user)
    return client


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_steward_opens_changelist_change_and_add_pages(mesh, staff_steward, model):
    obj = model.objects.first()
    assert staff_steward.get(_url(model, "changelist")).status_code == 200
    assert staff_steward.get(_url(model, "changelist"), {"q": "sales"}).status_code == 200
    assert staff_steward.get(_url(model, "change", obj.pk)).status_code == 200
    assert staff_steward.get(_url(model, "add")).status_code == 200


def test_admin_is_branded_and_lists_products_readably(mesh, staff_steward):
    html = staff_steward.get(_url(DataProduct, "changelist")).content.decode()
    assert "Meshport stewardship" in html
    assert "sales.orders" in html
    assert 'class="sortable column-quality' in html  # identifier, domain, status, visibility, quality, updated


def test_product_change_page_has_inlines_and_read_only_derived_fields(mesh, staff_steward):
    html = staff_steward.get(_url(DataProduct, "change", mesh.orders.pk)).content.decode()
    assert 'name="output_ports-0-name"' in html
    assert 'name="team_members-0-username"' in html
    assert 'name="quality_score"' not in html
    assert 'name="identifier"' not in html
    assert 'name="search_dirty"' not in html
    assert 'name="descriptor_hash"' not in html


def test_port_change_page_lists_columns_inline(mesh, staff_steward):
    html = staff_steward.get(_url(OutputPort, "change", mesh.orders_port.pk)).content.decode()
    assert 'value="customer_email"' in html


def test_domain_change_page_has_memberships_inline(mesh, staff_steward):
    html = staff_steward.get(_url(Domain, "change", mesh.sales.pk)).content.decode()
    assert 'name="memberships-0-role"' in html


def test_changelist_filters_narrow(mesh, staff_steward):
    html = staff_steward.get(_url(DataProduct, "changelist"), {"status__exact": "draft"}).content.decode()
    assert "sales.orders_draft" in html
    assert "sales.customers" not in html


def test_saving_a_product_in_admin_marks_it_for_reindex(mesh, staff_steward, django_capture_on_commit_callbacks):
    DataProduct.objects.filter(pk=mesh.orders.pk).update(search_dirty=False)
    change = staff_steward.get(_url(DataProduct, "change", mesh.orders.pk))
    data = _form_data(change.context["adminform"].form, change.context["inline_admin_formsets"])
    data["name"] = "Sales Orders v2"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_steward.post(_url(DataProduct, "change", mesh.orders.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    mesh.orders.refresh_from_db()
    assert mesh.orders.name == "Sales Orders v2"
    assert mesh.orders.search_dirty is True
    assert mesh.orders.support[0]["channel"] == "#sales-data"
    assert mesh.orders.output_ports.count() == 1
    assert callbacks


def test_consumer_without_staff_cannot_open_admin(mesh):
    client = Client()
    client.force_login(mesh.users.consumer)
    assert client.get(_url(DataProduct, "changelist")).status_code == 302


def _form_data(form, inline_formsets) -> dict:
    """What the browser would post back for an unchanged change form."""
    data = {}
    for bound in form:
        _add_value(data, bound)
    for inline in inline_formsets:
        formset = inline.formset
        for bound in formset.management_form:
            data[bound.html_name] = bound.value()
        for sub in formset.forms:
            for bound in sub:
                _add_value(data, bound)
    return data


def _add_value(data, bound):
    value = bound.value()
    if value is None or value is False:
        return
    if isinstance(value, list | tuple):
        data[bound.html_name] = [str(v) for v in value]
    elif isinstance(value, dict):
        import json

        data[bound.html_name] = json.dumps(value)
    else:
        data[bound.html_name] = value


def _unchanged_post_data(client, model, pk) -> dict:
    change = client.get(_url(model, "change", pk))
    form = change.context["adminform"].form
    data = _form_data(form, change.context["inline_admin_formsets"])
    for bound in form:  # the hidden "initial-" inputs Django renders for fields with callable defaults
        if bound.field.show_hidden_initial:
            data[bound.html_initial_name] = bound.field.widget.format_value(bound.field.prepare_value(bound.initial))
    for key, value in data.items():  # what a browser's textarea sends back
        if isinstance(value, str) and "\n" in value:
            data[key] = value.replace("\n", "\r\n")
    return data


def test_an_unchanged_admin_save_writes_and_tells_nothing(mesh, staff_steward, django_capture_on_commit_callbacks):
    DataProduct.objects.filter(pk=mesh.orders.pk).update(description="Line one.\nLine two.", search_dirty=False)
    before = DataProduct.objects.get(pk=mesh.orders.pk)
    data = _unchanged_post_data(staff_steward, DataProduct, mesh.orders.pk)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_steward.post(_url(DataProduct, "change", mesh.orders.pk), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    after = DataProduct.objects.get(pk=mesh.orders.pk)
    assert after.description == "Line one.\nLine two."  # no CRLF written back
    assert after.updated == before.updated
    assert after.search_dirty is False
    assert callbacks == []


def test_an_admin_edit_goes_through_the_service_and_is_announced(mesh, staff_steward, django_capture_on_commit_callbacks):
    from catalog import changes

    heard = []
    changes.product_updated.connect(lambda sender, changes, **kw: heard.extend(changes), weak=False, dispatch_uid="t")
    data = _unchanged_post_data(staff_steward, DataProduct, mesh.orders.pk)
    data["description"] = "Every order.\r\nOne row each."
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert staff_steward.post(_url(DataProduct, "change", mesh.orders.pk), data).status_code == 302
    finally:
        changes.product_updated.disconnect(dispatch_uid="t")

    assert DataProduct.objects.get(pk=mesh.orders.pk).description == "Every order.\nOne row each."
    assert [(c.product_id, c.kind, set(c.fields)) for c in heard] == [(mesh.orders.pk, "updated", {"description"})]
    assert heard[0].actor.startswith("user:")


def test_a_port_cannot_be_moved_onto_another_products_location_in_admin(mesh, staff_steward):
    from catalog.locations import location_key
    from catalog.models import LocationClaim

    other = OutputPort.objects.exclude(product=mesh.orders).select_related("product").first()
    port = mesh.orders.output_ports.get()
    other.server_type, other.location = "local", str(settings.MESHPORT_DATA_ROOTS[0] / "sales" / "elsewhere.csv")
    other.save()
    LocationClaim.objects.create(key=location_key(other), product=other.product)
    data = _unchanged_post_data(staff_steward, OutputPort, port.pk)
    data.update(location=other.location, server_type="local")
    outside = {**data, "location": "/etc/passwd"}
    assert "/etc/passwd is not in the sales domain" in staff_steward.post(_url(OutputPort, "change", port.pk), outside).content.decode()

    response = staff_steward.post(_url(OutputPort, "change", port.pk), data)

    assert response.status_code == 200  # the form again, with the error
    assert f"already the location of {other.product.identifier}" in response.content.decode()
    port.refresh_from_db()
    assert port.location != other.location
