"""Data belongs to a domain: which locations a domain's products may publish, and who holds each one.

Three rules keep one domain from republishing another's data under its own visibility:

1. **A domain's locations.** A domain owns the folder named by its slug under each of
   ``MESHPORT_DOMAIN_FOLDERS`` (by default the data roots and the demo folder), plus the
   prefixes ``MESHPORT_DOMAIN_LOCATIONS`` gives it (``{"finance": ["/srv/finance",
   "postgres://db:5432/warehouse/finance", "s3://lake/finance/"]}``). Files, SQLite and DuckDB
   databases must lie in its folders; PostgreSQL tables (which the profiler reads) in its configured
   prefixes, else in the schema named like the domain. Locations Meshport cannot read (other SQL
   engines, object stores, APIs, topics) are held to the prefixes configured for their scheme,
   when there are any, and to rule 3.
2. **A domain's contracts.** An output port publishes only a contract of its own domain: the
   contract's ``domain``, else the domain of the product that published it first (recorded
   then). Another domain's contract may appear only as an input port.
3. **One location, one product.** ``LocationClaim`` rows hold each normalised location for one
   product; a second product naming it is refused with both named, and the unique index keeps
   two racing imports from both succeeding.

Profiling asks ``port_refusal`` again before it reads, so a port written by any other path
(admin, an old database) still cannot read outside its domain.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction

FILE_SERVERS = {"local", "file", "files"}
DATABASE_FILE_SERVERS = {"sqlite", "duckdb"}
# SQL servers the profiler connects to: without configured prefixes, a domain's tables are its schema's.
READ_SQL_SERVERS = {"postgres", "postgresql"}


def _is_table_server(server_type: str) -> bool:
    from standards.servers import TABLE, kind_of

    return kind_of(server_type) == TABLE and server_type != "custom"


@dataclass(frozen=True)
class Problem:
    """Why one output port may not be published as it is."""

    port: object  # OutputPort
    field: str  # the descriptor field to blame: "contractId" or "location"
    message: str


# --- a domain's locations ----------------------------------------------------------------------


def domain_folders(domain) -> list[Path]:
    """The folders whose files a domain's products may publish (``Domain.data_locations`` included)."""
    parents = settings.MESHPORT_DOMAIN_FOLDERS
    if parents is None:  # the default: each data root and the demo folder
        parents = [*settings.MESHPORT_DATA_ROOTS, settings.MESHPORT_DEMO_DATA_DIR]
    folders = [Path(parent) / domain.slug for parent in parents]
    folders += [Path(p) for p in configured_prefixes(domain) if p.startswith("/")]
    return [f.resolve() for f in folders]


def configured_prefixes(domain) -> list[str]:
    """What the environment (``MESHPORT_DOMAIN_LOCATIONS``) and the domain's own row assign it."""
    stored = domain.data_locations or []
    return [*settings.MESHPORT_DOMAIN_LOCATIONS.get(domain.slug, []), *(p for p in stored if isinstance(p, str))]


def _database_path(port) -> str:
    return str(port.server.get("path") or port.server.get("database") or "")


def location_key(port) -> str | None:
    """The port's location, normalised so two spellings of one place compare equal; None: none."""
    server_type = (port.server_type or port.server.get("type") or "").lower()
    location = (port.location or "").strip()
    if server_type in FILE_SERVERS:
        return f"file:{_resolved(location)}" if location else None
    if server_type in DATABASE_FILE_SERVERS:
        database = _database_path(port)
        return f"{server_type}:{_resolved(database)}#{location.lower()}" if database and location else None
    if _is_table_server(server_type):
        host = str(port.server.get("host") or port.server.get("account") or port.server.get("project") or "").lower()
        where = f"{host}:{port.server.get('port') or ''}/{port.server.get('database') or port.server.get('catalog') or ''}"
        return f"{server_type}://{where}/{location.lower()}" if location else None
    return f"{server_type}:{location}" if location else None


def _resolved(path: str) -> str:
    return str(Path(path).expanduser().resolve()) if path.startswith("/") else path


