"""The search results page: a plain GET form, facets as links, pages as links — no JavaScript needed."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from search.backends.base import SearchUnavailable
from search.paging import facet_links, page_links
from search.params import SearchParamsSerializer
from search.selectors import search_products


def results(request: HttpRequest) -> HttpResponse:
    params = SearchParamsSerializer(data=request.GET)
    context = {"q": request.GET.get("q", ""), "errors": None, "page": None, "unavailable": False}
    if not params.is_valid():
        context["errors"] = {k: [str(m) for m in v] for k, v in params.errors.items()}
        return render(request, "search/results.html", context, status=400)
    search = params.to_search(request.user)
    try:
        page = search_products(search)
    except SearchUnavailable:
        context["unavailable"] = True
        return render(request, "search/results.html", context, status=503)
    context.update(page=page, search=search, facets=facet_links(request.GET, page.facets, search),
                   pages=page_links(request.GET, search, page.count))
    return render(request, "search/results.html", context)
