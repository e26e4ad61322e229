"""One plain ``INSERT`` for the log's rows: what ``bulk_create`` does, for less.

Every write of the mesh appends here, so the ORM's per-call work (batching, compiling an insert
query) was a measurable share of a publish (``bench/audit.py``). Values are still prepared by the
model's own fields (``get_db_prep_save``), so they are stored exactly as the ORM would store them.

The ids come back by ``RETURNING`` on PostgreSQL. On SQLite (3.40) a ``RETURNING`` clause made
an insert into the log's table, with its eleven indexes, cost three to four times the CPU of the
same insert without it, so there the ids are read from ``lastrowid``: the rows of one ``INSERT``
into an ``AUTOINCREMENT`` table take consecutive ids (the statement holds the database's only
write lock), the last of them being ``lastrowid``. The statement and the fields' preparers are
built once per model, columns and (small) row count.
"""
from __future__ import annotations

from collections.abc import Sequence

from django.db import models

_statements: dict[tuple, tuple[str, list]] = {}


def _statement(connection, model: type[models.Model], columns: tuple[str, ...], count: int) -> tuple[str, list]:
    key = (model, columns, connection.vendor, count)
    found = _statements.get(key)
    if found is None:
        found = _build(model, columns, connection.vendor, connection.ops.quote_name, count)
        if count <= 16:  # a publish's batches; a bulk delete's hundred rows is built each time
            _statements[key] = found
    return found


def _build(model: type[models.Model], columns: tuple[str, ...], vendor: str, quote, count: int) -> tuple[str, list]:
    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608 - our names
           f"VALUES {', '.join([one] * count)}")
    if vendor != "sqlite":
        sql += f" RETURNING {quote(meta.pk.column)}"
    return sql, [(f.attname, f.get_db_prep_save) for f in fields]


def insert(connection, rows: Sequence[models.Model], columns: Sequence[str]) -> list[models.Model]:
    """Insert ``rows`` (unsaved instances of one model), set their primary keys, return them."""
    if not rows:
        return []
    sql, fields = _statement(connection, type(rows[0]), tuple(columns), len(rows))
    params = [prep(getattr(row, name), connection) for row in rows for name, prep in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if connection.vendor == "sqlite":
            last = cursor.lastrowid
            ids = [(pk,) for pk in range(last - len(rows) + 1, last + 1)]
        else:
            ids = cursor.fetchall()
    for row, (pk,) in zip(rows, ids, strict=True):
        row.pk = pk
        row._state.adding, row._state.db = False, connection.alias
    return list(rows)
