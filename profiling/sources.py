"""SQL table ports: copy the port's table into the profiling connection's own DuckDB table.

SQLite and PostgreSQL rows are streamed through their drivers in batches; a DuckDB database
file is attached read-only, its one table copied, and detached again, so later SQL on the
connection cannot reach the file's other tables.

DuckDB's sqlite and postgres scanners are extensions fetched on first use, and Meshport never
downloads at run time; the drivers stream instead, so memory stays one batch wide on our side
while DuckDB spills its table to its temp folder past its memory limit.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

import duckdb
import pyarrow as pa
from django.conf import settings

from profiling.errors import LocationRefused, SourceUnavailable, SourceUnreadable, UnsupportedSource
from profiling.locations import checked_file

BATCH_ROWS = 50_000


def _split_table(location: str, default_schema: str) -> tuple[str, str]:
    parts = [p.strip().strip('"') for p in (location or "").split(".") if p.strip()]
    if not parts or len(parts) > 2:
        raise LocationRefused(f"table location {location!r} must be 'table' or 'schema.table'")
    return (parts[0], parts[1]) if len(parts) == 2 else (default_schema, parts[0])


def _batch_table(names: list[str], rows: list[tuple]) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    arrays = []
    for values in columns:
        try:
            array = pa.array(list(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types in a SQLite column
            array = pa.array([None if v is None else str(v) for v in values], type=pa.string())
        if pa.types.is_null(array.type):
            array = array.cast(pa.string())
        elif pa.types.is_decimal(array.type):  # a batch's precision would bind the whole table
            array = array.cast(pa.float64())
        arrays.append(array)
    return pa.Table.from_arrays(arrays, names=names)


def stream_into(con: duckdb.DuckDBPyConnection, view: str, names: list[str], batches: Iterable[list[tuple]]) -> None:
    """Create table ``view`` from the first batch and append the rest (DuckDB casts as needed)."""
    created = False
    for rows in batches:
        con.register("_meshport_batch", _batch_table(names, rows))
        verb = f"INSERT INTO {view}" if created else f"CREATE TABLE {view} AS"
        con.execute(f"{verb} SELECT * FROM _meshport_batch")  # noqa: S608 - our own table names
        con.unregister("_meshport_batch")
        created = True
    if not created:
        columns = ", ".join(f'"{n.replace(chr(34), "")}" VARCHAR' for n in names)
        con.execute(f"CREATE TABLE {view} ({columns})")


def _fetch_batches(cursor) -> Iterator[list[tuple]]:
    while rows := cursor.fetchmany(BATCH_ROWS):
        yield rows


def _load_sqlite(con, port, view: str) -> None:
    path = checked_file(port.server.get("path") or port.server.get("database") or "")
    _schema, table = _split_table(port.location, "main")
    uri = f"file:{path}?mode=ro"
    try:
        db = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise SourceUnavailable(f"cannot open SQLite database {path.name}: {exc}") from exc
    try:
        cursor = db.execute(f'SELECT * FROM "{table.replace(chr(34), "")}"')  # noqa: S608 - quoted identifier
        names = [d[0] for d in cursor.description]
        stream_into(con, view, names, _fetch_batches(cursor))
    except sqlite3.DatabaseError as exc:
        raise SourceUnreadable(f"cannot read table {table!r} from {path.name}: {exc}") from exc
    finally:
        db.close()


def _pg_connect(server: dict):
    import psycopg

    host = str(server.get("host") or "")
    if host not in settings.MESHPORT_SQL_HOSTS:
        raise LocationRefused(f"PostgreSQL host {host!r} is not in MESHPORT_SQL_HOSTS")
    credentials = settings.MESHPORT_SQL_CREDENTIALS.get(f"{host}:{server.get('port', 5432)}", {})
    try:
        conn = psycopg.connect(
            host=host, port=int(server.get("port") or 5432), dbname=server.get("database", ""),
            user=credentials.get("user", "postgres"), password=credentials.get("password"), connect_timeout=5,
            options=f"-c statement_timeout={int(settings.MESHPORT_QUERY_TIME_LIMIT * 1000)}",
        )
    except psycopg.OperationalError as exc:
        raise SourceUnavailable(f"cannot connect to PostgreSQL at {host}: {str(exc).strip()[:200]}") from exc
    conn.read_only = True
    return conn


def _load_postgres(con, port, view: str) -> None:
    import psycopg
    from psycopg import sql

    schema, table = _split_table(port.location, str(port.server.get("schema") or "public"))
    with _pg_connect(port.server) as conn, conn.transaction():
        try:
            with conn.cursor(name="meshport_profile") as cursor:  # server side: rows arrive in batches
                cursor.itersize = BATCH_ROWS
                cursor.execute(sql.SQL("SELECT * FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))
                first = cursor.fetchmany(BATCH_ROWS)
                names = [d.name for d in cursor.description]
                stream_into(con, view, names, _chain(first, _fetch_batches(cursor)))
        except psycopg.errors.UndefinedTable as exc:
            raise SourceUnavailable(f"table {schema}.{table} does not exist") from exc
        except psycopg.Error as exc:
            raise SourceUnreadable(f"cannot read {schema}.{table}: {str(exc).strip()[:200]}") from exc


def _chain(first: list[tuple], rest: Iterator[list[tuple]]) -> Iterator[list[tuple]]:
    if first:
        yield first
        yield from rest


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _load_duckdb(con, port, view: str) -> None:
    """Copy the table out of a DuckDB database file, then detach it: rules see this table only."""
    path = checked_file(port.server.get("path") or port.server.get("database") or "")
    schema, table = _split_table(port.location, str(port.server.get("schema") or "main"))
    try:
        con.execute(f"ATTACH '{str(path).replace(chr(39), chr(39) * 2)}' AS port_source (READ_ONLY)")
    except duckdb.Error as exc:
        raise SourceUnavailable(f"cannot open DuckDB database {path.name}: {str(exc).splitlines()[0]}") from exc
    try:
        con.execute(f"CREATE TABLE {view} AS SELECT * FROM port_source.{_quoted(schema)}.{_quoted(table)}")  # noqa: S608
    except duckdb.CatalogException as exc:
        raise SourceUnavailable(f"table {schema}.{table} does not exist in {path.name}") from exc
    except duckdb.Error as exc:
        raise SourceUnreadable(f"cannot read {schema}.{table} from {path.name}: {str(exc).splitlines()[0]}") from exc
    finally:
        con.execute("DETACH DATABASE IF EXISTS port_source")


def load_table(con: duckdb.DuckDBPyConnection, port, view: str) -> None:
    """Copy the table named by ``port.location`` into DuckDB table ``view``."""
    server_type = (port.server_type or port.server.get("type") or "").lower()
    if server_type == "sqlite":
        return _load_sqlite(con, port, view)
    if server_type in {"postgres", "postgresql"}:
        return _load_postgres(con, port, view)
    if server_type == "duckdb":
        return _load_duckdb(con, port, view)
    raise UnsupportedSource(f"no reader for tables on server type {server_type!r}")
