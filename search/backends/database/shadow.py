"""PostgreSQL full rebuild beside the live tables, swapped in at the end.

The live entry, facet and term tables keep serving searches and writes while their replacements
(``<table>_building``) fill: rows are streamed with ``COPY`` into an unlogged staging table, the text
vectors and the facet rows made by one set-based ``INSERT … SELECT``, and the other indexes and
constraints built once the rows are in (the live tables' own definitions, replayed): far cheaper than
keeping two GIN indexes up row by row. While the shadow exists every index write reaches it too
(``write_through_suffix``): a writer's copy is newer than the build's and stays (``ON CONFLICT DO
NOTHING``), and products deleted since the build began are removed before the swap. The swap is one
short transaction: the live tables are dropped, the shadow takes their names, and its indexes,
constraints and identity sequence take theirs. A failed build drops its shadow; a crashed one's is
dropped by the next rebuild.
"""
from __future__ import annotations

import hashlib
import logging
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from itertools import islice

from django.db import connection, connections, transaction

from search.backends.database import store
from search.documents import ProductDoc

ENTRY, FACET, TERM = "catalog_searchentry", "catalog_searchfacet", "catalog_searchterm"
TABLES = (ENTRY, FACET, TERM)
SUFFIX = "_building"
STAGING = "search_rebuild_staging"
log = logging.getLogger(__name__)
_STAGED = (*store.ENTRY_COLUMNS, "w_a", "w_b", "w_c", "w_d", "w_simple")


def write_through_suffix() -> str | None:
    """In a writer's transaction: hold the live entries against a swap (a swap waits for this transaction;
    a writer arriving during one waits, then finds the new tables) and say whether a shadow is filling,
    which must get this write too (its table suffix), or None."""
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {ENTRY} IN ROW EXCLUSIVE MODE")
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [ENTRY + SUFFIX])
        return SUFFIX if cursor.fetchone()[0] else None


def rebuild(engine, docs: Iterable[ProductDoc], *, progress=None, deleted=None) -> int:
    drop_shadow()  # a crashed rebuild's
    phases, started = {}, time.perf_counter()

    def done(phase: str) -> None:
        nonlocal started
        phases[phase], started = time.perf_counter() - started, time.perf_counter()

    try:
        _create()
        written = _fill(engine, docs, progress, done)
        _index()
        done("indexes")
        if deleted:  # deleted after the build read them: their copies may have landed after the delete
            with transaction.atomic():
                store.delete(engine, sorted(deleted()), suffix=SUFFIX)
        _swap()
        done("swap")
    except BaseException:
        drop_shadow()
        raise
    log.info("search rebuild of %d products: %s", written, ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()))
    return written


def drop_shadow() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {', '.join(t + SUFFIX for t in TABLES)}, {STAGING}")


def _create() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"CREATE TABLE {table}{SUFFIX} (LIKE {table} INCLUDING DEFAULTS INCLUDING IDENTITY "
                           "INCLUDING CONSTRAINTS)")
            # The primary keys from the start (the writers' replace and ON CONFLICT need them); the rest after the load.
            cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                           "AND contype = 'p'", [table])
            for (definition,) in cursor.fetchall():
                cursor.execute(f"ALTER TABLE {table}{SUFFIX} ADD CONSTRAINT {table}{SUFFIX}_pkey {definition}")
        cursor.execute(f"CREATE UNLOGGED TABLE {STAGING} ({', '.join(f'{c} text' for c in _STAGED)})")


