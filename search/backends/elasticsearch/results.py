"""Elasticsearch responses turned into ``SearchPage``: hits with safe highlights, facet counts."""
from __future__ import annotations

from search.highlights import marked
from search.types import FACET_FIELDS, Hit, SearchPage, SearchRequest

_HIGHLIGHT_FIELDS = {
    "name": ("name", "name.words", "identifier.text"), "tags": ("tags.text",), "description": ("description",),
}


def _highlights(hit, columns: dict[int, list[str]] | None, readable: set[int]) -> dict[str, list[str]]:
    found = hit.meta.to_dict().get("highlight", {})
    shown = {key: marked(dict.fromkeys(f for field in fields for f in found.get(field, [])))
             for key, fields in _HIGHLIGHT_FIELDS.items()}
    shown["name"] = shown["name"][:1]
    pk = int(hit.meta.id)
    if pk in readable:
        shown["columns"] = columns.get(pk, []) if columns is not None else column_highlights(hit)
    return {k: v for k, v in shown.items() if v}


def column_highlights(hit) -> list[str]:
    """Fragments from the nested column matches (``inner_hits``), one list for all the query's words."""
    fragments = []
    for result in hit.meta.to_dict().get("inner_hits", {}).values():
        for column in result.to_dict()["hits"]["hits"]:
            highlight = column.get("highlight", {})
            fragments += [f for field in ("columns.name", "columns.description") for f in highlight.get(field, [])]
    return marked(dict.fromkeys(fragments))


def _hit(hit, columns: dict[int, list[str]] | None, readable: set[int]) -> Hit:
    source = hit.to_dict()  # fields that were None are absent from the source
    return Hit(
        id=int(hit.meta.id), identifier=source["identifier"], name=source["name"], domain=source["domain"],
        description=source.get("description", ""), status=source["status"],
        quality_score=source.get("quality_score"), highlights=_highlights(hit, columns, readable), score=hit.meta.score or 0.0,
        visibility=source.get("visibility", "public"),
    )


def page_from_response(response, request: SearchRequest, *, listed: dict[int, bool],
                       columns: dict[int, list[str]] | None = None) -> SearchPage:
    """``listed``: the hits the database says the viewer may list now, each with whether they may read
    its details (a stale index copy never decides); ``columns``: column highlights asked for afterwards."""
    facets = {}
    if request.facets:
        aggs = response.aggregations
        facets = {f: [{"value": b.key, "count": b.doc_count} for b in getattr(aggs, f).buckets] for f in FACET_FIELDS}
    readable = {pk for pk, reads in listed.items() if reads}
    hits = [_hit(h, columns, readable) for h in response if int(h.meta.id) in listed]
    dropped = len(response.hits) - len(hits)
    return SearchPage(count=max(0, response.hits.total.value - dropped), hits=hits, facets=facets)