def location_refusal(port, domain) -> str | None:
    """Why the port's location is not ``domain``'s to publish, or None when it is."""
    domain_slug = domain.slug
    server_type = (port.server_type or port.server.get("type") or "").lower()
    if server_type in FILE_SERVERS | DATABASE_FILE_SERVERS:
        path = port.location if server_type in FILE_SERVERS else _database_path(port)
        if not path:
            return None
        resolved = Path(_resolved(path))
        if any(resolved.is_relative_to(folder) for folder in domain_folders(domain)):
            return None
        allowed = ", ".join(str(f) for f in domain_folders(domain))
        return f"{resolved} is not in the {domain_slug} domain's data folders ({allowed})."
    key = location_key(port)
    if key is None:
        return None
    scheme = key.split(":", 1)[0]
    prefixes = [p for p in configured_prefixes(domain) if p.split(":", 1)[0].lower() == scheme]
    if prefixes:
        if any(key.startswith(p.lower().rstrip("/") + "/") or key == p.lower() for p in prefixes):
            return None
        return f"{key} is outside the {domain_slug} domain's locations ({', '.join(prefixes)})."
    if server_type in READ_SQL_SERVERS:
        schema = (port.location or "").split(".")[0].strip('"').lower()
        if schema != domain_slug.lower():
            return (f"table {port.location} is not in the {domain_slug} schema; configure the {domain_slug} domain's "
                    "SQL locations in MESHPORT_DOMAIN_LOCATIONS to publish tables elsewhere.")
    return None


def port_refusal(port) -> str | None:
    """Read-time check for the profiler: the port's data lies in its own domain's locations."""
    return location_refusal(port, port.product.domain)


def location_problems(port, product) -> list[str]:
    """Read-only: why the port's location may not be published by ``product`` ([] when it may)."""
    from catalog.models import LocationClaim

    refusal = location_refusal(port, product.domain)
    if refusal:
        return [refusal]
    key = location_key(port)
    held = LocationClaim.objects.filter(key=key).exclude(product=product).select_related("product").first() if key else None
    if held is not None:
        return [f"{key} is already the location of {held.product.identifier}; {product.identifier} cannot publish "
                "the same data."]
    return []


# --- a domain's contracts ----------------------------------------------------------------------


def contract_refusal(port, product) -> str | None:
    """Why the port may not publish its contract, or None (recording the owner when unrecorded)."""
    from catalog.models import OutputPort

    contract = port.contract
    if contract is None:
        return None
    if contract.domain_id is not None:
        if contract.domain_id == product.domain_id:
            return None
        publisher = OutputPort.objects.filter(contract=contract).exclude(product=product).select_related("product").first()
        by = f", published by {publisher.product.identifier}" if publisher else ""
        return (f"Contract {contract.external_id!r} belongs to the {contract.domain.slug} domain{by}: an output port "
                f"publishes only its own domain's contracts. Declare it as an input port to use that data.")
    other = (OutputPort.objects.filter(contract=contract).exclude(product__domain=product.domain)
             .select_related("product").first())
    if other is not None:
        return (f"Contract {contract.external_id!r} is published by {other.product.identifier} of another domain: "
                "an output port publishes only its own domain's contracts. Declare it as an input port instead.")
    contract.domain_id = product.domain_id  # the first domain to publish it owns it from now on
    contract.save(update_fields=["domain"])
    return None


# --- one location, one product -----------------------------------------------------------------


def claim_problems(product) -> list[Problem]:
    """Check every output port of a saved product and hold its locations; [] when all is well.

    Runs inside the writer's transaction: on problems the caller raises and everything rolls back.
    """
    from catalog.models import LocationClaim

    problems, keys = [], {}
    for port in product.output_ports.select_related("contract__domain"):
        refusal = contract_refusal(port, product)
        if refusal:
            problems.append(Problem(port, "contractId", refusal))
            continue
        refusal = location_refusal(port, product.domain)
        if refusal:
            problems.append(Problem(port, "location", refusal))
            continue
        key = location_key(port)
        if key:
            keys.setdefault(key, port)
    held = LocationClaim.objects.filter(key__in=keys).exclude(product=product).select_related("product")
    for claim in held:
        port = keys.pop(claim.key)
        problems.append(Problem(port, "location", (
            f"{claim.key} is already the location of {claim.product.identifier}; {product.identifier} "
            "cannot publish the same data. Read it through an input port instead.")))
    if problems:
        return problems
    current = dict(LocationClaim.objects.filter(product=product).values_list("key", "pk"))
    stale = [pk for key, pk in current.items() if key not in keys]
    if stale:
        LocationClaim.objects.filter(pk__in=stale).delete()
    for key, port in keys.items():
        if key not in current:
            try:
                with transaction.atomic():
                    LocationClaim.objects.create(key=key, product=product)
            except IntegrityError:  # another import took it since we looked
                problems.append(Problem(port, "location", f"{key} was just claimed by another product."))
    return problems
