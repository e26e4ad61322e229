"""Which output port an OpenLineage dataset is: by the port's server and location, or explicitly.

Rules (OpenLineage naming, see standards.md):
- a ``local`` server (or a file port) with a path: namespace ``file``, name = the path;
- a ``postgres`` server: namespace ``postgres://{host}:{port}``, name ``{database}.{schema}.{table}``
  (the table from the port's ``schema.table`` location, else its contract schema object);
- a ``duckdb`` server (no OpenLineage convention yet; ours): namespace ``duckdb://{database file}``,
  name = the port's ``schema.table`` location;
- an ``api`` server (ours too): namespace ``{scheme}://{host}``, name = the URL's path;
- a ``DatasetPortMapping`` row overrides all of these.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from catalog.models import OutputPort
from lineage.models import DatasetPortMapping
from lineage.selectors.sql import one

Address = tuple[str, str]


def _postgres_address(port: OutputPort) -> Address | None:
    server = port.server or {}
    host, number, database = server.get("host"), server.get("port", 5432), server.get("database")
    if not (host and database):
        return None
    location = port.location or ""
    if location.count(".") == 1:
        schema, table = location.split(".")
    else:
        schema, table = server.get("schema") or "public", location or port.schema_object
    if not table:
        return None
    return f"postgres://{host}:{number}", f"{database}.{schema}.{table}"


def port_address(port: OutputPort) -> Address | None:
    """The dataset address of a port, or None when nothing names it."""
    mapping = one(DatasetPortMapping.objects.filter(port=port))
    if mapping is not None:
        return mapping.namespace, mapping.name
    server = port.server or {}
    kind = (server.get("type") or port.server_type or "").lower()
    if kind == "postgres":
        return _postgres_address(port)
    if kind == "duckdb" and server.get("database") and port.location:
        return f"duckdb://{server['database']}", port.location
    if kind == "api" and port.location:
        url = urlsplit(port.location)
        return (f"{url.scheme}://{url.netloc}", url.path or "/") if url.scheme and url.netloc else None
    path = server.get("path") or (port.location if port.kind == OutputPort.Kind.FILE else "")
    if kind in {"local", ""} and path:
        return "file", path
    return None


def match_port(namespace: str, name: str) -> OutputPort | None:
    """The output port a newly seen dataset address belongs to, if any."""
    mapping = one(DatasetPortMapping.objects.filter(namespace=namespace, name=name).select_related("port"))
    if mapping is not None:
        return mapping.port
    if namespace == "file":
        candidates = OutputPort.objects.filter(location=name) | OutputPort.objects.filter(server__path=name)
    elif namespace.startswith("postgres://") and name.count(".") == 2:
        database, schema, table = name.split(".")
        candidates = OutputPort.objects.filter(location__in=[f"{schema}.{table}", table]) | \
            OutputPort.objects.filter(schema_object=table)
    elif namespace.startswith("duckdb://"):
        candidates = OutputPort.objects.filter(location=name, server_type="duckdb")
    elif "://" in namespace:
        candidates = OutputPort.objects.filter(location=f"{namespace}{name}", server_type="api")
    else:
        return None
    for port in candidates.select_related("product").order_by("pk"):
        if port_address(port) == (namespace, name):
            return port
    return None
