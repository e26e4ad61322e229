"""One multi-row ``INSERT … RETURNING id`` for the log's rows: what ``bulk_create`` does, for less.

Every write of the mesh appends here, so the ORM's per-call work (batching, compiling an insert
query) was a measurable share of a publish (``bench/audit.py``). Values are still prepared by the
model's own fields (``get_db_prep_save``), so they are stored exactly as the ORM would store them.
SQLite ≥ 3.35 and PostgreSQL both return the ids in the order of the rows.
"""
from __future__ import annotations

from collections.abc import Sequence

from django.db import models


def insert(connection, rows: Sequence[models.Model], columns: Sequence[str]) -> list[models.Model]:
    """Insert ``rows`` (unsaved instances of one model), set their primary keys, return them."""
    if not rows:
        return []
    meta = rows[0]._meta
    fields = [meta.get_field(name) for name in columns]
    quote = connection.ops.quote_name
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608 - our names
           f"VALUES {', '.join([one] * len(rows))} RETURNING {quote(meta.pk.column)}")
    params = [f.get_db_prep_save(getattr(row, f.attname), connection) for row in rows for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = cursor.fetchall()
    for row, (pk,) in zip(rows, ids, strict=True):
        row.pk = pk
        row._state.adding, row._state.db = False, connection.alias
    return list(rows)
