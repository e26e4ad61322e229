"""The search results page: a plain GET form, facets and pages as links, sort and filters in the
form — no JavaScript needed (search.js only submits the form when a choice changes)."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from search.backends.base import SearchUnavailable
from search.paging import facet_links, page_links
from search.params import SearchParamsSerializer
from search.selectors import search_products, spelling_correction

SORT_CHOICES = (("relevance", "Relevance"), ("quality", "Quality"), ("usage", "Most used"),
                ("updated", "Recently updated"), ("name", "Name"))
QUALITY_CHOICES = (("", "Any quality"), ("50", "50 or more"), ("70", "70 or more"), ("90", "90 or more"))
PII_CHOICES = (("", "With or without PII"), ("false", "Without personal data"), ("true", "With personal data"))
FRESHNESS_CHOICES = (("", "Any time"), ("1", "Last 24 hours"), ("7", "Last 7 days"), ("30", "Last 30 days"),
                     ("90", "Last 90 days"))
VISIBILITY_CHOICES = (("public", "Public"), ("internal", "Internal"), ("restricted", "Restricted"))
FORM_FIELDS = {"q", "sort", "min_quality", "has_pii", "updated_within", "visibility", "page"}


def results(request: HttpRequest) -> HttpResponse:
    params = SearchParamsSerializer(data=request.GET)
    context = {"q": request.GET.get("q", ""), "errors": None, "page": None, "unavailable": False}
    if not params.is_valid():
        context["errors"] = {k: [str(m) for m in v] for k, v in params.errors.items()}
        return render(request, "search/results.html", context, status=400)
    search = params.to_search(request.user)
    try:
        page = search_products(search)
        corrected = spelling_correction(search, page)
    except SearchUnavailable:
        context["unavailable"] = True
        return render(request, "search/results.html", context, status=503)
    context.update(page=page, search=search, facets=facet_links(request.GET, page.facets, search),
                   pages=page_links(request.GET, search, page.count), corrected=corrected,
                   as_typed_url=_as_typed_url(request) if corrected else "", **_form(request))
    return render(request, "search/results.html", context)


def _as_typed_url(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query["correct"] = "false"
    return "?" + query.urlencode()


def _form(request: HttpRequest) -> dict:
    """The sort and filter controls with the current choices, and the facet filters kept as hidden fields."""
    get = request.GET
    chosen_visibility = set(get.getlist("visibility"))

    def options(choices, current):
        return [{"value": v, "label": label, "selected": v == current} for v, label in choices]

    filters_set = sum(bool(get.get(k)) for k in ("min_quality", "has_pii", "updated_within")) + len(chosen_visibility)
    return {
        "sort_options": options(SORT_CHOICES, get.get("sort", "relevance")),
        "quality_options": options(QUALITY_CHOICES, get.get("min_quality", "")),
        "pii_options": options(PII_CHOICES, get.get("has_pii", "").lower()),
        "freshness_options": options(FRESHNESS_CHOICES, get.get("updated_within", "")),
        "visibility_options": [{"value": v, "label": label, "checked": v in chosen_visibility}
                               for v, label in VISIBILITY_CHOICES],
        "filters_set": filters_set,
        "kept": [(k, v) for k, values in get.lists() if k not in FORM_FIELDS for v in values if k != "correct"],
    }
