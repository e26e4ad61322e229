"""Hostile request bodies: each is refused with a 400 (or 413) naming the place, never a 500.

The cases are those of the attacker's probe of the demo: alias bombs, bodies over the upload
limit, nesting 1,000 deep, unsafe YAML tags, NUL bytes and lone surrogates in names, and
dates that overflow once converted to UTC. Errors on API routes are JSON, never HTML pages.
"""
from __future__ import annotations

import io
import json
import time
import tracemalloc
import uuid

import pytest
import yaml
from django.test import Client
from rest_framework.test import APIClient

from catalog.models import Contract, DataProduct, Domain, DomainMembership
from lineage.models import Dataset, LineageEvent
from tests.catalog.descriptors.conftest import bundle, contract_doc, product_doc
from tests.lineage.conftest import ds, run_event

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/products/"
LINEAGE = "/api/v1/lineage"
BATCH = "/api/v1/lineage/batch"
PUBLISH = "/publish/"

# Ten levels of ten aliases: 10**7 nodes once expanded (548 bytes cost the demo 936 MB at 10**8).
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(6)
)
# With 10,000 values allowed through aliases: b repeats 110, c 1,110, and d's eighth alias passes it.
BOMB_STOPS_AT = 4


@pytest.fixture
def client():
    """An API client that answers a crash with the response a user gets, not the exception."""
    return APIClient(raise_request_exception=False)


@pytest.fixture
def member(make_user):
    sales = Domain.objects.create(slug="sales", name="Sales")
    user = make_user("ana", email="ana@acme.example")
    DomainMembership.objects.create(domain=sales, user=user, role=DomainMembership.Role.MEMBER)
    return user


@pytest.fixture
def publisher(client, member):
    client.force_authenticate(member)
    return client


@pytest.fixture
def pipeline(client, steward):
    client.force_authenticate(steward)
    return client


def nested_json(depth: int) -> str:
    return '{"name": ' * depth + '"x"' + "}" * depth


def nested_yaml(depth: int) -> str:
    return "".join("  " * i + "k:\n" for i in range(depth)) + "  " * depth + "x\n"


def post_yaml(api, url: str, text: str):
    return api.post(url, text.encode("utf-8"), content_type="application/yaml")


def post_json_text(api, url: str, text: str):
    return api.post(url, text.encode("utf-8"), content_type="application/json")


def error_of(response) -> dict:
    body = response.json()
    assert body["detail"]
    assert body["errors"], body
    return body["errors"][0]


def nothing_published() -> bool:
    return not DataProduct.objects.exists() and not Contract.objects.exists()


# --- the alias bomb and the upload limit ------------------------------------------------------------


def test_yaml_alias_bomb_is_refused_at_once_without_memory(publisher, settings):
    settings.MESHPORT_PARSE_MAX_ALIAS_NODES = 10_000
    post_yaml(publisher, PRODUCTS, "kind: DataProduct\n")  # warm up: imports and URL resolution are not the bomb's

    started = time.perf_counter()
    response = post_yaml(publisher, PRODUCTS, ALIAS_BOMB)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    post_yaml(publisher, PRODUCTS, ALIAS_BOMB)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert response.status_code == 400
    error = error_of(response)
    assert error["line"] == BOMB_STOPS_AT
    assert "alias" in error["message"].lower()
    assert elapsed < 0.5
    assert peak < 5 * 1024 * 1024  # expanded, the document would need gigabytes
    assert nothing_published()


def test_yaml_alias_bomb_on_the_publish_page_names_its_line(member, settings):
    settings.MESHPORT_PARSE_MAX_ALIAS_NODES = 10_000
    page = Client()
    page.force_login(member)
    started = time.perf_counter()
    response = page.post(PUBLISH, {"descriptor": ALIAS_BOMB, "publish": "1"})
    assert time.perf_counter() - started < 0.5
    assert response.status_code == 400
    error = response.context["errors"][0]
    assert error["line"] == BOMB_STOPS_AT
    assert "alias" in error["message"].lower()
    assert nothing_published()


def test_yaml_body_over_the_upload_limit_is_a_json_413(publisher, settings):
    settings.MESHPORT_MAX_BODY_BYTES = 10_000
    response = post_yaml(publisher, PRODUCTS, "k: " + "x" * 10_000 + "\n")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "10000 bytes" in response.json()["detail"]


