"""Meshport's own rules on top of the standards' schemas: what we need to catalog a product.

Each rule tolerates documents the schema already rejected (wrong types are skipped here, the
schema has named them), so one bad field is reported once.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from catalog.descriptors import mapping
from catalog.models import Contract, DataProduct, Domain, OutputPort, slug_validator
from catalog.permissions import is_steward
from standards import limits
from standards.payload import CONTRACT_KIND, PRODUCT_KIND, Document

PATH_KEYS = {"local": "path", "duckdb": "database"}
# What OutputPort.format and .location hold: longer values would fail at the database (a 500).
FORMAT_LENGTH = 32
LOCATION_LENGTH = 1000
LOCATION_KEYS = ("path", "location", "stream")
PRODUCT_SLUG_LENGTH = 100


@dataclass
class Context:
    """What the rules need to know beyond one document."""

    actor: object = None
    payload_contracts: set[str] = field(default_factory=set)
    known_contracts: set[str] = field(default_factory=set)
    known_domains: set[str] = field(default_factory=set)

    @property
    def may_create_domains(self) -> bool:
        return self.actor is None or is_steward(self.actor)


def payload_errors(documents: list[Document], *, actor=None) -> list[dict]:
    products = [d for d in documents if d.kind == PRODUCT_KIND]
    contracts = [d for d in documents if d.kind == CONTRACT_KIND]
    context = _context(products, contracts, actor)
    errors = _duplicate_ids(products) + _duplicate_ids(contracts)
    for doc in products:
        errors += product_errors(doc, context)
    for doc in contracts:
        errors += contract_errors(doc)
    return errors


def _context(products: list[Document], contracts: list[Document], actor) -> Context:
    payload_ids = {c.data["id"] for c in contracts if isinstance(c.data.get("id"), str)}
    refs = {
        p["contractId"] for d in products for p in mapping.dict_list(d.data.get("outputPorts"))
        if isinstance(p.get("contractId"), str)
    }
    domains = {d.data["domain"] for d in products if isinstance(d.data.get("domain"), str)}
    return Context(
        actor=actor,
        payload_contracts=payload_ids,
        known_contracts=set(Contract.objects.filter(external_id__in=refs - payload_ids).values_list("external_id", flat=True)),
        known_domains=set(Domain.objects.filter(slug__in=domains).values_list("slug", flat=True)),
    )


def _duplicate_ids(documents: list[Document]) -> list[dict]:
    counts = Counter(d.data.get("id") for d in documents if isinstance(d.data.get("id"), str))
    return [
        d.error(("id",), f"The id {d.data['id']!r} appears more than once in this import.")
        for d in documents if counts.get(d.data.get("id"), 0) > 1
    ]


# --- products ----------------------------------------------------------------------------------


def product_errors(doc: Document, context: Context) -> list[dict]:
    return [
        *_domain_errors(doc, context),
        *_slug_errors(doc),
        *_status_errors(doc),
        *_visibility_errors(doc),
        *_port_errors(doc, "outputPorts", context),
        *_port_errors(doc, "inputPorts", context),
        *_team_errors(doc),
        *_existing_product_errors(doc),
        *_contract_reuse_errors(doc),
        *limits.product_limit_errors(doc),
    ]


def _domain_errors(doc: Document, context: Context) -> list[dict]:
    domain = doc.data.get("domain")
    if domain is None:
        return [doc.error(("domain",), "Required: the slug of the domain that publishes this product.")]
    if not isinstance(domain, str):
        return []
    if not _is_slug(domain):
        return [doc.error(("domain",), f"{domain!r} is not a valid slug ({slug_validator.message})")]
    if domain not in context.known_domains and not context.may_create_domains:
        return [doc.error(("domain",), f"Unknown domain {domain!r}; only a steward can create a domain.")]
    return []


def _is_slug(value: str, max_length: int = 64) -> bool:
    try:
        slug_validator(value)
    except ValidationError:
        return False
    return len(value) <= max_length


def _slug_errors(doc: Document) -> list[dict]:
    asked = mapping.custom_properties(doc.data).get("slug")
    if asked is not None:
        index = _custom_property_index(doc.data, "slug")
        if not isinstance(asked, str) or not _is_slug(asked, PRODUCT_SLUG_LENGTH):
            return [doc.error(("customProperties", index, "value"), f"{asked!r} is not a valid slug.")]
        return []
    if isinstance(doc.data.get("name"), str) and not _is_slug(mapping.product_slug(doc.data), PRODUCT_SLUG_LENGTH):
        return [doc.error(("name",), "Cannot make a slug of this name; add a customProperties 'slug'.")]
    if "name" not in doc.data:
        return [doc.error(("name",), "Required (or a customProperties 'slug'): it names the product.")]
    return []


def _custom_property_index(data: dict, name: str) -> int:
    props = data.get("customProperties") or []
    return next(i for i, p in enumerate(props) if isinstance(p, dict) and p.get("property") == name)


def _status_errors(doc: Document) -> list[dict]:
    status = doc.data.get("status")
    if isinstance(status, str) and status not in mapping.STATUS_MAP:
        return [doc.error(("status",), f"Unknown status {status!r}; expected one of: {', '.join(mapping.STATUS_MAP)}.")]
    return []


def _visibility_errors(doc: Document) -> list[dict]:
    visibility = mapping.custom_properties(doc.data).get("visibility")
    if visibility is None or visibility in mapping.VISIBILITIES:
        return []
    index = _custom_property_index(doc.data, "visibility")
    message = f"Unknown visibility {visibility!r}; expected one of: {', '.join(mapping.VISIBILITIES)}."
    return [doc.error(("customProperties", index, "value"), message)]


def _port_errors(doc: Document, key: str, context: Context) -> list[dict]:
    ports = doc.data.get(key) if isinstance(doc.data.get(key), list) else []
    errors, seen = [], set()
    for i, port in enumerate(ports):
        if not isinstance(port, dict):
            continue
        port_key = (port.get("name"), port.get("version"))
        if port_key in seen:
            errors.append(doc.error((key, i), f"Another port is also named {port_key[0]!r} version {port_key[1]!r}."))
        seen.add(port_key)
        # An output port whose contract is in neither this import nor the catalog is kept as
        # "contract pending" (ODPS examples reference contracts published elsewhere, or later).
    return errors


def _team_errors(doc: Document) -> list[dict]:
    team = doc.data.get("team") if isinstance(doc.data.get("team"), dict) else {}
    members = team.get("members") if isinstance(team.get("members"), list) else []
    seen, errors = set(), []
    for i, member in enumerate(members):
        username = member.get("username") if isinstance(member, dict) else None
        if isinstance(username, str) and username in seen:
            errors.append(doc.error(("team", "members", i, "username"), f"{username!r} is listed twice."))
        seen.add(username)
    return errors


def _existing_product_errors(doc: Document) -> list[dict]:
    """A product keeps its identifier: it may not move domain, nor take another product's."""
    domain, external_id = doc.data.get("domain"), doc.data.get("id")
    if not isinstance(domain, str) or not isinstance(external_id, str):
        return []
    existing = DataProduct.objects.filter(external_id=external_id).select_related("domain").first()
    if existing is not None:
        if existing.domain.slug != domain:
            return [doc.error(("domain",), f"This product is {existing.identifier}; it cannot move to another domain.")]
        return []
    identifier = f"{domain}.{mapping.product_slug(doc.data)}"
    if not DataProduct.objects.filter(identifier=identifier).exists():
        return []
    if isinstance(mapping.custom_properties(doc.data).get("slug"), str):
        # The slug comes from customProperties (an exported descriptor carries it): blame it, not the name.
        index = _custom_property_index(doc.data, "slug")
        return [doc.error(("customProperties", index, "value"), (
            f"customProperties.slug {mapping.product_slug(doc.data)!r} makes the identifier {identifier}, which "
            "already names another product (with another id): change or remove customProperties.slug."))]
    return [doc.error(("name",), f"{identifier} already names another product (with another id).")]


