"""What a consumer reads in search and on cards over the demo mesh, on both backends: snippets and
summaries as plain text (no Markdown syntax), a corrected typo said, suggestions that lead somewhere."""
from __future__ import annotations

import re

import pytest

from catalog.models import DataProduct
from catalog.templatetags.catalog_tags import html_summary
from catalog.visibility import Viewer
from search.selectors import search_products, spelling_correction, suggest_products
from search.types import SearchRequest
from tests.search.conftest import index_all

STEWARD = Viewer(authenticated=True, steward=True)
CONSUMER = Viewer(authenticated=True)
# Markdown a reader would see as syntax: emphasis, code, links, headings, list markers, rules.
MARKDOWN = re.compile(
    r"\*\*|__|`|~~|\]\(|\[[^\]]+\]\[|(?:^|\n)\s*(?:#{1,6}|[-*+]|\d+\.)\s|(?<![\w*])\*\S[^*]*\*(?![\w*])"
    r"|(?<![\w_])_[^_\s][^_]*_(?![\w_])|(?:^|\n)\s*>\s"
)


@pytest.fixture
def demo(demo_mesh, search_backend):
    index_all(search_backend)
    return search_backend


def _texts(hit) -> list[str]:
    return [hit.description, *(str(f) for fragments in hit.highlights.values() for f in fragments)]


def test_snippets_of_every_demo_product_are_plain_text(demo):
    products = list(DataProduct.objects.exclude(status="retired").values_list("identifier", "name", "description"))
    assert len(products) >= 25
    with_markdown = [i for i, _, d in products if MARKDOWN.search(d)]
    assert len(with_markdown) >= 10, "the demo should carry Markdown for this test to mean something"
    for identifier, name, description in products:
        # the product's own name, and a word that sits inside its Markdown (bold, code or a link) to highlight there
        inner = re.findall(r"\*\*([^*]+)\*\*|`([^`]+)`|\[([^\]]+)\]\(", description)
        words = [name] + [next(w for w in m if w) for m in inner[:2]]
        for text in words:
            page = search_products(SearchRequest(text=text, viewer=STEWARD, page_size=50, facets=False, mode="lexical"))
            for hit in page.hits:
                for shown in _texts(hit):
                    plain = re.sub(r"</?mark>", "", shown)
                    assert not MARKDOWN.search(plain), (text, hit.identifier, shown)
        hit = next(h for h in search_products(SearchRequest(text=name, viewer=STEWARD, page_size=50, facets=False,
                                                             mode="lexical")).hits if h.identifier == identifier)
        if "\n- " in description:
            assert "• " in hit.description, (identifier, hit.description)  # list items stay readable


def test_card_summaries_of_every_demo_product_are_plain_text_with_list_punctuation(demo_mesh, db):
    products = list(DataProduct.objects.exclude(description=""))
    assert len(products) >= 25
    for product in products:
        summary = html_summary(product.description_html, 500)
        assert summary, product.identifier
        assert not MARKDOWN.search(summary), (product.identifier, summary)
        assert "<" not in summary
        if "\n- " in product.description:
            assert " • " in summary, (product.identifier, summary)
    customers = DataProduct.objects.get(identifier="sales.customers")
    assert "The customer master of the web shop and the marketplace. • one row per customer account" in html_summary(
        customers.description_html, 500)


def test_a_corrected_typo_is_said_and_the_words_as_typed_are_one_click_away(demo, client):
    request = SearchRequest(text="custmer", viewer=Viewer.ANONYMOUS, mode="lexical")
    page = search_products(request)
    assert "sales.customers" in [h.identifier for h in page.hits]
    assert spelling_correction(request, page) == "customer"
    assert spelling_correction(SearchRequest(text="customer", viewer=Viewer.ANONYMOUS), page) == ""

    html = client.get("/search/", {"q": "custmer", "mode": "lexical"}).content.decode()
    assert "Showing results for <strong><em>customer</em></strong>" in html
    assert 'Search instead for <a href="?q=custmer&amp;mode=lexical&amp;correct=false">custmer</a>' in html
    as_typed = client.get("/search/", {"q": "custmer", "mode": "lexical", "correct": "false"}).content.decode()
    assert "Showing results for" not in as_typed
    assert "sales.customers" not in as_typed


