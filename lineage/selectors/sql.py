"""Graph queries in SQL, written once for SQLite and PostgreSQL.

Product- and column-level walks are recursive CTEs: rows carry ``(node, depth)`` and the CTE uses
``UNION``, so a node is expanded at most once per depth and cycles end at the depth limit. Both
engines evaluate the recursion breadth first, so the first row for a node carries its shortest
distance, and an outer ``LIMIT`` stops the walk early. They are kept as they were: those graphs
are far smaller (a node per product, or per column that lineage names), and no measurement has
asked for more.

The dataset-level walk is not a CTE: ``graph.dataset_graph`` walks level by level with
:func:`edges_from` (``graph``'s docstring says why).
"""
from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connection


def id_list_sql(ids: Iterable[int]) -> tuple[str, list]:
    """A sub-select yielding ``ids``, bound as one parameter whatever their number."""
    text = ",".join(map(str, map(int, ids)))
    if connection.vendor == "postgresql":
        # An array literal in a string: psycopg dumps a list of 5,000 ints element by element, 20x slower.
        return "SELECT unnest(%s::bigint[]) AS v", [f"{{{text}}}"]
    return "SELECT value AS v FROM json_each(%s)", [f"[{text}]"]


# A walk may produce this many rows per node it may return: a node reached at several depths costs a row each.
ROWS_PER_NODE = 4

# table, column followed from a node, column reached
_DIRECTIONS = {
    "downstream": ("source_id", "target_id"),
    "upstream": ("target_id", "source_id"),
}


def walk(table: str, seeds: Iterable[int], *, direction: str, depth: int, row_limit: int) -> list[tuple[int, int]]:
    """``(node, depth)`` rows reachable from ``seeds`` along ``table``'s edges, nearest first."""
    here, there = _DIRECTIONS[direction]
    seed_sql, params = id_list_sql(seeds)
    sql = f"""
        WITH RECURSIVE w(node, depth) AS (
            SELECT s.v, 0 FROM ({seed_sql}) AS s
            UNION
            SELECT e.{there}, w.depth + 1 FROM w JOIN {table} e ON e.{here} = w.node WHERE w.depth < %s
        )
        SELECT node, depth FROM w LIMIT %s
    """  # noqa: S608 -- identifiers come from the constants above, values are bound
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, depth, row_limit])
        return cursor.fetchall()


def column_walk(
    seeds: Iterable[tuple[int, str]], *, direction: str, depth: int, row_limit: int
) -> list[tuple[int, str, int]]:
    """``(dataset, field, depth)`` rows reachable from the seed columns along column edges."""
    here, there = _DIRECTIONS[direction]
    here_field, there_field = ("source_field", "target_field") if direction == "downstream" else (
        "target_field", "source_field")
    seeds = [[int(d), str(f)] for d, f in seeds]
    if connection.vendor == "postgresql":
        seed_sql = "SELECT (x->>0)::bigint AS ds, x->>1 AS field FROM jsonb_array_elements(%s::jsonb) AS x"
    else:
        seed_sql = "SELECT json_extract(value, '$[0]') AS ds, json_extract(value, '$[1]') AS field FROM json_each(%s)"
    sql = f"""
        WITH RECURSIVE w(ds, field, depth) AS (
            SELECT s.ds, s.field, 0 FROM ({seed_sql}) AS s
            UNION
            SELECT e.{there}, CAST(e.{there_field} AS TEXT), w.depth + 1 FROM w
            JOIN lineage_columnedge e ON e.{here} = w.ds AND e.{here_field} = w.field
            WHERE w.depth < %s
        )
        SELECT ds, field, depth FROM w LIMIT %s
    """  # noqa: S608 -- identifiers come from the constants above, values are bound
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(seeds), depth, row_limit])
        return cursor.fetchall()


def nearest(rows: Iterable[tuple], limit: int) -> tuple[dict, bool]:
    """First (= shortest) depth per node from walk rows; True when more than ``limit`` nodes."""
    found: dict = {}
    for *key, depth in rows:
        key = tuple(key) if len(key) > 1 else key[0]
        if key not in found:
            if len(found) == limit:
                return found, True
            found[key] = depth
    return found, False