def test_json_body_over_the_upload_limit_is_a_json_413(pipeline, settings):
    settings.MESHPORT_MAX_BODY_BYTES = 10_000
    event = run_event("START", job="j", outputs=[ds("file", "/x" * 6_000)])
    response = pipeline.post(LINEAGE, event, format="json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert not LineageEvent.objects.exists()


class CountingStream(io.BytesIO):
    """A body whose length header is missing or lies: count what the parser reads of it."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.taken = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk


@pytest.mark.parametrize("parser_path", ["meshport.parsers.JSONParser", "meshport.parsers.YAMLParser"])
def test_parsers_read_no_more_than_the_limit_whatever_the_headers_say(parser_path, settings):
    from django.utils.module_loading import import_string

    from meshport.exceptions import RequestTooLarge

    settings.MESHPORT_MAX_BODY_BYTES = 1_000
    stream = CountingStream(b'["' + b"x" * 50_000 + b'"]')
    with pytest.raises(RequestTooLarge):
        import_string(parser_path)().parse(stream, parser_context={})
    assert stream.taken <= 1_001


# --- each 500 of the probe is now a 400 that names the place ------------------------------------------


def test_json_nested_1000_deep_on_the_products_api(publisher):
    response = post_json_text(publisher, PRODUCTS, nested_json(1000))
    assert response.status_code == 400
    assert "64" in error_of(response)["message"]
    assert nothing_published()


def test_json_nested_1000_deep_on_the_openlineage_endpoint(pipeline):
    response = post_json_text(pipeline, LINEAGE, nested_json(1000))
    assert response.status_code == 400
    assert "64" in error_of(response)["message"]
    assert not LineageEvent.objects.exists()


def test_json_nested_1000_deep_on_the_openlineage_batch_endpoint(pipeline):
    response = post_json_text(pipeline, BATCH, "[" + nested_json(1000) + "]")
    assert response.status_code == 400
    assert not LineageEvent.objects.exists()


def test_yaml_nested_1000_deep_on_the_products_api_names_the_line(publisher):
    response = post_yaml(publisher, PRODUCTS, nested_yaml(1000))
    assert response.status_code == 400
    error = error_of(response)
    assert error["line"] == 65  # the first key past the 64 levels allowed
    assert error["path"].startswith("k.k.k")
    assert nothing_published()


def test_yaml_nested_1000_deep_on_the_publish_page_names_the_line(member):
    page = Client()
    page.force_login(member)
    response = page.post(PUBLISH, {"descriptor": nested_yaml(1000), "publish": "1"})
    assert response.status_code == 400
    assert response.context["errors"][0]["line"] == 65


def test_event_time_that_overflows_in_utc_is_refused(pipeline):
    event = run_event("START", job="j", time="9999-12-31T23:59:59-14:00")
    response = pipeline.post(LINEAGE, event, format="json")
    assert response.status_code == 400
    assert error_of(response)["path"] == "eventTime"
    assert not LineageEvent.objects.exists()


def test_event_time_that_underflows_in_utc_is_refused(pipeline):
    event = run_event("START", job="j", time="0001-01-01T00:00:00+14:00")
    response = pipeline.post(LINEAGE, event, format="json")
    assert response.status_code == 400
    assert error_of(response)["path"] == "eventTime"


def test_lone_surrogate_in_a_dataset_name_is_refused(pipeline):
    event = run_event("START", job="j", outputs=[ds("file", "SURROGATE")])
    text = json.dumps(event).replace("SURROGATE", "\\ud800")
    response = post_json_text(pipeline, LINEAGE, text)
    assert response.status_code == 400
    assert "surrogate" in error_of(response)["message"]
    assert not Dataset.objects.exists()


def test_nul_byte_in_a_dataset_name_is_refused_with_its_path(pipeline):
    event = run_event("START", job="j", inputs=[ds("file", "/data/a\x00b.csv")])
    response = pipeline.post(LINEAGE, event, format="json")
    assert response.status_code == 400
    assert error_of(response)["path"] == "inputs[0].name"
    assert "NUL" in error_of(response)["message"]
    assert not Dataset.objects.exists()


def test_nul_byte_in_a_contract_server_path_is_refused_with_its_path(publisher):
    contract = contract_doc()
    contract["servers"][1]["path"] = "/data/sales/orders\x00.csv"
    response = publisher.post(PRODUCTS, bundle(product_doc(), contract), format="json")
    assert response.status_code == 400
    assert error_of(response)["path"] == "contracts[0].servers[1].path"
    assert nothing_published()


def test_lone_surrogate_in_a_yaml_product_name_names_the_line(publisher):
    text = yaml.safe_dump(product_doc(name="SURROGATE")).replace("SURROGATE", '"\\ud800"')
    response = post_yaml(publisher, PRODUCTS, text)
    assert response.status_code == 400
    error = error_of(response)
    assert error["path"] == "name"
    assert error["line"] == text.splitlines().index('name: "\\ud800"') + 1
    assert nothing_published()


@pytest.mark.parametrize(("value", "tag"), [
    ("!!binary aGVsbG8=", "!!binary"),
    ("!!set {a: null, b: null}", "!!set"),
    ("!!python/object:os.system {}", "!!python/object:os.system"),
])
def test_unsafe_yaml_tags_in_a_product_body_are_refused_by_name_and_line(publisher, value, tag):
    text = yaml.safe_dump(product_doc()) + f"extra: {value}\n"
    response = post_yaml(publisher, PRODUCTS, text)
    assert response.status_code == 400
    error = error_of(response)
    assert tag in error["message"]
    assert error["line"] == len(text.splitlines())
    assert error["path"] == "extra"
    assert nothing_published()


@pytest.mark.parametrize(("scalar", "reason"), [
    ("2024-02-30", "date"),
    ("9999-12-31T23:59:59-14:00", "UTC"),
    ("1" * 5000, "integer"),
    (".inf", "finite"),
])
def test_yaml_scalars_python_cannot_hold_are_refused_with_their_line(publisher, scalar, reason):
    text = yaml.safe_dump(product_doc()) + f"extra: {scalar}\n"
    response = post_yaml(publisher, PRODUCTS, text)
    assert response.status_code == 400
    error = error_of(response)
    assert reason in error["message"]
    assert error["line"] == len(text.splitlines())


def test_too_many_yaml_documents_are_refused(publisher, settings):
    settings.MESHPORT_PARSE_MAX_DOCUMENTS = 3
    response = post_yaml(publisher, PRODUCTS, "a: 1\n---\nb: 1\n---\nc: 1\n---\nd: 1\n")
    assert response.status_code == 400
    error = error_of(response)
    assert "3 documents" in error["message"]
    assert error["line"] == 6  # the --- that opens the fourth


# --- errors on API routes are JSON -----------------------------------------------------------------------


def test_unknown_api_route_is_a_json_404_and_pages_keep_html(client):
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("debug", [False, True])
def test_unexpected_exception_on_an_api_route_is_a_json_500_without_traceback(client, settings, monkeypatch, debug):
    from lineage.api.views import LineageGraphView

    def crash(self, request):
        raise RuntimeError("secret internals: /srv/app/settings.py")

    settings.DEBUG = debug
    monkeypatch.setattr(LineageGraphView, "get", crash)
    response = client.get("/api/lineage/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Server error: the request could not be completed."}
    assert b"secret internals" not in response.content


def test_bad_request_on_an_api_route_is_json(client):
    response = client.get(PRODUCTS, HTTP_HOST="evil.example")  # not in ALLOWED_HOSTS: Django's own 400
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_page_over_the_upload_limit_is_a_413_page(member, settings):
    settings.MESHPORT_MAX_BODY_BYTES = 10_000
    page = Client()
    page.force_login(member)
    response = page.post(PUBLISH, {"descriptor": "x" * 20_000, "publish": "1"})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")


def test_a_few_yaml_aliases_are_still_accepted(publisher):
    contract, tags = contract_doc(), ["orders"]
    contract["tags"] = contract["schema"][1]["tags"] = tags  # PyYAML writes one &anchor and one *alias
    text = yaml.safe_dump_all([product_doc(), contract])
    assert "*id001" in text
    response = post_yaml(publisher, PRODUCTS, text)
    assert response.status_code == 201, response.json()
    assert Contract.objects.get().document["schema"][1]["tags"] == ["orders"]


def test_a_valid_yaml_bundle_still_publishes(publisher):
    text = yaml.safe_dump_all([product_doc(), contract_doc()])
    response = post_yaml(publisher, PRODUCTS, text)
    assert response.status_code == 201, response.json()


def test_a_valid_event_is_still_stored(pipeline):
    event = run_event("START", job="j", run_id=str(uuid.uuid4()), inputs=[ds("file", "/data/in.csv")])
    assert pipeline.post(LINEAGE, event, format="json").status_code == 201


@pytest.mark.parametrize(("url", "api"), [
    ("/api/products/sales.a%00b/", True),
    ("/api/products/?domain=sa%00les", True),
    ("/products/sales.a%00b/", False),
])
def test_nul_character_in_the_address_is_a_400(client, url, api):
    response = client.get(url)  # on PostgreSQL the lookup itself failed: a 500
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
    assert response["Content-Type"].startswith("application/json" if api else "text/html")


def test_refusals_before_the_view_still_carry_the_security_headers(client, settings):
    settings.MESHPORT_MAX_BODY_BYTES = 10
    response = post_yaml(client, PRODUCTS, "k: " + "x" * 100)
    assert response.status_code == 413
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
