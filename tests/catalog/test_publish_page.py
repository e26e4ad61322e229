"""The publish page: a domain team pastes or uploads a descriptor, validates it, publishes it."""
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from catalog.models import Contract, DataProduct, Domain, DomainMembership
from standards.limits import TEXT_MAX_BYTES
from tests.catalog.descriptor_texts import PORT_LINE, STATUS_LINE, broken_orders_yaml, orders_yaml

pytestmark = pytest.mark.django_db
URL = "/publish/"


@pytest.fixture
def sales(db):
    return Domain.objects.create(slug="sales", name="Sales")


@pytest.fixture
def member(make_user, sales):
    user = make_user("ana")
    DomainMembership.objects.create(domain=sales, user=user, role=DomainMembership.Role.MEMBER)
    return user


@pytest.fixture
def outsider(make_user):
    """Owner of the finance team, not of sales."""
    user = make_user("fred")
    finance = Domain.objects.create(slug="finance", name="Finance")
    DomainMembership.objects.create(domain=finance, user=user, role=DomainMembership.Role.OWNER)
    return user


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def post(user, **data):
    data.setdefault("descriptor", "")
    return client_for(user).post(URL, data)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def nothing_written():
    return not DataProduct.objects.exists() and not Contract.objects.exists()


def test_anonymous_is_sent_to_log_in(db):
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/publish/"


def test_page_offers_text_file_and_both_buttons_and_names_the_users_domains(member):
    html = client_for(member).get(URL).content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'enctype="multipart/form-data"' in html
    assert '<textarea name="descriptor"' in html
    assert 'type="file" name="file"' in html
    assert ">Validate only</button>" in html
    assert ">Publish</button>" in html
    assert 'href="/domains/sales/">Sales</a>' in html


def test_header_links_to_publish_only_when_logged_in(member):
    assert 'href="/publish/"' in client_for(member).get("/").content.decode()
    assert 'href="/publish/"' not in Client().get("/").content.decode()


def test_member_publishes_and_lands_on_the_product_page(member):
    client = client_for(member)
    response = client.post(URL, {"descriptor": orders_yaml(), "publish": "1"}, follow=True)
    assert response.redirect_chain == [("/products/sales.web_orders/", 302)]
    assert "Published sales.web_orders: created" in response.content.decode()
    product = DataProduct.objects.get(identifier="sales.web_orders")
    assert [c.name for c in product.output_ports.get().columns.all()] == ["order_id", "customer_email", "amount"]


def test_publishing_again_says_updated_then_no_changes(member):
    post(member, descriptor=orders_yaml(), publish="1")
    changed = orders_yaml().replace("Every order placed on the web shop.", "Every web order.")
    assert messages_of(post(member, descriptor=changed, publish="1")) == ["Published sales.web_orders: updated"]
    assert messages_of(post(member, descriptor=changed, publish="1")) == ["Published sales.web_orders: no changes"]
    assert DataProduct.objects.get().purpose == "Every web order."


def test_upload_of_a_yaml_file_publishes(member):
    upload = SimpleUploadedFile("web_orders.yaml", orders_yaml().encode(), content_type="application/yaml")
    response = client_for(member).post(URL, {"descriptor": "", "file": upload, "publish": "1"})
    assert response["Location"] == "/products/sales.web_orders/"


def test_invalid_descriptor_lists_line_path_and_reason_keeps_the_text_and_writes_nothing(member):
    text = broken_orders_yaml()
    response = post(member, descriptor=text, publish="1")
    html = response.content.decode()
    assert response.status_code == 400
    assert "2 problems" in html
    assert f'line {STATUS_LINE}</button> <code>product.status</code> Expected string, got integer 12.' in html
    assert f'line {PORT_LINE}</button> <code>product.outputPorts[0].name</code> This field is required.' in html
    assert response.context["form"]["descriptor"].value() == text
    assert nothing_written()


def test_invalid_uploaded_file_comes_back_as_text_to_fix(member):
    upload = SimpleUploadedFile("broken.yml", broken_orders_yaml().encode())
    response = client_for(member).post(URL, {"descriptor": "", "file": upload, "publish": "1"})
    assert response.status_code == 400
    assert response.context["form"]["descriptor"].value() == broken_orders_yaml()
    assert nothing_written()


def test_yaml_syntax_error_names_its_line(member):
    response = post(member, descriptor="kind: DataProduct\nid: [unclosed\nname: x\n", publish="1")
    assert response.status_code == 400
    assert "Invalid YAML" in response.content.decode()
    assert response.context["errors"][0]["line"] == 3
    assert nothing_written()


def test_json_is_accepted_and_a_json_error_names_its_line(member):
    response = post(member, descriptor='{\n  "kind": "DataProduct",\n  "id": \n}', publish="1")
    assert response.status_code == 400
    assert "Invalid JSON" in response.content.decode()
    assert response.context["errors"][0]["line"] == 4


