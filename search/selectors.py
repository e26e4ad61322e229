"""Search reads for the API and the pages: scope, query fallback, fusion by meaning, suggestions.

``mode``: ``lexical`` is the words' ranking alone; ``semantic`` the nearest products by meaning;
``hybrid`` (the default) fuses both lists by reciprocal rank fusion, with exact identifier and
name matches kept first. Each hit says whether it ``matched_by`` words, meaning or both.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from html import unescape

from catalog.models import Column, DataProduct
from search import query as q
from search.backends import get_backend
from search.backends.base import SearchBackend, SearchUnavailable
from search.semantic import store as semantic
from search.semantic.embeddings import get_embedder
from search.semantic.fusion import ANY_WORD_WEIGHT, rrf
from search.types import FACET_FIELDS, Ranking, SearchPage, SearchRequest, Suggestion
from search.typos import MIN_TYPO_CHARS, distance

SUGGEST_LIMIT = 10
COLUMN_SUGGESTIONS = 3
COLUMN_CANDIDATES = 100
MIN_COLUMN_CHARS = 3
MAX_TYPO_EDITS = 2
_MARKED = re.compile(r"<mark>(.*?)</mark>", re.S)
_WORD = re.compile(r"[^\W_]+")
FUSION_DEPTH = 100  # how many hits of each list are fused; deeper pages are the words' ranking
# e5 similarities crowd between 0.7 and 0.9: a hit by meaning alone must come this close to the best one.
MEANING_MARGIN = 0.06


def search_products(request: SearchRequest) -> SearchPage:
    backend = get_backend()
    by_meaning = (request.mode != "lexical" and request.text.strip() and request.sort == "relevance"
                  and semantic.enabled() and backend.supports_semantic and request.offset < FUSION_DEPTH)
    if not by_meaning:
        return _lexical(backend, request)
    text = request.text.strip()
    # The query's embedding and the vector scan may run beside the words' search (the backend says)
    meaning_of = backend.nearest_later(request, lambda: get_embedder().embed_query(text), FUSION_DEPTH)
    if request.mode == "semantic":
        meaning = _close(meaning_of())
        shown = meaning[request.offset : request.offset + request.page_size]
        hits = backend.hits(request, shown)
        for hit in hits:
            hit.matched_by = "meaning"
        # no facet counts by meaning: a nearest-neighbour list has no natural total to count
        return SearchPage(count=len(meaning), hits=hits, facets={f: [] for f in FACET_FIELDS} if request.facets else {})
    return _hybrid(backend, request, meaning_of)


def _lexical(backend: SearchBackend, request: SearchRequest) -> SearchPage:
    return _words(backend, request)[0]


def _words(backend: SearchBackend, request: SearchRequest) -> tuple[SearchPage, bool]:
    """All words must match; when nothing does, the best partial matches are shown instead (and the
    second value, whether every word matched, is false)."""
    page = backend.query(request)
    if page.count == 0 and request.text.strip() and request.operator == "and":
        return backend.query(replace(request, operator="or")), False
    return page, True


def _ranking(backend: SearchBackend, request: SearchRequest) -> tuple[Ranking, bool]:
    """``_words`` as a ranking (ids and scores, no hits built yet)."""
    ranking = backend.ranking(request)
    if ranking.count == 0 and request.text.strip() and request.operator == "and":
        return backend.ranking(replace(request, operator="or")), False
    return ranking, True


def _close(found: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """The nearest products that come close to the best one (see MEANING_MARGIN)."""
    if not found:
        return []
    best = found[0][1]
    return [(pk, score) for pk, score in found if score >= best - MEANING_MARGIN]


def _hybrid(backend: SearchBackend, request: SearchRequest, meaning_of) -> SearchPage:
    words, every_word = _ranking(backend, replace(request, page=1, page_size=FUSION_DEPTH))
    meaning = _close(meaning_of())
    by_words = dict(words.ranked)
    meant = {pk for pk, _ in meaning}
    # A product matching every word is strong evidence; one matching some words of a question is weak.
    fused = rrf([pk for pk, _ in words.ranked], [pk for pk, _ in meaning],
                weights=[1.0 if every_word else ANY_WORD_WEIGHT, 1.0])
    exact = words.exact  # hits whose identifier or name is exactly the query keep the first place
    fused = [*exact, *(pk for pk in fused if pk not in exact)]
    shown = fused[request.offset : request.offset + request.page_size]
    # Only the page shown is built (and highlighted): the words' score where they matched, else none
    built = {pk: words.hits[pk] for pk in shown if pk in words.hits}
    missing = [(pk, by_words.get(pk, 0.0)) for pk in shown if pk not in built]
    if missing:
        built |= {h.id: h for h in backend.hits(request, missing)}
    hits = []
    for pk in shown:
        hit = built.get(pk)
        if hit is None:  # gone since the nearest-neighbour read
            continue
        hit.matched_by = "both" if pk in by_words and pk in meant else ("words" if pk in by_words else "meaning")
        hits.append(hit)
    only_meaning = len(meant - set(by_words))
    return SearchPage(count=words.count + only_meaning, hits=hits, facets=words.facets)


def spelling_correction(request: SearchRequest, page: SearchPage) -> str:
    """The text the page shows results for when a typed word matched nothing as typed but a near
    spelling did ("custmer" -> "customer"): read from what the engine marked in the hits, so it is the
    same on every backend. Empty when nothing was corrected."""
    if not request.correct or not page.hits or not request.text.strip():
        return ""
    words = [g.words[0] for g in q.parse(request.text).groups
             if not g.is_phrase and len(g.words[0]) >= MIN_TYPO_CHARS]
    unknown = set(words) - get_backend().known_words(words, request) if words else set()
    if not unknown:
        return ""
    marked = Counter(w.lower() for hit in page.hits for fragments in hit.highlights.values()
                     for fragment in fragments for m in _MARKED.findall(str(fragment))
                     for w in _WORD.findall(unescape(m)))
    if not marked:  # an engine that marks no near-spelling match: the words the hits show instead
        marked = Counter(w.lower() for hit in page.hits for w in _WORD.findall(f"{hit.name} {hit.description}"))
    fixes = {}
    for word in unknown:
        near = [(distance(word, m), -n, len(m), m) for m, n in marked.items() if abs(len(m) - len(word)) <= 2]
        near = [c for c in near if c[0] <= MAX_TYPO_EDITS]
        if near:
            fixes[word] = min(near)[3]
    if not fixes:
        return ""
    return _WORD.sub(lambda m: fixes.get(m.group(0).lower(), m.group(0)), request.text.strip())


def suggest_products(text: str, request: SearchRequest, limit: int = SUGGEST_LIMIT) -> list[Suggestion]:
    """Products whose name (or own slug) starts with what is typed first, then the rest (a domain
    slug match, say); when nothing matches as typed, the nearest spellings; then matching columns
    of products whose details the viewer may read."""
    backend = get_backend()
    parsed = q.parse(text)
    if parsed.is_empty:
        return []
    found = backend.suggest(text, request, limit * 2)
    words = [w for g in parsed.groups for w in g.words]
    if not found:
        corrected = _corrected_words(backend, words, request)
        if corrected != words:
            words = corrected
            found = backend.suggest(" ".join(words), request, limit * 2)
    ranked = sorted(found, key=lambda s: _standing(s, words))  # stable: the engine's order within
    columns = _column_suggestions(words[-1], request, limit=COLUMN_SUGGESTIONS) if len(words) == 1 else []
    shown = [*ranked[: limit - len(columns)], *columns] if columns else ranked[:limit]
    matched = " ".join(words)
    return [replace(s, matched=matched) for s in shown]


def _standing(suggestion: Suggestion, words: list[str]) -> int:
    """0: every typed word starts a word of both the product's name and its own slug; 1: of its name or
    slug (not the domain's); 2: the rest (the words matched the domain slug only, say)."""
    name = [w.lower() for w in _WORD.findall(suggestion.name)]
    slug = _WORD.findall(suggestion.identifier.split(".", 1)[-1].lower())
    in_name = all(any(o.startswith(w) for o in name) for w in words)
    in_slug = all(any(o.startswith(w) for o in slug) for w in words)
    return 0 if in_name and in_slug else 1 if in_name or in_slug else 2


def _corrected_words(backend, words: list[str], request: SearchRequest) -> list[str]:
    """The typed words with a misspelled last word replaced by the nearest indexed spelling."""
    last = words[-1]
    if len(last) < MIN_TYPO_CHARS:
        return words
    try:
        page = backend.query(replace(request, text=last, facets=False, page=1, page_size=5, operator="or"))
    except SearchUnavailable:
        return words
    fixed = spelling_correction(replace(request, text=last), page) if page.hits else ""
    return [*words[:-1], fixed.lower()] if fixed else words


def _column_suggestions(word: str, request: SearchRequest, *, limit: int) -> list[Suggestion]:
    """Columns named like the typed word (exact names first), only of products the viewer may read."""
    if len(word) < MIN_COLUMN_CHARS:
        return []
    # Candidates from the engine's text index (a scan of every column costs ~250 ms at a million columns)
    candidates = get_backend().column_products(word, request, COLUMN_CANDIDATES)
    if not candidates:
        return []
    readable = DataProduct.objects.listed().filter(request.viewer.reads_q(), pk__in=candidates)
    rows = (Column.objects.filter(port__product__in=readable, name__istartswith=word)
            .values_list("name", "port__product__identifier", "port__product__name", "port__product__domain__slug",
                         "port__product__usage_count")
            .order_by("port__product__identifier", "name")[:200])
    ordered = sorted(rows, key=lambda r: (r[0].lower() != word.lower(), -r[4], r[1], r[0]))
    seen, out = set(), []
    for name, identifier, product, domain, _ in ordered:
        if (identifier, name) not in seen:
            seen.add((identifier, name))
            out.append(Suggestion(identifier=identifier, name=product, domain=domain, column=name))
    return out[:limit]
