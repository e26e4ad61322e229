"""Searches on the database backend: one ranked page, its count and its facets, in three queries.

The text match is a sub-select (FTS5 or ``tsvector``); everything around it (scope, filters,
ranking, facets) is plain SQL over the entry and facet tables and is the same on both vendors.
"""
from __future__ import annotations

import json
import re
from collections import Counter

from django.db import connection

from search import query as q
from search.backends.database.store import FACET_SEP, FIELD_SEP, GROUP_SEP
from search.highlights import marked
from search.types import ENTRY_COLUMNS, FACET_FIELDS, Hit, Ranking, SearchPage, SearchRequest, Suggestion
from search.typos import add_corrections

FACET_LIMIT = 30
_WORD = re.compile(r"[^\W_]+")
_ENTRY_FIELDS = ", ".join(f"e.{c}" for c in (
    "product_id", "identifier", "name_norm", "domain_id", "status", "visibility", "has_pii", "quality_score",
    "usage_count", "updated", "facet_keys",
))
_ORDER = {
    "relevance": "exact DESC, rank DESC, e.product_id",
    "name": "e.name_norm, e.product_id",
    "quality": "e.quality_score IS NULL, e.quality_score DESC, rank DESC, e.product_id",
    "usage": "e.usage_count DESC, rank DESC, e.product_id",
    "updated": "e.updated DESC, e.product_id",
}


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


def visible_sql(request: SearchRequest) -> tuple[list[str], list]:
    """Retired products are hidden from everyone; the rest as the viewer may know them (catalog.visibility)."""
    where, params = request.viewer.lists_sql(ENTRY_COLUMNS)
    return ["e.status <> 'retired'", *where], params


def filter_sql(request: SearchRequest, *, per_row: bool = False) -> tuple[list[str], list]:
    """``per_row``: facet filters as one index probe per entry (``EXISTS``), for a check of a few hundred
    given ids; otherwise as the set of every entry with the value, read once (for a search of them all)."""
    where, params = [], []
    for field in FACET_FIELDS:
        values = getattr(request, field)
        if values:
            where.append(
                "EXISTS (SELECT 1 FROM catalog_searchfacet f WHERE f.entry_id = e.product_id AND "
                f"f.field = %s AND f.value IN ({_marks(values)}))" if per_row else
                "e.product_id IN (SELECT entry_id FROM catalog_searchfacet "
                f"WHERE field = %s AND value IN ({_marks(values)}))"
            )
            params += [field, *values]
    if request.min_quality is not None:
        where.append("e.quality_score >= %s")
        params.append(request.min_quality)
    if request.has_pii is not None:
        where.append("e.has_pii = %s")
        params.append(request.has_pii)
    if request.visibility:
        where.append(f"e.visibility IN ({_marks(request.visibility)})")
        params += list(request.visibility)
    if request.updated_after:
        where.append("e.updated >= %s")  # ISO timestamps in UTC compare as text
        params.append(request.updated_after)
    return where, params


def count_facets(keys: str | None) -> dict[str, list[dict]]:
    """Facet counts from the hits' packed ``facet_keys`` (see ``store.pack_facet_keys``), joined by
    FACET_SEP into one string by the database.

    The hits' parts are counted first (one split, one count, at C speed); each distinct part's keys
    then count as often as the part occurred. Parts seen once are split and counted together, so
    hits whose key sets are all different cost no more than counting every key.
    """
    counted: Counter[str] = Counter()
    if keys:
        parts = Counter(keys.split(FACET_SEP))
        counted.update(GROUP_SEP.join([part for part, n in parts.items() if n == 1]).split(GROUP_SEP))
        for part, n in parts.items():
            if n > 1:
                for key in part.split(GROUP_SEP):
                    counted[key] += n
    counted.pop("", None)
    facets: dict[str, list[dict]] = {field: [] for field in FACET_FIELDS}
    for key, count in counted.items():
        field, _, value = key.partition(FIELD_SEP)
        facets[field].append({"value": value, "count": count})
    for values in facets.values():
        values.sort(key=lambda v: (-v["count"], v["value"]))
        del values[FACET_LIMIT:]
    return facets


