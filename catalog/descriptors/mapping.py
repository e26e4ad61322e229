"""How ODPS and ODCS documents map onto catalog rows: pure functions, no database writes.

Each ``*_fields`` function returns the field values a row should have, so the import service
can compare them with what is stored and write only the differences. The decisions:

- product: ODPS ``id`` → ``external_id``; slug from customProperties ``slug``, else the name
  slugified with ``_`` (fixed once created); status proposed/draft → draft, active → published,
  deprecated, retired; visibility from customProperties ``visibility`` (default public);
  ``description.purpose`` fills both ``description`` and ``purpose``.
- output port: ODPS ``type`` → kind (else from the server type, ``servers.KINDS``); the
  contract's prod server (else its first) gives server, server_type, format and location;
  columns come from the contract's schema object named like the port (else the first). A port
  whose contract is not in the catalog yet is kept with its ``contract_ref`` and no server, and
  listed in ``DataProduct.flags["contract_pending"]`` until that contract is imported.
- SLOs: each contract's latency/freshness (d/h/m) and availability; a product promises the
  weakest of its ports' contracts (largest hours, lowest availability).
- contracts are stored with local and DuckDB paths made absolute (against the descriptor's
  folder, or the first data root for API payloads), so the stored document says where data is.
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path

from django.conf import settings
from django.utils.text import slugify

from standards import servers

STATUS_MAP = {
    "proposed": "draft",
    "draft": "draft",
    "active": "published",
    "deprecated": "deprecated",
    "retired": "retired",
}
# Export writes the first ODPS status that maps onto a catalog status.
STATUS_EXPORT = {"draft": "draft", "published": "active", "deprecated": "deprecated", "retired": "retired"}
VISIBILITIES = ("public", "internal", "restricted")
CLASSIFICATIONS = ("public", "internal", "confidential", "pii", "restricted")
PROD_ENVIRONMENTS = ("prod", "production")

FILE_FORMATS = servers.FILE_FORMATS
PORT_TYPES = {
    "tables": "table", "table": "table", "files": "file", "file": "file",
    "api": "api", "apis": "api", "stream": "stream", "streams": "stream", "topic": "stream", "topics": "stream",
}
# Where a table server names its schema (the first key it has); tables are located as schema.table.
SCHEMA_KEYS = ("schema", "dataset", "database")
DEFAULT_SCHEMAS = {"postgres": "public", "postgresql": "public", "duckdb": "main"}
PENDING_FLAG = "contract_pending"
# A copied descriptor's data locations (``catalog.descriptors.starters``): to be replaced before it imports.
NEW_LOCATION = "<choose a new location>"
LOCATION_FIELDS = ("path", "location", "database", "stream", "dataset", "catalog")  # where a server's data is
HOUR_UNITS = {
    "m": 1 / 60, "min": 1 / 60, "minute": 1 / 60, "minutes": 1 / 60,
    "h": 1.0, "hr": 1.0, "hour": 1.0, "hours": 1.0,
    "d": 24.0, "day": 24.0, "days": 24.0,
}
FRESHNESS_PROPERTIES = {"latency", "freshness"}


def document_hash(doc: dict) -> str:
    """A canonical hash: the same content gives the same hash whatever its key order or format."""
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def dict_list(value) -> list[dict]:
    """The dict items of a list, tolerating documents the schema has already rejected."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def text(value) -> str:
    return value if isinstance(value, str) else ""


def custom_properties(doc: dict) -> dict:
    return {p["property"]: p.get("value") for p in dict_list(doc.get("customProperties")) if "property" in p}


# --- product -----------------------------------------------------------------------------------


def product_slug(doc: dict) -> str:
    """The slug asked for in customProperties, else the name slugified with ``_`` separators."""
    asked = custom_properties(doc).get("slug")
    if isinstance(asked, str) and asked:
        return asked
    return slugify(text(doc.get("name"))).replace("-", "_")


def product_visibility(doc: dict) -> str:
    return str(custom_properties(doc).get("visibility") or "public")


