"""Search reads for the API and the pages: scope, query fallback, fusion by meaning, suggestions.

``mode``: ``lexical`` is the words' ranking alone; ``semantic`` the nearest products by meaning;
``hybrid`` (the default) fuses both lists by reciprocal rank fusion, with exact identifier and
name matches kept first. Each hit says whether it ``matched_by`` words, meaning or both.
"""
from __future__ import annotations

from dataclasses import replace

from search.backends import get_backend
from search.backends.base import SearchBackend
from search.semantic import store as semantic
from search.semantic.embeddings import get_embedder
from search.semantic.fusion import rrf
from search.types import FACET_FIELDS, SearchPage, SearchRequest, Suggestion

SUGGEST_LIMIT = 10
FUSION_DEPTH = 100  # how many hits of each list are fused; deeper pages are the words' ranking
# e5 similarities crowd between 0.7 and 0.9: a hit by meaning alone must come this close to the best one.
MEANING_MARGIN = 0.06


def search_products(request: SearchRequest) -> SearchPage:
    backend = get_backend()
    by_meaning = (request.mode != "lexical" and request.text.strip() and request.sort == "relevance"
                  and semantic.enabled() and backend.supports_semantic and request.offset < FUSION_DEPTH)
    if not by_meaning:
        return _lexical(backend, request)
    meaning = _meaning(backend, request)
    if request.mode == "semantic":
        shown = meaning[request.offset : request.offset + request.page_size]
        hits = backend.hits(request, shown)
        for hit in hits:
            hit.matched_by = "meaning"
        # no facet counts by meaning: a nearest-neighbour list has no natural total to count
        return SearchPage(count=len(meaning), hits=hits, facets={f: [] for f in FACET_FIELDS} if request.facets else {})
    return _hybrid(backend, request, meaning)


def _lexical(backend: SearchBackend, request: SearchRequest) -> SearchPage:
    """All words must match; when nothing does, the best partial matches are shown instead."""
    page = backend.query(request)
    if page.count == 0 and request.text.strip() and request.operator == "and":
        page = backend.query(replace(request, operator="or"))
    return page


def _meaning(backend: SearchBackend, request: SearchRequest) -> list[tuple[int, float]]:
    found = backend.nearest(request, get_embedder().embed_query(request.text.strip()), FUSION_DEPTH)
    if not found:
        return []
    best = found[0][1]
    return [(pk, score) for pk, score in found if score >= best - MEANING_MARGIN]


def _hybrid(backend: SearchBackend, request: SearchRequest, meaning: list[tuple[int, float]]) -> SearchPage:
    words = _lexical(backend, replace(request, page=1, page_size=FUSION_DEPTH))
    by_words = {h.id: h for h in words.hits}
    meant = {pk for pk, _ in meaning}
    exact = _exact(request.text, words.hits)
    fused = rrf([h.id for h in words.hits], [pk for pk, _ in meaning])
    fused = [*exact, *(pk for pk in fused if pk not in exact)]
    shown = fused[request.offset : request.offset + request.page_size]
    missing = [(pk, 0.0) for pk in shown if pk not in by_words]
    built = {h.id: h for h in backend.hits(request, missing)} if missing else {}
    hits = []
    for pk in shown:
        hit = by_words.get(pk) or built.get(pk)
        if hit is None:  # gone since the nearest-neighbour read
            continue
        hit.matched_by = "both" if pk in by_words and pk in meant else ("words" if pk in by_words else "meaning")
        hits.append(hit)
    only_meaning = len(meant - set(by_words))
    return SearchPage(count=words.count + only_meaning, hits=hits, facets=words.facets)


def _exact(text: str, hits) -> list[int]:
    """Hits whose identifier or name is exactly the query: they keep the first place."""
    wanted = text.strip().strip('"').lower()
    return [h.id for h in hits if h.identifier.lower() == wanted or h.name.lower() == wanted]


def suggest_products(text: str, request: SearchRequest, limit: int = SUGGEST_LIMIT) -> list[Suggestion]:
    return get_backend().suggest(text, request, limit)