def test_validate_only_says_what_publishing_would_do_and_writes_nothing(member):
    response = post(member, descriptor=orders_yaml(), validate="1")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Publishing would create sales.web_orders" in html
    assert response.context["form"]["descriptor"].value() == orders_yaml()
    assert nothing_written()


def test_validate_only_of_an_invalid_descriptor_lists_the_errors(member):
    response = post(member, descriptor=broken_orders_yaml(), validate="1")
    assert response.status_code == 400
    assert [e["path"] for e in response.context["errors"]] == ["product.status", "product.outputPorts[0].name"]


def test_member_of_another_domain_is_told_clearly_and_nothing_is_written(outsider, sales):
    response = post(outsider, descriptor=orders_yaml(), publish="1")
    html = response.content.decode()
    assert response.status_code == 403
    assert "Not allowed." in html
    assert "You may not publish in the domain &#x27;sales&#x27;: only its team and stewards may." in html
    assert nothing_written()


def test_unknown_domain_needs_a_steward(member):
    response = post(member, descriptor=orders_yaml(domain="web"), publish="1")
    assert response.status_code == 400
    assert "Unknown domain &#x27;web&#x27;; only a steward can create a domain." in response.content.decode()
    assert nothing_written()


def test_two_products_in_one_descriptor_are_refused(member):
    second = orders_yaml().split("---")[0].replace("urn:dp:sales:web-orders", "urn:dp:sales:two").replace(
        "name: Web orders", "name: Two")
    response = post(member, descriptor=orders_yaml() + "---\n" + second, publish="1")
    assert response.status_code == 400
    assert "Expected exactly one ODPS document (kind: DataProduct), found 2." in response.content.decode()
    assert nothing_written()


def test_empty_form_and_oversized_input_get_clear_errors(member):
    assert "Paste a descriptor or choose a file." in post(member, publish="1").content.decode()
    big = SimpleUploadedFile("big.yaml", b"#" * (TEXT_MAX_BYTES + 1))
    response = client_for(member).post(URL, {"descriptor": "", "file": big, "publish": "1"})
    assert response.status_code == 400
    assert "The file is 1.0\xa0MB; a descriptor may be at most 1.0\xa0MB." in response.content.decode()
    pasted = post(member, descriptor="é" * (TEXT_MAX_BYTES // 2 + 1), publish="1")
    assert "The text is 1.0\xa0MB; a descriptor may be at most 1.0\xa0MB." in pasted.content.decode()
    wrong = SimpleUploadedFile("orders.txt", orders_yaml().encode())
    html = client_for(member).post(URL, {"descriptor": "", "file": wrong}).content.decode()
    assert "Upload a .yaml, .yml, .json file." in html
    assert nothing_written()


def test_post_without_csrf_token_is_refused(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.post(URL, {"descriptor": orders_yaml(), "publish": "1"}).status_code == 403
    assert nothing_written()


# --- editing a published descriptor ------------------------------------------------------------


@pytest.fixture
def published(member):
    post(member, descriptor=orders_yaml(), publish="1")
    return DataProduct.objects.get(identifier="sales.web_orders")


@pytest.mark.parametrize(("who", "shown"), [("member", True), ("steward", True), ("outsider", False), ("consumer", False)])
def test_edit_link_only_for_those_who_may_write(request, published, who, shown):
    html = client_for(request.getfixturevalue(who)).get(published.get_absolute_url()).content.decode()
    assert ('href="/publish/?product=sales.web_orders"' in html) is shown
    assert ("Edit descriptor" in html) is shown


def test_edit_page_is_refused_to_other_domains_and_unknown_products(published, outsider):
    assert client_for(outsider).get(URL, {"product": "sales.web_orders"}).status_code == 403
    assert client_for(outsider).get(URL, {"product": "sales.nothing"}).status_code == 404


def test_prefilled_export_published_again_changes_nothing(published, member):
    before = published.updated
    page = client_for(member).get(URL, {"product": "sales.web_orders"})
    assert "Edit the descriptor of <code>sales.web_orders</code>" in page.content.decode()
    prefilled = page.context["form"]["descriptor"].value()
    assert "id: urn:dp:sales:web-orders" in prefilled
    assert "kind: DataContract" in prefilled
    response = post(member, descriptor=prefilled, publish="1")
    assert messages_of(response) == ["Published sales.web_orders: no changes"]
    published.refresh_from_db()
    assert published.updated == before


def test_validate_and_publish_tell_what_the_import_noted(member):
    product_only = orders_yaml().split("---")[0]  # its contract is not in the catalog yet

    checked = post(member, descriptor=product_only, validate="1")
    assert checked.status_code == 200
    assert 'id="publish-warnings"' in checked.content.decode()
    assert "contract pending" in checked.content.decode()

    published = client_for(member).post(URL, {"descriptor": product_only, "publish": "1"}, follow=True)
    notes = [str(m) for m in get_messages(published.wsgi_request)]
    assert any("contract pending" in note and "outputPorts[0].contractId" in note for note in notes)
    assert 'class="alert alert--warning"' in published.content.decode()
