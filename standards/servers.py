"""The catalogue of ODCS server types: what kind of port each one serves, and which ones Meshport reads.

A contract is valid whatever server it names (ODCS v3.0–v3.2 list over forty types), so every type
is catalogued and its ports are kept. Only the profiler is limited: it reads local files, DuckDB
and PostgreSQL. A port elsewhere is listed as "not profiled: Meshport cannot read azure" — this
module says so once, for the profiler, the API and the product page alike.
"""
from __future__ import annotations

FILE = "file"
TABLE = "table"
API = "api"
STREAM = "stream"

# Every server type of the ODCS schemas Meshport ships (v3.0.0 – v3.1.0) and of v3.2.0.
KINDS = {
    "local": FILE, "s3": FILE, "azure": FILE, "sftp": FILE,
    "api": API,
    "kafka": STREAM, "kinesis": STREAM, "pubsub": STREAM,
    **dict.fromkeys((
        "athena", "bigquery", "btrieve", "clickhouse", "cloudsql", "databricks", "db2", "denodo", "dremio",
        "duckdb", "exasol", "fastobjects", "glue", "hana", "hive", "iceberg", "impala", "informix", "ingres",
        "mysql", "oracle", "poet", "postgres", "postgresql", "presto", "redshift", "snowflake", "sqlserver",
        "synapse", "teradata", "trino", "vectorwise", "versant", "vertica", "zen",
    ), TABLE),
    "custom": TABLE,  # anything; the port's own ODPS type usually says better
}
# What the profiler reads ("sqlite" is Meshport's own, for ports made outside descriptors).
READABLE = {"local", "duckdb", "postgres", "postgresql", "sqlite"}
# File formats the profiler reads, as a server's ``format`` spells them → the port's format.
FILE_FORMATS = {"csv": "csv", "parquet": "parquet", "json": "jsonl", "jsonl": "jsonl", "ndjson": "jsonl"}

NOT_PROFILED = "not_profiled"
CONTRACT_PENDING = "contract_pending"
OK = "ok"


def kind_of(server_type: str) -> str:
    return KINDS.get(server_type, TABLE)


def unread_reason(server_type: str, fmt: str = "") -> str:
    """Why Meshport does not profile data on this server, or "" when it does (or cannot tell)."""
    server_type = (server_type or "").lower()
    if server_type and server_type not in READABLE:
        return f"not profiled: Meshport cannot read {server_type}"
    if server_type == "local" and fmt and fmt.lower() not in set(FILE_FORMATS.values()):
        return f"not profiled: Meshport cannot read {fmt} files"
    return ""


def port_status(port) -> tuple[str, str]:
    """(status, reason) of an output port: contract pending, not profiled, or ok."""
    if port.contract_id is None and port.contract_ref:
        return CONTRACT_PENDING, f"contract pending: {port.contract_ref!r} is not in the catalog yet"
    reason = unread_reason(port.server_type, port.format)
    return (NOT_PROFILED, reason) if reason else (OK, "")