def _contract_reuse_errors(doc: Document) -> list[dict]:
    """An output port may not publish the data another product's port already publishes.

    Products of one domain may share a contract that describes several tables, each reading its
    own (``schema_object``); a port naming the same contract *and* the same object as another
    product's port would publish that product's data again, and take over its consumers in lineage.
    """
    external_id, domain = doc.data.get("id"), doc.data.get("domain")
    ports = doc.data.get("outputPorts") if isinstance(doc.data.get("outputPorts"), list) else []
    if not isinstance(domain, str):
        return []
    refs = {p["contractId"] for p in ports if isinstance(p, dict) and isinstance(p.get("contractId"), str)}
    if not refs:
        return []
    # Another domain's contract is refused on import, naming its publisher (``locations.contract_refusal``);
    # a port this product already publishes on the contract is not a new claim.
    own = set(OutputPort.objects.filter(product__external_id=external_id, contract__external_id__in=refs)
              .values_list("contract__external_id", flat=True)) if isinstance(external_id, str) else set()
    taken = {}
    others = (OutputPort.objects.filter(contract__external_id__in=refs - own, product__domain__slug=domain)
              .select_related("product", "contract"))
    if isinstance(external_id, str):
        others = others.exclude(product__external_id=external_id)
    for port in others:
        taken.setdefault(port.contract.external_id, []).append(port)
    name = doc.data.get("name") if isinstance(doc.data.get("name"), str) else external_id
    errors = []
    for i, port in enumerate(ports):
        if not isinstance(port, dict) or port.get("contractId") not in taken:
            continue
        contract = Contract.objects.get(external_id=port["contractId"])
        obj = mapping.text(mapping.schema_object(contract.document, mapping.text(port.get("name"))).get("name"))
        clash = [p for p in taken[port["contractId"]] if p.schema_object == obj]
        if clash:
            other = clash[0].product.identifier
            errors.append(doc.error(("outputPorts", i, "contractId"), (
                f"Contract {port['contractId']!r} ({obj or 'its data'}) is already published by {other}: "
                f"{name!r} cannot publish the same data. Give this product a contract of its own (a new id and "
                f"data location), or read {other} through an input port.")))
    return errors


