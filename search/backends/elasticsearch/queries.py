"""Elasticsearch queries built with ``elasticsearch.dsl``: relevance, scope, filters, facets, suggestions.

Relevance, in order: an exact identifier or name; then the words in name and identifier, tags,
column names, domain and description (each field boosted), exactly, by prefix, with a typo
(``fuzziness=AUTO``) or through a synonym; multiplied by the product's ``rank_boost``
(status, quality, usage) in a ``function_score``.
"""
from __future__ import annotations

from elasticsearch.dsl import Q, Search

from search.query import Group, ParsedQuery
from search.types import FACET_FIELDS, SearchRequest

HL_START, HL_END = "\x02", "\x03"
FIELDS = [
    "identifier.text^4", "name^8", "name.words^8", "tags.text^5", "domain_name^3", "domain^3",
    "description", "owners.text",
]
PREFIX_FIELDS = ["name.prefix^4", "identifier.prefix^4"]
COLUMN_FIELDS = ["columns.name^4", "columns.name.words^4", "columns.description"]
FACET_KEYS = {"domain": "domain", "tag": "tags", "status": "status", "format": "formats", "owner": "owners"}
SORTS = {
    "relevance": ["_score", "identifier"],
    "name": ["name.exact", "identifier"],
    "quality": [{"quality_score": {"order": "desc", "missing": "_last"}}, "_score", "identifier"],
    "usage": [{"usage_count": {"order": "desc"}}, "_score", "identifier"],
    "updated": [{"updated": {"order": "desc"}}, "identifier"],
}
EXACT_BOOST = 1000


def visible_filter(request: SearchRequest) -> list[Q]:
    """Retired hidden from all; the rest as the viewer may know them (catalog.visibility)."""
    return [~Q("term", status="retired"), *(Q(clause) for clause in request.viewer.lists_es())]


def facet_filters(request: SearchRequest) -> list[Q]:
    filters = [Q("terms", **{FACET_KEYS[f]: list(getattr(request, f))}) for f in FACET_FIELDS if getattr(request, f)]
    if request.min_quality is not None:
        filters.append(Q("range", quality_score={"gte": request.min_quality}))
    if request.has_pii is not None:
        filters.append(Q("term", has_pii=request.has_pii))
    if request.visibility:
        filters.append(Q("terms", visibility=list(request.visibility)))
    if request.updated_after:
        filters.append(Q("range", updated={"gte": request.updated_after}))  # a keyword: ISO text in UTC
    return filters


# What a hit shows and what the visibility re-check reads: nothing else comes back from the index.
HIT_FIELDS = ["identifier", "name", "domain", "domain_id", "description", "status", "visibility", "quality_score"]


def _nested_columns(query: Q, name: str, *, inner_hits: bool) -> Q:
    hits = {"inner_hits": {
        "name": name, "size": 3, "_source": False,
        "highlight": {"pre_tags": [HL_START], "post_tags": [HL_END], "fields": {"columns.name": {}, "columns.description": {}}},
    }} if inner_hits else {}
    return Q("nested", path="columns", query=query, score_mode="max", **hits)


def _columns(query: Q, request: SearchRequest, name: str) -> Q:
    """Column matches, only on products whose details the viewer may see.

    Inner hits are computed for every hit, whichever clause it matched by: so only a viewer who may
    read every product gets them here; for the others ``column_highlight_search`` asks for them
    afterwards, for the hits they may read alone."""
    reads = request.viewer.reads_es()
    if reads is None:
        return _nested_columns(query, name, inner_hits=True)
    return Q("bool", must=[_nested_columns(query, name, inner_hits=False)], filter=[Q(reads)])


def _column_words(group: Group, request: SearchRequest) -> Q:
    if group.is_phrase:
        return Q("multi_match", query=" ".join(group.words), type="phrase", fields=COLUMN_FIELDS)
    word = group.words[0]
    return Q("bool", should=[
        Q("multi_match", query=word, fields=COLUMN_FIELDS),
        *([Q("multi_match", query=word, fields=COLUMN_FIELDS, fuzziness="AUTO", prefix_length=1, boost=0.5)]
          if request.correct else []),
    ])


def column_highlight_search(search: Search, parsed: ParsedQuery, request: SearchRequest, ids: list[int]) -> Search:
    """The column matches of these products (ones the viewer may read), for their highlights only."""
    matches = [_nested_columns(_column_words(g, request), f"c{i}", inner_hits=True) for i, g in enumerate(parsed.groups)]
    query = Q("bool", filter=[Q("ids", values=[str(pk) for pk in ids])], should=matches, minimum_should_match=1)
    return search.query(query).source(False)[: len(ids)]