def product_fields(doc: dict) -> dict:
    """DataProduct field values from an ODPS document (slug, domain and ids excepted)."""
    description = doc.get("description") if isinstance(doc.get("description"), dict) else {}
    team = doc.get("team") if isinstance(doc.get("team"), dict) else {}
    return {
        "name": text(doc.get("name")) or text(doc.get("id")),
        "version": text(doc.get("version")),
        "status": STATUS_MAP.get(text(doc.get("status")), "draft"),
        "visibility": product_visibility(doc),
        "description": text(description.get("purpose")),
        "purpose": text(description.get("purpose")),
        "limitations": text(description.get("limitations")),
        "usage": text(description.get("usage")),
        "team_name": text(team.get("name")),
        "support": dict_list(doc.get("support")),
        "custom_properties": custom_properties(doc),
        "descriptor": doc,
        "descriptor_hash": document_hash(doc),
    }


def product_tags(doc: dict) -> list[str]:
    tags = doc.get("tags") if isinstance(doc.get("tags"), list) else []
    return sorted({t.strip() for t in tags if isinstance(t, str) and t.strip()})


def team_members(doc: dict) -> list[dict]:
    team = doc.get("team") if isinstance(doc.get("team"), dict) else {}
    return [
        {"username": m["username"], "name": text(m.get("name")), "role": text(m.get("role"))}
        for m in dict_list(team.get("members"))
        if isinstance(m.get("username"), str)
    ]


# --- contracts ---------------------------------------------------------------------------------


def contract_fields(doc: dict) -> dict:
    return {
        "name": text(doc.get("name")),
        "version": text(doc.get("version")),
        "status": text(doc.get("status")),
        "api_version": text(doc.get("apiVersion")),
        "document": doc,
        "document_hash": document_hash(doc),
    }


def resolve_path(raw: str, base_dir: Path | None) -> Path:
    """A server path made absolute: against the descriptor's folder, else the first data root."""
    path = Path(raw).expanduser()
    if not path.is_absolute():
        path = (base_dir or Path(settings.MESHPORT_DATA_ROOTS[0])) / path
    return path.resolve()


def under_data_roots(path: Path) -> bool:
    return any(path.is_relative_to(Path(root)) for root in settings.MESHPORT_DATA_ROOTS)


def normalise_contract(doc: dict, base_dir: Path | None) -> dict:
    """The contract with local file and DuckDB paths made absolute, as it is stored."""
    doc = copy.deepcopy(doc)
    for server in dict_list(doc.get("servers")):
        key = {"local": "path", "duckdb": "database"}.get(server.get("type"))
        if key and isinstance(server.get(key), str) and server[key]:
            server[key] = str(resolve_path(server[key], base_dir))
    return doc


def pick_server(contract_doc: dict) -> dict:
    """The server a port reads from: the production one, else the first listed."""
    servers = dict_list(contract_doc.get("servers"))
    for server in servers:
        if str(server.get("environment", "")).lower() in PROD_ENVIRONMENTS:
            return server
    return servers[0] if servers else {}


def schema_object(contract_doc: dict, name: str = "") -> dict:
    """The contract's schema object for a port: named like it (else physically named so), else the first.

    The one lookup of a contract's object: the import, the observed-schema check and the quality
    rules all read a port's columns and rules through it.
    """
    objects = [o for o in dict_list(contract_doc.get("schema")) if isinstance(o.get("name"), str)]
    for key in ("name", "physicalName"):
        for obj in objects:
            if name and obj.get(key) == name:
                return obj
    return objects[0] if objects else {}


def port_fields(port: dict, contract_doc: dict | None) -> dict:
    """OutputPort field values from an ODPS output port and the contract it points at."""
    contract_doc = contract_doc or {}
    server = pick_server(contract_doc)
    obj = schema_object(contract_doc, text(port.get("name")))
    server_type = text(server.get("type"))
    return {
        "description": text(port.get("description")),
        "kind": port_kind(text(port.get("type")), server_type),
        "format": port_format(server),
        "location": port_location(server, obj),
        "server_type": server_type,
        "server": server,
        "contract_ref": text(port.get("contractId")),
        "schema_object": text(obj.get("name")),
    }


def port_kind(port_type: str, server_type: str) -> str:
    return PORT_TYPES.get(port_type.lower()) or servers.kind_of(server_type)


