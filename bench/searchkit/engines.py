"""The baselines: each query run straight on the engine, with the same filters and facet counts."""
from __future__ import annotations

import re

_WORD = re.compile(r"[^\W_]+")
_FILTERS = ("domain", "tag", "status")


def _filters(params: dict, column: str) -> tuple[str, list]:
    sql, values = "", []
    for field in _FILTERS:
        if field in params:
            sql += f" AND {column} IN (SELECT entry_id FROM catalog_searchfacet WHERE field = ? AND value = ?)"
            values += [field, params[field]]
    return sql, values


def raw_database_search(connection, params: dict) -> None:
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        _raw_fts5(connection.connection.cursor(), params)
    else:
        with connection.cursor() as cursor:
            _raw_postgres(cursor, params)


def _raw_fts5(cursor, params: dict) -> None:
    """A plain FTS5 query: the words (a phrase for dotted names) ranked by bm25, count, facet counts.

    The match is materialised before filters apply: pushed into the FTS5 scan, ``rowid IN (…)``
    would re-run the MATCH per candidate row (the slow way round, which would flatter our ratio).
    """
    words = _WORD.findall(params["q"].lower())
    match = '"' + " ".join(words) + '"' if re.search(r"[._]", params["q"]) else " ".join(f'"{w}"' for w in words)
    where, values = _filters(params, "m.id")
    base = ("WITH m AS MATERIALIZED (SELECT rowid AS id, bm25(catalog_search_fts) AS r FROM catalog_search_fts "
            f"WHERE catalog_search_fts MATCH ?) SELECT {{}} FROM m WHERE 1 = 1{where}")
    args = [match, *values]
    cursor.execute(base.format("m.id, m.r") + " ORDER BY m.r LIMIT 20", args).fetchall()
    cursor.execute(base.format("count(*)"), args).fetchall()
    cursor.execute(
        "SELECT f.field, f.value, count(*) FROM catalog_searchfacet f "
        f"WHERE f.entry_id IN ({base.format('m.id')}) GROUP BY f.field, f.value", args,
    ).fetchall()


def _raw_postgres(cursor, params: dict) -> None:
    """The same on PostgreSQL: plainto_tsquery, ts_rank, count, facet counts."""
    text = " ".join(_WORD.findall(params["q"]))
    where, values = _filters(params, "product_id")
    where = where.replace("?", "%s")
    base = f"FROM catalog_searchentry, plainto_tsquery('english', %s) q WHERE search_vector @@ q{where}"
    cursor.execute(f"SELECT product_id, ts_rank(search_vector, q) AS r {base} ORDER BY r DESC LIMIT 20", [text, *values])
    cursor.fetchall()
    cursor.execute(f"SELECT count(*) {base}", [text, *values])
    cursor.fetchall()
    cursor.execute(
        f"SELECT field, value, count(*) FROM catalog_searchfacet WHERE entry_id IN (SELECT product_id {base}) "
        "GROUP BY field, value", [text, *values],
    )
    cursor.fetchall()


_bodies: dict[str, dict] = {}


def elasticsearch_body(params: dict) -> dict:
    """The exact request body our backend sends for these parameters (as an anonymous viewer)."""
    key = repr(sorted(params.items()))
    if key not in _bodies:
        from elasticsearch.dsl import Search

        from catalog.visibility import Viewer
        from search import query as q
        from search.backends.elasticsearch.queries import build_search
        from search.types import SearchRequest

        request = SearchRequest(text=params["q"], viewer=Viewer.ANONYMOUS, **{f: (params[f],) for f in _FILTERS if f in params})
        _bodies[key] = build_search(Search(), q.parse(request.text), request).to_dict()
    return _bodies[key]


def raw_elasticsearch_search(backend, params: dict) -> None:
    """That body as a bare client round trip (bodies are built before timing starts)."""
    backend.client.search(index=backend.alias, body=elasticsearch_body(params))
