"""Recursive graph walks in SQL, written once for SQLite and PostgreSQL.

Rows carry ``(node, depth)`` and the CTE uses ``UNION``, so a node is expanded at most once per
depth: cycles end at the depth limit. Both engines evaluate the recursion breadth first, so the
first row for a node carries its shortest distance, and an outer ``LIMIT`` stops the walk early
instead of computing the whole closure.
"""
from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connection


def id_list_sql(ids: Iterable[int]) -> tuple[str, list]:
    """A sub-select yielding ``ids``, bound as one parameter whatever their number."""
    ids = [int(i) for i in ids]
    if connection.vendor == "postgresql":
        return "SELECT unnest(%s::bigint[]) AS v", [ids]
    return "SELECT value AS v FROM json_each(%s)", [json.dumps(ids)]


# table, column followed from a node, column reached
_DIRECTIONS = {
    "downstream": ("source_id", "target_id"),
    "upstream": ("target_id", "source_id"),
}


def walk(
    table: str, seeds: Iterable[int], *, direction: str, depth: int, row_limit: int, stop_column: str = ""
) -> list[tuple[int, int]]:
    """``(node, depth)`` rows reachable from ``seeds`` along ``table``'s edges, nearest first.

    ``stop_column``: nodes (other than the seeds) whose row in ``lineage_dataset`` has that column set
    are reached but not expanded (used to stop at datasets that belong to a product).
    """
    here, there = _DIRECTIONS[direction]
    seed_sql, params = id_list_sql(seeds)
    stop_join = stop_where = ""
    if stop_column:
        stop_join = "JOIN lineage_dataset d ON d.id = w.node"
        stop_where = f"AND (w.depth = 0 OR d.{stop_column} IS NULL)"
    sql = f"""
        WITH RECURSIVE w(node, depth) AS (
            SELECT s.v, 0 FROM ({seed_sql}) AS s
            UNION
            SELECT e.{there}, w.depth + 1 FROM w
            JOIN {table} e ON e.{here} = w.node {stop_join}
            WHERE w.depth < %s {stop_where}
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
    ids = list(ids)
    if not ids:
        return []
    sub, params = id_list_sql(ids)
    sql = f"""
        SELECT DISTINCT source_id, target_id FROM {table}
        WHERE source_id IN (SELECT v FROM ({sub}) AS a) AND target_id IN (SELECT v FROM ({sub}) AS b)
    """  # noqa: S608 -- the table name is ours, values are bound
    with connection.cursor() as cursor:
        cursor.execute(sql, params + params)
        return cursor.fetchall()