def group_query(group: Group, request: SearchRequest, index: int) -> Q:
    if group.is_phrase:
        text = " ".join(group.words)
        clauses = [Q("multi_match", query=text, type="phrase", fields=FIELDS),
                   _columns(_column_words(group, request), request, f"c{index}")]
        return Q("bool", should=clauses, minimum_should_match=1)
    word = group.words[0]
    fuzzy = request.correct  # near spellings, unless the user asked for the words as typed
    clauses = [
        Q("multi_match", query=word, fields=FIELDS),
        *([Q("multi_match", query=word, fields=FIELDS, fuzziness="AUTO", prefix_length=1, boost=0.5)] if fuzzy else []),
        _columns(_column_words(group, request), request, f"c{index}"),
    ]
    if group.prefix:
        clauses.append(Q("multi_match", query=word, fields=PREFIX_FIELDS, boost=0.5))
    if group.synonyms:  # in names and tags only, as on the database backend
        clauses.append(Q("multi_match", query=" ".join(group.synonyms), fields=["name^8", "tags.text^5"], boost=0.6))
    return Q("bool", should=clauses, minimum_should_match=1)


def text_query(parsed: ParsedQuery, request: SearchRequest) -> Q:
    groups = [group_query(g, request, i) for i, g in enumerate(parsed.groups)]
    exact = [Q("term", **{"name.exact": {"value": parsed.exact, "boost": EXACT_BOOST}}),
             Q("term", identifier={"value": parsed.exact, "boost": EXACT_BOOST})]
    if request.operator == "and":
        matched = Q("bool", must=groups)
    else:
        matched = Q("bool", should=groups, minimum_should_match=1)
    return Q("bool", should=[matched, *exact], minimum_should_match=1)


def highlight_query(parsed: ParsedQuery, fuzzy: bool = True) -> Q:
    words = " ".join(parsed.words())
    return Q("bool", should=[
        Q("multi_match", query=words, fields=FIELDS),
        *([Q("multi_match", query=words, fields=FIELDS, fuzziness="AUTO", prefix_length=1)] if fuzzy else []),
    ], minimum_should_match=1)


def build_search(search: Search, parsed: ParsedQuery, request: SearchRequest) -> Search:
    text = Q("match_all") if parsed.is_empty else text_query(parsed, request)
    query = Q("bool", must=[text], filter=[*visible_filter(request), *facet_filters(request)])
    scored = Q("function_score", query=query, boost_mode="multiply",
               functions=[{"field_value_factor": {"field": "rank_boost", "missing": 1}}])
    search = search.query(scored).sort(*SORTS[request.sort]).extra(track_total_hits=True).source(HIT_FIELDS)
    search = search[request.offset : request.offset + request.page_size]
    search = search.highlight_options(pre_tags=[HL_START], post_tags=[HL_END], number_of_fragments=2, fragment_size=120)
    if not parsed.is_empty:
        # Highlight what the words matched, not the exact-name terms or the scoring wrapper.
        search = search.highlight_options(highlight_query=highlight_query(parsed, request.correct).to_dict())
    search = search.highlight("name", "name.words", "tags.text", "description", "identifier.text")
    if request.facets:
        for key, field in FACET_KEYS.items():
            search.aggs.bucket(key, "terms", field=field, size=30)
    return search


def suggest_search(search: Search, parsed: ParsedQuery, request: SearchRequest, limit: int) -> Search:
    text = " ".join(parsed.exact.replace(".", " ").split())
    matched = Q("bool", should=[
        Q("match", **{"name.prefix": {"query": text, "operator": "and"}}),
        Q("match", **{"identifier.prefix": {"query": text, "operator": "and"}}),
        Q("prefix", **{"name.exact": {"value": parsed.exact, "boost": 5}}),
        Q("prefix", identifier={"value": parsed.exact, "boost": 5}),
    ], minimum_should_match=1)
    query = Q("function_score", query=Q("bool", must=[matched], filter=visible_filter(request)), boost_mode="multiply",
              functions=[{"field_value_factor": {"field": "rank_boost", "missing": 1}}])
    return search.query(query).source(["identifier", "name", "domain"])[:limit]


def knn_body(request: SearchRequest, vector, k: int) -> dict:
    """A filtered kNN over the passages' vectors (nested: a product scores by its best passage): the same
    scope and facet filters as the words' search, applied inside the nearest-neighbour search (so a narrow
    scope still gets k hits). Only ids and scores come back; fusion and hits are shared with the database
    backend (search.selectors)."""
    scope = [f.to_dict() for f in (*visible_filter(request), *facet_filters(request))]
    return {
        "knn": {"field": "passages.embedding", "query_vector": [float(x) for x in vector], "k": k,
                "num_candidates": max(100, 2 * k), "filter": {"bool": {"filter": scope}}},
        "_source": False, "size": k,
    }


def cosine(score: float) -> float:
    """Elasticsearch's kNN score for ``cosine`` similarity is (1 + cos) / 2: the cosine back."""
    return 2.0 * score - 1.0