class DatabaseQuery:
    """One search request on one engine."""

    def __init__(self, engine, request: SearchRequest):
        self.engine, self.request = engine, request
        self.parsed = q.parse(request.text)
        if not self.parsed.is_empty and request.correct:
            add_corrections(self.parsed)

    def run(self) -> SearchPage:
        """One ranked page with its hits (highlighted), the count and the facets."""
        page, count, keys = self._ranked()
        hits = self._hits([(pk, rank) for pk, rank, _ in page])
        facets = count_facets(keys) if self.request.facets else {}
        return SearchPage(count=count, hits=hits, facets=facets)

    def ranking(self) -> Ranking:
        """The same page as ids and scores only: fusion reads the words' top hundred, then builds the
        hits of the twenty it shows (with their highlights) — not of all hundred."""
        page, count, keys = self._ranked()
        return Ranking(count=count, ranked=[(pk, float(rank or 0)) for pk, rank, _ in page],
                       exact=[pk for pk, _, exact in page if exact],
                       facets=count_facets(keys) if self.request.facets else {})

    def _ranked(self) -> tuple[list[tuple], int, str | None]:
        """One statement: the matches, filtered, kept once; the page, their count and facet keys read from them.

        The hits are materialised (ids, sort keys and packed facet keys only); the page is a
        top-N sort of them and the count and facet keys one aggregate row, so no hit is sorted
        in full nor sent to Python as a row of its own. Facets are counted from the keys in
        Python: a GROUP BY over the facet table would evaluate the text match again and probe
        an index per facet value.
        """
        base_sql, base_params = self._base()
        keys = self.engine.concat_sql("e.facet_keys") if self.request.facets else "NULL"
        rows = self._fetch(  # MATERIALIZED: h is read twice (the page, then count and facets), computed once
            "WITH h AS MATERIALIZED (SELECT e.product_id, e.name_norm, e.quality_score, "  # noqa: S608
            f"e.usage_count, e.updated, e.facet_keys, e.exact, e.rank {base_sql}) "
            "SELECT * FROM (SELECT 0 AS part, e.product_id, e.rank, e.exact, NULL AS facet_keys FROM h e "
            f"ORDER BY {_ORDER[self.request.sort]} LIMIT %s OFFSET %s) page "
            f"UNION ALL SELECT 1, count(*), NULL, NULL, {keys} FROM h e",
            [*base_params, self.request.page_size, self.request.offset],
        )
        summary = rows.pop()  # the aggregate row comes last (UNION ALL keeps the parts in order)
        assert summary[0] == 1, summary
        return [(pk, rank, exact) for _, pk, rank, exact, _ in rows], summary[1], summary[4]

    def _hits(self, page: list[tuple]) -> list[Hit]:
        if not page:
            return []
        ids = [row[0] for row in page]
        rows = {row[0]: row for row in self._fetch(
            "SELECT product_id, result, visibility, domain_id FROM catalog_searchentry "  # noqa: S608
            f"WHERE product_id IN ({_marks(ids)})", ids)}
        hits = [self._hit(rows[pk], rank) for pk, rank in page]
        self._highlight(hits, {pk: (row[2], row[3]) for pk, row in rows.items()})
        return hits

    def _base(self) -> tuple[str, list]:
        source, score, match_params = self.engine.hits_from(
            None if self.parsed.is_empty else self.parsed, self.request.operator, self.request.viewer)
        where, params = visible_sql(self.request)
        more_where, more_params = filter_sql(self.request)
        restricted_where, restricted_params = self._restricted()
        exact = self.parsed.exact
        sql = (  # only the columns filters and sorts read: not the result JSON nor the text vector
            f"FROM (SELECT {', '.join((_ENTRY_FIELDS, *self.engine.query_columns))}, "
            "CASE WHEN e.identifier = %s OR e.name_norm = %s THEN 1 ELSE 0 END AS exact, "
            f"{score} * e.rank_boost AS rank FROM {source}) e "
            f"WHERE {' AND '.join([*where, *more_where, *restricted_where])}"
        )
        return sql, [exact, exact, *match_params, *params, *more_params, *restricted_params]

    def _restricted(self) -> tuple[list[str], list]:
        """Viewers without access to a restricted product may not find it through its columns."""
        if self.parsed.is_empty:
            return [], []
        sql, params = self.engine.column_guard(self.parsed, self.request.operator, self.request.viewer)
        return ([sql], params) if sql else ([], [])

    def _fetch(self, sql: str, params: list) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    @staticmethod
    def _hit(row, rank) -> Hit:
        result = row[1] if isinstance(row[1], dict) else json.loads(row[1])
        return Hit(
            id=row[0], identifier=result["identifier"], name=result["name"], domain=result["domain"],
            description=result["description"], status=result["status"],
            quality_score=result["quality_score"], score=float(rank or 0), visibility=result.get("visibility", "public"),
        )

    def _highlight(self, hits: list[Hit], access: dict[int, tuple[str, int]]) -> None:
        if not hits or self.parsed.is_empty:
            return
        sql, params = self.engine.highlight_sql(self.parsed, [h.id for h in hits])
        found = {row[0]: row[1:] for row in self._fetch(sql, params)}
        for hit in hits:
            name, tags, columns, description = found.get(hit.id, (None,) * 4)
            shown = {"name": marked([name]), "tags": marked((tags or "").split(" | ")),
                     "description": marked([description])}
            if self.request.viewer.opens(*access[hit.id], hit.id):
                shown["columns"] = marked((columns or "").split(" | "))
            hit.highlights = {k: v for k, v in shown.items() if v}


def suggest(engine, text: str, request: SearchRequest, limit: int) -> list[Suggestion]:
    parsed = q.parse(text)
    if parsed.is_empty:
        return []
    match_sql, match_params = engine.suggest_sql(parsed)
    where, params = visible_sql(request)
    sql = (
        f"SELECT e.identifier, e.result FROM ({match_sql}) m JOIN catalog_searchentry e "  # noqa: S608
        f"ON e.product_id = m.id WHERE {' AND '.join(where)} "
        "ORDER BY CASE WHEN e.name_norm LIKE %s OR e.identifier LIKE %s THEN 0 ELSE 1 END, "
        "m.score * e.rank_boost DESC, e.identifier LIMIT %s"
    )
    starts = parsed.exact.replace("%", "").replace("_", "") + "%"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*match_params, *params, starts, starts, limit])
        rows = cursor.fetchall()
    results = [r if isinstance(r, dict) else json.loads(r) for _, r in rows]
    return [Suggestion(identifier=r["identifier"], name=r["name"], domain=r["domain"]) for r in results]


def column_products(engine, word: str, request: SearchRequest, limit: int) -> list[int]:
    """Ids of products with a column named like ``word`` (from the text index; the caller checks names)."""
    words = _WORD.findall(word.lower())
    if len(words) != 1:
        return []
    sql, params = engine.column_match_sql(words[0], request.viewer, limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]