def test_the_search_api_answers_with_the_corrected_text(demo, client):
    answer = client.get("/api/search/", {"q": "custmer", "mode": "lexical"}).json()
    assert answer["corrected"] == "customer"
    assert "sales.customers" in [r["identifier"] for r in answer["results"]]
    as_typed = client.get("/api/search/", {"q": "custmer", "mode": "lexical", "correct": "false"}).json()
    assert as_typed["corrected"] is None
    assert "sales.customers" not in [r["identifier"] for r in as_typed["results"]]
    assert client.get("/api/search/", {"q": "customer", "mode": "lexical"}).json()["corrected"] is None
    documented = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["components"]["schemas"]
    assert documented["SearchResult"]["properties"]["corrected"]["nullable"] is True
    assert "corrected" in documented["SearchResult"]["required"]


def test_custo_suggests_sales_customers_first_before_domain_slug_matches(demo):
    found = suggest_products("custo", SearchRequest(viewer=Viewer.ANONYMOUS))
    identifiers = [s.identifier for s in found if not s.column]
    assert identifiers[0] == "sales.customers"
    # products whose own name starts with the word come before those matching the domain slug only
    by_name = [i for i, s in enumerate(found) if not s.column and "custo" in s.name.lower()]
    by_domain_only = [i for i, s in enumerate(found) if not s.column and "custo" not in s.name.lower()
                      and "custo" not in s.identifier.split(".", 1)[1]]
    assert not by_domain_only or max(by_name) < min(by_domain_only)


def test_a_typo_still_suggests_the_product(demo):
    found = suggest_products("custmer", SearchRequest(viewer=Viewer.ANONYMOUS))
    assert "sales.customers" in [s.identifier for s in found]
    assert {s.matched for s in found} == {"customer"}


def test_email_suggests_the_email_column_and_restricted_columns_only_to_those_who_may_read_them(demo, client):
    found = suggest_products("email", SearchRequest(viewer=Viewer.ANONYMOUS))
    assert ("sales.customers", "email") in [(s.identifier, s.column) for s in found]
    body = client.get("/api/search/suggest/", {"q": "email"}).json()
    assert {"identifier": "sales.customers", "name": "Customers", "domain": "sales", "column": "email",
            "matched": "email"} in body["suggestions"]

    outsider = [(s.identifier, s.column) for s in suggest_products("card", SearchRequest(viewer=CONSUMER))]
    assert not [c for i, c in outsider if i == "finance.payments" and c]
    steward = [(s.identifier, s.column) for s in suggest_products("card", SearchRequest(viewer=STEWARD))]
    assert ("finance.payments", "card_number") in steward


def test_results_page_sorts_filters_and_badges(demo, client):
    html = client.get("/search/", {"q": "", "sort": "quality", "min_quality": "70", "mode": "lexical"}).content.decode()
    assert '<option value="quality" selected>Quality</option>' in html
    assert '<option value="70" selected>70 or more</option>' in html
    scores = [float(s) for s in re.findall(r'search-hit__quality[^>]*>Quality (\d+)<', html)]
    assert scores
    assert scores == sorted(scores, reverse=True)
    assert min(scores) >= 70

    html = client.get("/search/", {"visibility": "restricted", "mode": "lexical"}).content.decode()
    hits = re.findall(r'<li class="search-hit">(.*?)</li>', html, re.S)
    assert hits
    assert all("search-badge--restricted" in h for h in hits)
    deprecated = client.get("/search/", {"status": "deprecated"}).content.decode()
    assert "search-badge--deprecated" in deprecated
    assert client.get("/search/", {"updated_within": "0"}).status_code == 400
    recent = client.get("/search/", {"updated_within": "1", "mode": "lexical"}).content.decode()
    assert "search-hit__id" in recent  # the demo was loaded just now


def test_facets_show_names_counts_and_owners_split(demo, client):
    html = client.get("/search/", {"q": "", "mode": "lexical"}).content.decode()
    assert re.search(r'data-facet="domain">.*?>Customer support</a> <span class="search-facet__count">\d+', html, re.S)
    assert 'data-facet="owner-team"' in html
    assert 'data-facet="owner-person"' in html
    tags = re.search(r'data-facet="tag">(.*?)</section>', html, re.S).group(1)
    shown, more = tags.split("search-facet__more")
    assert shown.count("<li>") == 8
    assert more.count("<li>") >= 1