# --- contracts ---------------------------------------------------------------------------------


def contract_errors(doc: Document) -> list[dict]:
    errors = limits.contract_limit_errors(doc)
    for j, server in enumerate(doc.data.get("servers") if isinstance(doc.data.get("servers"), list) else []):
        if isinstance(server, dict):
            errors += _server_errors(doc, j, server)
    for k, sla in enumerate(doc.data.get("slaProperties") if isinstance(doc.data.get("slaProperties"), list) else []):
        if isinstance(sla, dict):
            errors += _sla_errors(doc, k, sla)
    return errors


def _server_errors(doc: Document, j: int, server: dict) -> list[dict]:
    # Every ODCS server type is accepted (``servers.KINDS``): ports on those the profiler cannot
    # read are kept and shown as not profiled. Types outside ODCS are the schema's to report.
    unchosen = [
        doc.error(("servers", j, key), f"A copy needs a data location of its own: replace {mapping.NEW_LOCATION!r} "
                                       "with where this product's data lives.")
        for key in mapping.LOCATION_FIELDS if server.get(key) == mapping.NEW_LOCATION
    ]
    if unchosen or not isinstance(server.get("type"), str):
        return unchosen
    return _format_errors(doc, j, server) + _path_errors(doc, j, server)


def _format_errors(doc: Document, j: int, server: dict) -> list[dict]:
    fmt = server.get("format")
    if not isinstance(fmt, str) or len(mapping.port_format(server)) <= FORMAT_LENGTH:
        return []
    return [doc.error(("servers", j, "format"), f"Too long: at most {FORMAT_LENGTH} characters.")]


def _path_errors(doc: Document, j: int, server: dict) -> list[dict]:
    too_long = [
        doc.error(("servers", j, key), f"Too long: at most {LOCATION_LENGTH} characters.")
        for key in LOCATION_KEYS if isinstance(server.get(key), str) and len(server[key]) > LOCATION_LENGTH
    ]
    key = PATH_KEYS.get(server["type"])
    raw = server.get(key) if key else None
    if too_long or not isinstance(raw, str) or not raw:
        return too_long
    path = mapping.resolve_path(raw, doc.base_dir)
    if mapping.under_data_roots(path):
        return []
    return [doc.error(("servers", j, key), f"{path} is outside the data roots Meshport may read (MESHPORT_DATA_ROOTS).")]


def _sla_errors(doc: Document, k: int, sla: dict) -> list[dict]:
    prop = mapping.text(sla.get("property")).lower()
    if prop not in mapping.FRESHNESS_PROPERTIES | {"availability"}:
        return []
    if mapping.as_number(sla.get("value")) is None:
        return [doc.error(("slaProperties", k, "value"), f"The {prop} must be a number.")]
    unit = mapping.text(sla.get("unit")).lower()
    if prop in mapping.FRESHNESS_PROPERTIES and unit and unit not in mapping.HOUR_UNITS:
        return [doc.error(("slaProperties", k, "unit"), f"Unknown unit {unit!r} for {prop}; use d, h or m.")]
    return []
