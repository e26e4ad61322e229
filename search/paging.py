"""Links for the results page: facet values that toggle a filter, and numbered pages."""
from __future__ import annotations

import math

from django.http import QueryDict

from search.types import FACET_FIELDS, SearchRequest

FACET_TITLES = {"domain": "Domain", "tag": "Tag", "status": "Status", "format": "Format", "owner": "Owner"}


def _with(params: QueryDict, **changes) -> str:
    query = params.copy()
    query.pop("page", None)
    for key, (value, on) in changes.items():
        values = [v for v in query.getlist(key) if v != value]
        query.setlist(key, [*values, value] if on else values)
    return "?" + query.urlencode()


def facet_links(params: QueryDict, facets: dict, search: SearchRequest) -> list[dict]:
    groups = []
    for field in FACET_FIELDS:
        chosen = set(getattr(search, field))
        values = [{"value": f["value"], "count": f["count"], "selected": f["value"] in chosen,
                   "url": _with(params, **{field: (f["value"], f["value"] not in chosen)})}
                  for f in facets.get(field, [])]
        if values:
            groups.append({"field": field, "title": FACET_TITLES[field], "values": values})
    return groups


def page_links(params: QueryDict, search: SearchRequest, count: int, window: int = 3) -> dict:
    last = max(1, math.ceil(count / search.page_size))
    numbers = range(max(1, search.page - window), min(last, search.page + window) + 1)

    def url(number: int) -> str:
        query = params.copy()
        query["page"] = str(number)
        return "?" + query.urlencode()

    return {
        "current": search.page, "last": last,
        "previous": url(search.page - 1) if search.page > 1 else None,
        "next": url(search.page + 1) if search.page < last else None,
        "numbers": [{"number": n, "url": url(n), "current": n == search.page} for n in numbers],
    }
