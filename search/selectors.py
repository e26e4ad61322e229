"""Search reads for the API and the pages: scope, query fallback and suggestions."""
from __future__ import annotations

from search.backends import get_backend
from search.types import SearchPage, SearchRequest, Suggestion

SUGGEST_LIMIT = 10


def search_products(request: SearchRequest) -> SearchPage:
    """All words must match; when nothing does, the best partial matches are shown instead."""
    backend = get_backend()
    page = backend.query(request)
    if page.count == 0 and request.text.strip() and request.operator == "and":
        from dataclasses import replace

        page = backend.query(replace(request, operator="or"))
    return page


def suggest_products(text: str, request: SearchRequest, limit: int = SUGGEST_LIMIT) -> list[Suggestion]:
    return get_backend().suggest(text, request, limit)
