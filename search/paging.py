"""Links for the results page: facet values that toggle a filter, and numbered pages."""
from __future__ import annotations

import math

from django.http import QueryDict

from search.types import FACET_FIELDS, SearchRequest

FACET_TITLES = {"domain": "Domain", "tag": "Tag", "status": "Status", "format": "Format", "owner": "Owner"}
STATUS_LABELS = {"published": "Published", "draft": "Draft", "deprecated": "Deprecated", "retired": "Retired"}
FACET_SHOWN = 8


def _with(params: QueryDict, **changes) -> str:
    query = params.copy()
    query.pop("page", None)
    for key, (value, on) in changes.items():
        values = [v for v in query.getlist(key) if v != value]
        query.setlist(key, [*values, value] if on else values)
    return "?" + query.urlencode()


def facet_links(params: QueryDict, facets: dict, search: SearchRequest) -> list[dict]:
    """Facet groups to show: values by name with counts and a link that toggles each; the first
    ``FACET_SHOWN`` at once, the rest behind "show more". Owners come as two groups, teams and people."""
    labels = _labels(facets)
    groups = []
    for field in FACET_FIELDS:
        chosen = set(getattr(search, field))
        values = [{"value": f["value"], "label": labels.get((field, f["value"]), f["value"]), "count": f["count"],
                   "selected": f["value"] in chosen, "url": _with(params, **{field: (f["value"], f["value"] not in chosen)})}
                  for f in facets.get(field, [])]
        if field == "owner":
            people = labels.get(("people", ""), set())
            parts = [("owner-team", "Team", [v for v in values if v["value"] not in people]),
                     ("owner-person", "Owner", [v for v in values if v["value"] in people])]
        else:
            parts = [(field, FACET_TITLES[field], values)]
        for key, title, shown in parts:
            if shown:
                # chosen values stay in view even when they rank beyond the first few
                first = [v for i, v in enumerate(shown) if i < FACET_SHOWN or v["selected"]]
                groups.append({"field": key, "title": title, "values": first,
                               "more": [v for v in shown if v not in first]})
    return groups


def _labels(facets: dict) -> dict:
    """Names for slugs and usernames: ``(field, value) -> label``; ``("people", "")`` the owner values
    that are people (team members), the other owner values being team names."""
    from catalog.models import Domain, ProductTeamMember

    labels: dict = {}
    slugs = [f["value"] for f in facets.get("domain", [])]
    labels.update({("domain", slug): name for slug, name in Domain.objects.filter(slug__in=slugs).values_list("slug", "name")})
    for f in facets.get("status", []):
        labels[("status", f["value"])] = STATUS_LABELS.get(f["value"], f["value"].capitalize())
    owners = [f["value"] for f in facets.get("owner", [])]
    people = ProductTeamMember.objects.filter(username__in=owners).values_list("username", "name", "user__first_name",
                                                                                "user__last_name")
    names: dict[str, str] = {}
    for username, name, first, last in people:
        full = " ".join(p for p in (first, last) if p) or name
        if full or username not in names:
            names[username] = full or username
    labels[("people", "")] = set(names)
    labels.update({("owner", u): (f"{n} ({u})" if n != u else u) for u, n in names.items()})
    return labels


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