def edges_among(table: str, ids: Iterable[int]) -> list[tuple[int, int]]:
    """Distinct ``(source, target)`` pairs of ``table`` with both ends in ``ids``."""
    ids = [int(i) for i in ids]
    if not ids:
        return []
    if connection.vendor == "postgresql":
        # Probe the source index once per node; the planner otherwise hashes the whole edge table.
        sql = f"""
            SELECT DISTINCT e.source_id, e.target_id FROM unnest(%s::bigint[]) AS s(id)
            JOIN {table} e ON e.source_id = s.id JOIN unnest(%s::bigint[]) AS t(id) ON t.id = e.target_id
        """  # noqa: S608 -- the table name is ours, values are bound
        params = [ids, ids]
    else:
        # Drive by the source index, then test targets against the list: the unary + keeps SQLite from
        # driving the index with the IN list (it would probe every pair of nodes).
        sub, one_param = id_list_sql(ids)
        sql = f"""
            SELECT DISTINCT e.source_id, e.target_id FROM ({sub}) AS s JOIN {table} e ON e.source_id = s.v
            WHERE +e.target_id IN (SELECT v FROM ({sub}) AS t)
        """  # noqa: S608 -- the table name is ours, values are bound
        params = one_param + one_param
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def edges_from(ids: Iterable[int], *, direction: str) -> list[tuple[int, int]]:
    """``(source, target)`` of every dataset edge leading ``direction`` from ``ids`` (once per job).

    One probe of the covering ``(source, target)`` or ``(target, source)`` index per id.
    """
    here = _DIRECTIONS[direction][0]
    sub, params = id_list_sql(ids)
    sql = f"""
        SELECT e.source_id, e.target_id FROM ({sub}) AS a JOIN lineage_datasetedge e ON e.{here} = a.v
    """  # noqa: S608 -- identifiers come from the constants above, values are bound
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def one(queryset):
    """The first row or None, without ``first()``'s ORDER BY id (which can turn an index hit into a scan)."""
    return next(iter(queryset[:1]), None)


def products_reached(seeds: Iterable[int], *, direction: str, row_limit: int) -> set[int]:
    """Products owning the datasets reached from ``seeds``, looking through unowned datasets only.

    Rows carry the node alone, so ``UNION`` keeps a visited set: each dataset is expanded once and
    cycles end without a depth limit. Seeds are expanded even when they belong to a product.
    """
    here, there = _DIRECTIONS[direction]
    seed_sql, params = id_list_sql(seeds)
    sql = f"""
        WITH RECURSIVE w(node) AS (
            SELECT s.v FROM ({seed_sql}) AS s
            UNION
            SELECT e.{there} FROM w
            JOIN lineage_datasetedge e ON e.{here} = w.node
            JOIN lineage_dataset d ON d.id = w.node
            WHERE d.product_id IS NULL OR w.node IN (SELECT v FROM ({seed_sql}) AS s2)
        )
        SELECT DISTINCT d.product_id FROM (SELECT node FROM w LIMIT %s) AS r
        JOIN lineage_dataset d ON d.id = r.node WHERE d.product_id IS NOT NULL
    """  # noqa: S608 -- identifiers come from the constants above, values are bound
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *params, row_limit])
        return {row[0] for row in cursor.fetchall()}


def dataset_rows(ids: list[int]) -> dict[int, tuple[int, str, str, int | None]]:
    """``id -> (id, namespace, name, product_id)`` for these datasets."""
    if not ids:
        return {}
    sub, params = id_list_sql(ids)
    # The id range is redundant, but without it PostgreSQL merge-joins from the start of the primary key.
    sql = f"""
        SELECT d.id, d.namespace, d.name, d.product_id FROM ({sub}) AS k JOIN lineage_dataset d ON d.id = k.v
        WHERE d.id BETWEEN %s AND %s
    """  # noqa: S608 -- the sub-select is ours, values are bound
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, min(ids), max(ids)])
        return {row[0]: row for row in cursor.fetchall()}
