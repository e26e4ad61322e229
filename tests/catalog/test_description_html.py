"""A product's description is turned into HTML once per change, not on every read.

``/api/products/`` spent half its time building Markdown parsers; now every write of a
description stores its sanitised HTML and the API, product cards and pages read it.
"""
import importlib
import threading

import markdown
import pytest
from django.apps import apps

from catalog.descriptors.services import descriptor_text_import
from catalog.markdown import render_markdown
from catalog.models import DataProduct, Domain, DomainMembership

pytestmark = pytest.mark.django_db

DESCRIPTOR = """\
apiVersion: v1.0.0
kind: DataProduct
id: urn:dp:sales:notes
name: Notes
status: active
domain: sales
description:
  purpose: "{purpose}"
"""


@pytest.fixture
def sales(make_user):
    domain = Domain.objects.create(slug="sales", name="Sales", description="Orders and *customers*.")
    owner = make_user("ana")
    DomainMembership.objects.create(domain=domain, user=owner, role="owner")
    return domain, owner


@pytest.fixture
def conversions(monkeypatch):
    """How many Markdown texts were converted to HTML (by any parser instance)."""
    calls = []
    original = markdown.Markdown.convert

    def counting(self, source):
        calls.append(source)
        return original(self, source)

    monkeypatch.setattr(markdown.Markdown, "convert", counting)
    return calls


def _publish(owner, purpose):
    descriptor_text_import(text=DESCRIPTOR.format(purpose=purpose), name="notes.yaml", actor=owner)
    return DataProduct.objects.get(external_id="urn:dp:sales:notes")


def _listed_html(api):
    return {row["identifier"]: row["description_html"] for row in api.get("/api/products/").json()["results"]}


def test_the_api_lists_products_without_rendering_markdown(api, sales, conversions):
    domain, _ = sales
    for i in range(5):
        DataProduct.objects.create(domain=domain, slug=f"p{i}", external_id=f"urn:p{i}", name=f"P{i}",
                                   status="published", description=f"**Bold {i}** and a [link](https://e.com/{i})")
    conversions.clear()
    html = _listed_html(api)
    assert conversions == []
    assert html["sales.p3"] == '<p><strong>Bold 3</strong> and a <a href="https://e.com/3" rel="noopener noreferrer">link</a></p>'


def test_a_published_description_shows_as_html_and_follows_each_change(api, sales):
    _, owner = sales
    _publish(owner, "First *draft*.")
    assert _listed_html(api)["sales.notes"] == "<p>First <em>draft</em>.</p>"
    product = _publish(owner, "Now **final** <script>alert(1)</script>")
    assert _listed_html(api)["sales.notes"] == "<p>Now <strong>final</strong> </p>"
    assert product.description_html == "<p>Now <strong>final</strong> </p>"


def test_republishing_the_same_description_renders_nothing(sales, conversions):
    _, owner = sales
    _publish(owner, "Same *text*.")
    conversions.clear()
    _publish(owner, "Same *text*.")
    assert conversions == []


def test_saving_other_fields_keeps_the_html_and_renders_nothing(sales, conversions):
    domain, _ = sales
    product = DataProduct.objects.create(domain=domain, slug="a", external_id="urn:a", name="A", description="*a*")
    conversions.clear()
    product.name = "Renamed"
    product.save(update_fields=["name"])
    DataProduct.objects.get(pk=product.pk).save()
    assert conversions == []
    assert DataProduct.objects.get(pk=product.pk).description_html == "<p><em>a</em></p>"


def test_a_description_edited_in_admin_shows_on_the_page_and_in_the_api(client, api, sales, make_user):
    domain, _ = sales
    product = DataProduct.objects.create(domain=domain, slug="a", external_id="urn:a", name="A",
                                         status="published", description="old")
    product.description = "New _words_"
    product.save(update_fields=["description"])  # what a partial save (sync.apply, admin) does
    assert _listed_html(api)["sales.a"] == "<p>New <em>words</em></p>"
    assert "<p>New <em>words</em></p>" in client.get("/products/sales.a/").content.decode()


def test_domain_page_cards_render_no_product_markdown(client, sales, conversions):
    domain, _ = sales
    for i in range(4):
        DataProduct.objects.create(domain=domain, slug=f"p{i}", external_id=f"urn:p{i}", name=f"P{i}",
                                   status="published", description=f"# Heading {i}\n\nCard *text* {i}.")
    conversions.clear()
    page = client.get("/domains/sales/").content.decode()
    assert "Heading 2. Card text 2." in page  # a heading ends as a sentence in the one-line summary
    assert conversions == ["Orders and *customers*."]  # the domain's own description only


def test_the_migration_fills_existing_products(sales):
    domain, _ = sales
    product = DataProduct.objects.create(domain=domain, slug="a", external_id="urn:a", name="A", description="*x*")
    DataProduct.objects.filter(pk=product.pk).update(description_html="")  # as a row from before 0007
    migration = importlib.import_module("catalog.migrations.0007_domain_data_ownership")
    migration.fill_description_html(apps, None)
    assert DataProduct.objects.get(pk=product.pk).description_html == "<p><em>x</em></p>"


def test_a_reused_parser_forgets_the_previous_text():
    first = render_markdown("HTML here.\n\n*[HTML]: Hyper Text Markup Language\n\nA[^1]\n\n[^1]: note")
    second = render_markdown("HTML again, and B.")
    assert "<abbr" in first
    assert second == "<p>HTML again, and B.</p>"


def test_threads_render_their_own_texts():
    results, texts = {}, {i: f"*t{i}* " * 200 for i in range(8)}

    def work(i):
        for _ in range(20):
            results[i] = str(render_markdown(texts[i]))

    threads = [threading.Thread(target=work, args=(i,)) for i in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[i] == str(render_markdown(texts[i])) and f"t{i}" in results[i] for i in texts)