def _fill(engine, docs: Iterable[ProductDoc], progress, done) -> int:
    """Documents are read and turned into rows by a thread of their own (its own connection) while this
    one has the database make each chunk's vectors: the two halves of the work overlap."""
    chunks: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()
    reader = threading.Thread(target=_read, args=(engine, docs, chunks, stop), name="search-rebuild-reader",
                              daemon=True)
    reader.start()
    written, vocabulary = 0, set()
    columns = ", ".join(store.ENTRY_COLUMNS)
    typed = ", ".join(f"s.{c}::{_TYPES.get(c, 'text')}" for c in store.ENTRY_COLUMNS)
    try:
        while (item := chunks.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            rows, words = item
            with transaction.atomic(), connection.cursor() as cursor:
                with cursor.cursor.copy(f"COPY {STAGING} ({', '.join(_STAGED)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                # Vectors and facet rows, set-based. An entry a writer put there meanwhile is newer and stays,
                # with its facets: only the inserted entries' facets are made (from their packed keys).
                cursor.execute(
                    f"WITH inserted AS (INSERT INTO {ENTRY}{SUFFIX} ({columns}, search_vector, suggest_vector) "  # noqa: S608
                    f"SELECT {typed}, {engine.staged_vector('s')}, to_tsvector('simple', s.w_simple) "
                    f"FROM {STAGING} s ON CONFLICT (product_id) DO NOTHING RETURNING product_id, facet_keys) "
                    f"INSERT INTO {FACET}{SUFFIX} (entry_id, field, value) SELECT i.product_id, "
                    "split_part(k, chr(31), 1), split_part(k, chr(31), 2) FROM inserted i, "
                    "regexp_split_to_table(i.facet_keys, '[' || chr(29) || chr(30) || ']') k WHERE k <> ''")
                cursor.execute(f"TRUNCATE {STAGING}")
            vocabulary |= words
            written += len(rows)
            if progress:
                progress(len(rows))
    finally:
        stop.set()
        reader.join(timeout=60)
    done("documents read, vectors and facets made")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {STAGING}")
        cursor.execute("CREATE TEMP TABLE search_terms_load (term text) ON COMMIT DROP")
        with cursor.cursor.copy("COPY search_terms_load (term) FROM STDIN") as copy:
            for term in sorted(vocabulary):
                copy.write_row((term,))
        cursor.execute(f"INSERT INTO {TERM}{SUFFIX} (term) SELECT term FROM search_terms_load ON CONFLICT DO NOTHING")
    return written


def _read(engine, docs: Iterable[ProductDoc], chunks: queue.Queue, stop: threading.Event) -> None:
    """The reader thread: (rows, vocabulary) per chunk, then None; an error is handed over as the item."""

    def put(item) -> bool:
        while not stop.is_set():
            try:
                chunks.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    try:
        iterator: Iterator[ProductDoc] = iter(docs)
        while chunk := list(islice(iterator, store.WRITE_CHUNK)):
            texts = {d.id: store.texts(d) for d in chunk}
            if not put(([store.entry_row(engine, d, texts[d.id]) for d in chunk], store.vocabulary(texts.values()))):
                return
        put(None)
    except BaseException as exc:  # noqa: BLE001  (handed to the rebuilding thread, which raises it)
        put(exc)
    finally:
        connections.close_all()  # this thread's own connection


_TYPES = {"product_id": "bigint", "domain_id": "bigint", "has_pii": "boolean", "quality_score": "double precision",
          "usage_count": "integer", "rank_boost": "double precision", "result": "jsonb"}


def _temp(name: str) -> str:
    """A name for the shadow's copy of ``name`` (63 characters at most, as PostgreSQL allows)."""
    return f"{name[:40]}_b{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def _index() -> None:
    """The live tables' other constraints and indexes, replayed on the shadow under temporary names."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table in TABLES:
            for name, definition in _constraints(cursor, table):
                cursor.execute(f'ALTER TABLE {table}{SUFFIX} ADD CONSTRAINT "{_temp(name)}" {definition}')
            for name, definition in _indexes(cursor, table):
                head, _, tail = definition.partition(" ON ")
                assert head.endswith(f"INDEX {name}"), definition
                table_ref, _, rest = tail.partition(" USING ")
                cursor.execute(f"{head.removesuffix(name)}{_temp(name)} ON {table_ref}{SUFFIX} USING {rest}")
            cursor.execute(f"ANALYZE {table}{SUFFIX}")


def _constraints(cursor, table: str) -> list[tuple[str, str]]:
    """Unique constraints (the primary key is made with the shadow; checks are copied with the columns)."""
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                   "AND contype = 'u' ORDER BY conname", [table])
    return cursor.fetchall()


def _indexes(cursor, table: str) -> list[tuple[str, str]]:
    """Indexes that no constraint owns."""
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
        "ORDER BY i.relname", [table])
    return cursor.fetchall()


def _swap() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(TABLES)} IN ACCESS EXCLUSIVE MODE")  # waits for writers and readers
        renames, constraints, sequences = [], [], []
        for table in TABLES:
            renames += [(_temp(name), name) for name, _ in _indexes(cursor, table)]
            constraints += [(table, _temp(name), name) for name, _ in _constraints(cursor, table)]
            cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'", [table])
            constraints += [(table, f"{table}{SUFFIX}_pkey", row[0]) for row in cursor.fetchall()]
            cursor.execute("SELECT a.attname, pg_get_serial_sequence(%s, a.attname), pg_get_serial_sequence(%s, a.attname) "
                           "FROM pg_attribute a WHERE a.attrelid = %s::regclass AND a.attidentity <> ''",
                           [table, table + SUFFIX, table])
            sequences += [(new, live) for _, live, new in cursor.fetchall()]
        cursor.execute(f"DROP TABLE {', '.join(TABLES)}")
        for table in TABLES:
            cursor.execute(f"ALTER TABLE {table}{SUFFIX} RENAME TO {table}")
        for table, temp, name in constraints:
            cursor.execute(f'ALTER TABLE {table} RENAME CONSTRAINT "{temp}" TO "{name}"')
        for temp, name in renames:
            cursor.execute(f'ALTER INDEX "{temp}" RENAME TO "{name}"')
        for new, live in sequences:
            cursor.execute(f"ALTER SEQUENCE {new} RENAME TO {live.rpartition('.')[2]}")