def port_format(server: dict) -> str:
    """``table`` for table servers, the file format for file servers, the wire format otherwise."""
    server_type = text(server.get("type"))
    raw = text(server.get("format")).lower()
    kind = servers.kind_of(server_type)
    if kind == servers.TABLE and (server_type in DEFAULT_SCHEMAS or not raw):
        return "table" if server_type else ""
    if kind in (servers.FILE, servers.TABLE):
        return FILE_FORMATS.get(raw, raw)
    return raw or "json"


def port_location(server: dict, obj: dict) -> str:
    """An absolute path for files, ``schema.table`` for tables, a URL, topic or stream otherwise."""
    server_type = text(server.get("type"))
    table = text(obj.get("physicalName")) or text(obj.get("name"))
    if server_type == "local":
        return text(server.get("path"))
    if text(server.get("location")):
        return text(server["location"])
    if servers.kind_of(server_type) == servers.STREAM:
        return text(server.get("stream")) or table
    return ".".join(part for part in (_schema_of(server, server_type), table) if part)


def _schema_of(server: dict, server_type: str) -> str:
    if server_type in DEFAULT_SCHEMAS:  # a DuckDB server's "database" is its file, not a schema
        return text(server.get("schema")) or DEFAULT_SCHEMAS[server_type]
    return next((text(server[key]) for key in SCHEMA_KEYS if text(server.get(key))), "")


def column_rows(obj: dict) -> list[dict]:
    """Column field values from a schema object's top-level properties, in order."""
    rows = []
    for position, prop in enumerate(dict_list(obj.get("properties"))):
        if not isinstance(prop.get("name"), str):
            continue
        classification = text(prop.get("classification")).lower()
        rows.append({
            "name": prop["name"],
            "position": position,
            "logical_type": text(prop.get("logicalType")),
            "physical_type": text(prop.get("physicalType")),
            "description": text(prop.get("description")),
            "required": prop.get("required") is True,
            "unique": prop.get("unique") is True,
            "primary_key": prop.get("primaryKey") is True,
            "classification": classification if classification in CLASSIFICATIONS else "",
            "critical": prop.get("criticalDataElement") is True,
        })
    return rows


def pending_contracts(ports: list[dict], contracts: dict) -> dict[str, str]:
    """``name@version`` → contractId of each output port whose contract is not in ``contracts``."""
    return {
        f"{p.get('name')}@{p.get('version')}": p["contractId"]
        for p in ports if isinstance(p.get("contractId"), str) and p["contractId"] not in contracts
    }


def product_flags(flags: dict | None, pending: dict[str, str]) -> dict:
    """The product's flags with ``contract_pending`` brought up to date; other flags are kept."""
    kept = {key: value for key, value in (flags or {}).items() if key != PENDING_FLAG}
    return {**kept, PENDING_FLAG: pending} if pending else kept


# --- service levels ----------------------------------------------------------------------------


def as_number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*%?\s*", value)
        return float(match.group(1)) if match else None
    return None


def freshness_hours(sla: dict) -> float | None:
    number = as_number(sla.get("value"))
    factor = HOUR_UNITS.get(text(sla.get("unit")).lower() or "h")
    return None if number is None or factor is None else number * factor


def contract_slos(contract_doc: dict) -> tuple[float | None, float | None]:
    """(freshness in hours, availability in percent) promised by a contract's slaProperties."""
    hours = availability = None
    for sla in dict_list(contract_doc.get("slaProperties")):
        prop = text(sla.get("property")).lower()
        if prop in FRESHNESS_PROPERTIES:
            hours = freshness_hours(sla)
        elif prop == "availability":
            availability = as_number(sla.get("value"))
    return hours, availability


def product_slos(contract_docs: list[dict]) -> dict:
    """What a product promises as a whole: the weakest promise among its ports' contracts."""
    pairs = [contract_slos(doc) for doc in contract_docs]
    hours = [h for h, _ in pairs if h is not None]
    availability = [a for _, a in pairs if a is not None]
    return {
        "freshness_slo_hours": max(hours) if hours else None,
        "availability_slo": min(availability) if availability else None,
    }
