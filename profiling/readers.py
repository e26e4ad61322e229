"""Open a port's data as the DuckDB view ``port_data``, then lock the connection down.

Files (CSV, Parquet, JSON lines) stay on disk and are scanned by DuckDB. SQL tables (SQLite,
PostgreSQL) are streamed through their Python drivers into a DuckDB table, because the DuckDB
scanner extensions would have to be downloaded at run time. Once the data is attached the
connection may touch no other file: ``allowed_paths`` names the port's file alone,
``enable_external_access`` is off and the configuration is locked, so SQL run on it later
(quality rules) cannot read ``/etc/passwd`` or write anywhere.
"""
from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
from collections.abc import Iterator

import duckdb
from django.conf import settings

from catalog.locations import port_refusal
from profiling import sources
from profiling.errors import (
    LocationRefused,
    ProfilingError,
    QueryRefused,
    QueryTimeout,
    SourceUnreadable,
    UnsupportedSource,
)
from profiling.locations import checked_file

VIEW = "port_data"
FILE_FORMATS = {"csv", "parquet", "jsonl"}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def new_connection(*, memory_limit: str | None = None, threads: int | None = None,
                   temp_directory: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that never downloads extensions and spills to a private temp folder."""
    config = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "memory_limit": memory_limit or settings.MESHPORT_PROFILE_MEMORY_LIMIT,
        "threads": threads or settings.MESHPORT_PROFILE_THREADS,
        "temp_directory": temp_directory or tempfile.mkdtemp(prefix="meshport-duckdb-"),
        "preserve_insertion_order": False,
    }
    con = duckdb.connect(":memory:", config=config)
    con.execute("SET enable_progress_bar = false")  # a session option: keeps worker logs clean
    return con


def _csv_source(path, server: dict) -> str:
    options = ["auto_detect = true", "sample_size = 20480"]
    if server.get("delimiter"):
        options.append(f"delim = {_literal(str(server['delimiter']))}")
    header = server.get("header")
    if header is not None:
        options.append(f"header = {'true' if header else 'false'}")
    return f"read_csv({_literal(str(path))}, {', '.join(options)})"


def _file_source(fmt: str, path, server: dict) -> str:
    if fmt == "csv":
        return _csv_source(path, server)
    if fmt == "parquet":
        return f"read_parquet({_literal(str(path))})"
    return f"read_json({_literal(str(path))}, format = 'newline_delimited')"


def _check_delimiter(con: duckdb.DuckDBPyConnection, fmt: str) -> None:
    """A CSV read as one column whose name holds another delimiter was split on the wrong one."""
    if fmt != "csv":
        return
    names = [row[0] for row in con.execute(f"DESCRIBE {VIEW}").fetchall()]
    if len(names) == 1:
        found = [d for d in (";", "|", "\t", ",") if d in names[0]]
        if found:
            raise SourceUnreadable(
                f"the CSV was read as one column {names[0][:60]!r}: wrong delimiter? ({found[0]!r} found in the header)"
            )


def attach_file(con: duckdb.DuckDBPyConnection, *, location: str, fmt: str, server: dict | None = None) -> str:
    """Create the ``port_data`` view over a checked file; return the path allowed for reading."""
    path = checked_file(location)
    with translated_errors(f"cannot read {path.name} as {fmt}"):
        # The path is resolved, checked against the roots and quoted as a literal.
        con.execute(f"CREATE VIEW {VIEW} AS SELECT * FROM {_file_source(fmt, path, server or {})}")  # noqa: S608
        con.execute(f"DESCRIBE {VIEW}").fetchall()
        _check_delimiter(con, fmt)
    return str(path)


def lock_down(con: duckdb.DuckDBPyConnection, allowed_paths: list[str]) -> None:
    """From here on the connection reads only ``allowed_paths`` and cannot change its settings."""
    con.execute(f"SET allowed_paths = [{', '.join(_literal(p) for p in allowed_paths)}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def attach_port(con: duckdb.DuckDBPyConnection, port) -> list[str]:
    """Attach ``port``'s data as ``port_data``; return the file paths the view needs to read."""
    refusal = port_refusal(port)  # data belongs to a domain, whichever path wrote the port
    if refusal:
        raise LocationRefused(refusal)
    fmt = (port.format or "").lower()
    if fmt in FILE_FORMATS:
        return [attach_file(con, location=port.location or port.server.get("path", ""), fmt=fmt, server=port.server)]
    if fmt == "table" or port.kind == "table":
        sources.load_table(con, port, VIEW)
        return []
    raise UnsupportedSource(f"no reader for format {port.format!r} (kind {port.kind!r})")


@contextlib.contextmanager
def port_connection(port, **options) -> Iterator[duckdb.DuckDBPyConnection]:
    """A locked-down DuckDB connection in which ``port_data`` is the port's data."""
    spill = tempfile.mkdtemp(prefix="meshport-duckdb-")
    con = new_connection(temp_directory=spill, **options)
    try:
        lock_down(con, attach_port(con, port))
        yield con
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)  # spilled blocks of a copied table can be large


@contextlib.contextmanager
def translated_errors(context: str) -> Iterator[None]:
    """Turn DuckDB's errors into a ``ProfilingError`` whose text says what went wrong."""
    try:
        yield
    except ProfilingError:
        raise
    except duckdb.InterruptException as exc:
        raise QueryTimeout(f"{context}: interrupted (time limit)") from exc
    except duckdb.OutOfMemoryException as exc:
        raise SourceUnreadable(f"{context}: out of memory") from exc
    except duckdb.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SourceUnreadable(f"{context}: {first_line}") from exc


@contextlib.contextmanager
def time_limit(con: duckdb.DuckDBPyConnection, seconds: float) -> Iterator[None]:
    """Interrupt whatever ``con`` runs once ``seconds`` have passed (DuckDB has no statement timeout)."""
    fired = threading.Event()

    def interrupt() -> None:
        fired.set()
        con.interrupt()

    timer = threading.Timer(seconds, interrupt)
    timer.daemon = True
    timer.start()
    try:
        yield
    except duckdb.Error as exc:
        if fired.is_set():
            raise QueryTimeout(f"the query ran past its {seconds:g} s time limit") from exc
        raise
    finally:
        timer.cancel()


def run_query(con: duckdb.DuckDBPyConnection, sql: str, *, seconds: float | None = None, params=None) -> list[tuple]:
    """Run one read-only SELECT on a locked-down connection, within a time limit."""
    statements = duckdb.extract_statements(sql)
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise QueryRefused("a rule must be a single SELECT statement")
    with time_limit(con, seconds or settings.MESHPORT_QUERY_TIME_LIMIT), translated_errors("the query failed"):
        try:
            return con.execute(sql, params or []).fetchall()
        except duckdb.PermissionException as exc:
            raise QueryRefused(f"refused: {str(exc).splitlines()[0]}") from exc
