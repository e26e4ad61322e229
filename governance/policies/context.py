"""The policy context: what a rule sees of a product, built in this one place, documented and versioned.

``product_contexts(ids)`` builds plain dicts (JSON values only) for many products with a fixed
number of queries per chunk; ``CONTEXT_SCHEMA`` is its JSON Schema, published at
``/api/policies/context-schema/`` and used to refuse rules that read a field that does not exist.
Bump ``CONTEXT_VERSION`` whenever a field changes meaning or goes away (adding one is compatible).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.utils import timezone

from catalog.descriptors.mapping import contract_slos, custom_properties, dict_list, schema_object
from catalog.models import Column, DataProduct, InputPort, OutputPort, ProductTeamMember
from governance.policies.prepared import Prepared
from profiling.drift import FLAG, REPORTED_FLAG, port_key, schema_drift

CONTEXT_VERSION = 1
CHUNK = 500
BATCH_KINDS = ("file", "table")
# Columns whose values Meshport masks for every reader without a role that unmasks them.
MASKED_CLASSIFICATIONS = ("pii", "restricted", "confidential")
CLASSIFICATION_RANK = {"": 0, "public": 1, "internal": 2, "confidential": 3, "pii": 4, "restricted": 5}


@dataclass
class ProductContext:
    """A product's context and, beside it, where each port, column and contract sits in the descriptors."""

    product_id: int
    data: dict
    # ("product", parts) or ("contract", contract id, parts) for each port / column, in context order.
    port_paths: list[tuple] = field(default_factory=list)
    column_paths: list[list[tuple]] = field(default_factory=list)


# The facts read from other tables, and the product paths (read at the root) that need each one.
FACT_READS = {
    "tags": ("product.tags",),
    "team": ("product.owners", "product.team"),
    "ports": ("product.classification", "product.profile", "product.schema_drift"),
    "profiled": ("product.profile",),
    "inputs": ("product.input_ports",),
    "lineage": ("product.lineage",),
    "scores": ("product.quality",),
    "grants": ("product.grants",),
}
FACTS = frozenset(FACT_READS)


def facts_read(paths) -> frozenset:
    """The facts a set of rules needs, given every context path they read (``rules.rule_paths``: ``*`` for
    each item of a list, ``?`` for what cannot be followed; "", ``product`` or ``?``: all of them).

    A context built with fewer facts holds empty values where the others would be, so it is only handed
    to rules that read nothing else (``PolicySet.reads``)."""
    needed = set()
    for path in paths:
        parts = path.split(".") if isinstance(path, str) else ["?"]
        if path in ("", "product") or "?" in parts:
            return FACTS
        if parts[0] == "ports":
            needed.add("ports")
            if len(parts) <= 2 or parts[2] == "profile":  # whole ports, or their profile age
                needed.add("profiled")
        elif parts[0] == "contracts":
            needed.add("ports")
        for fact, reads in FACT_READS.items():
            if any(path == r or path.startswith(r + ".") for r in reads):
                needed.add(fact)
    return frozenset(needed)


def product_contexts(product_ids, *, now=None, facts=FACTS) -> dict[int, ProductContext]:
    """The context of each product, read in chunks of ``CHUNK`` products (only ``facts`` read from other tables)."""
    now = now or timezone.now()
    ids = list(product_ids)
    out: dict[int, ProductContext] = {}
    for start in range(0, len(ids), CHUNK):
        out.update(_chunk_contexts(ids[start:start + CHUNK], now, facts))
    return out


def product_context(product: DataProduct, *, now=None) -> ProductContext:
    return product_contexts([product.pk], now=now)[product.pk]


PRODUCT_FIELDS = ("pk", "identifier", "name", "domain__slug", "status", "visibility", "version", "purpose", "usage",
                  "limitations", "team_name", "support", "freshness_slo_hours", "availability_slo", "custom_properties",
                  "descriptor__outputPorts", "flags", "usage_count")


def _products_query(ids, scores: bool):
    from governance.models import QualityScore

    rows = DataProduct.objects.filter(pk__in=ids).order_by()  # into a dict: no order to compile
    if scores:  # the latest score and its dimensions, in the same query
        latest = QualityScore.objects.filter(product_id=OuterRef("pk")).order_by("-computed_at", "-pk")
        rows = rows.annotate(latest_score=Subquery(latest.values("score")[:1]),
                             latest_dimensions=Subquery(latest.values("dimensions")[:1]))
        return rows.values_list(*PRODUCT_FIELDS, "latest_score", "latest_dimensions")
    return rows.values_list(*PRODUCT_FIELDS)


PORT_FIELDS = ("pk", "product_id", "name", "version", "kind", "format", "server_type", "contract_ref", "schema_object",
               "contract_id")
CONTRACT_FIELDS = ("external_id", "name", "version", "status", "api_version", "document", "domain_id", "domain__slug")
COLUMN_FIELDS = ("port_id", "name", "position", "logical_type", "physical_type", "description", "required",
                 "primary_key", "classification", "critical", "observed", "detected")


def _columns_query(port_ids):
    from profiling.models import PiiSuggestion

    detected = PiiSuggestion.objects.filter(port_id=OuterRef("port_id"), column_name=OuterRef("name")).exclude(
        status=PiiSuggestion.Status.REJECTED)
    return (Column.objects.filter(port_id__in=port_ids).annotate(detected=Exists(detected))
            .order_by("position", "name").values_list(*COLUMN_FIELDS))


# The queries every context build runs, compiled once per process (``prepared``): the publish check
# runs them on every import, where compiling them cost more than running them.
_QUERIES = {
    "products": Prepared(lambda ids: _products_query(ids, False)),
    "products+scores": Prepared(lambda ids: _products_query(ids, True)),
    "tags": Prepared(lambda ids: DataProduct.tags.through.objects.filter(dataproduct_id__in=ids).order_by()
                     .values_list("dataproduct_id", "tag__name")),
    "team": Prepared(lambda ids: ProductTeamMember.objects.filter(product_id__in=ids).order_by("pk").values_list(
        "product_id", "username", "name", "role")),
    "ports": Prepared(lambda ids: OutputPort.objects.filter(product_id__in=ids).order_by("name", "version").values_list(
        *PORT_FIELDS, *(f"contract__{f}" for f in CONTRACT_FIELDS))),
    "columns": Prepared(_columns_query),
}


def _chunk_contexts(ids: list[int], now, needed=FACTS) -> dict[int, ProductContext]:
    # plain values, not model instances: the nightly run reads every product
    scores = "scores" in needed
    names = ("pk", *PRODUCT_FIELDS[1:], *(("latest_score", "latest_dimensions") if scores else ()))
    products = [SimpleNamespace(**dict(zip(names, row, strict=True)))
                for row in _QUERIES["products+scores" if scores else "products"](ids)]
    facts = _Facts(ids, now, needed)
    facts.scores = {p.pk: SimpleNamespace(score=p.latest_score, dimensions=p.latest_dimensions or {})
                    for p in products if scores and p.latest_score is not None}
    return {p.pk: _context(p, facts, now) for p in products}


def _port_record(row: tuple) -> SimpleNamespace:
    port = SimpleNamespace(**dict(zip(PORT_FIELDS, row, strict=False)))
    if port.contract_id is None:
        port.contract = None
    else:
        contract = dict(zip(CONTRACT_FIELDS, row[len(PORT_FIELDS):], strict=True))
        contract["domain"] = SimpleNamespace(slug=contract.pop("domain__slug")) if contract["domain_id"] else None
        port.contract = SimpleNamespace(**contract)
    return port


class _Facts:
    """What other apps know of a chunk of products, one query each."""

    def __init__(self, ids: list[int], now, needed=FACTS) -> None:
        from governance.access.selectors import live_grants
        from lineage.models import ProductEdge
        from profiling.models import ProfileRun

        self.tags, self.team = defaultdict(list), defaultdict(list)
        self.ports, self.columns, self.pii = defaultdict(list), defaultdict(list), defaultdict(set)
        self.profiled, self.inputs, self.grants = {}, defaultdict(list), {}
        self.scores: dict = {}  # the latest score of each product: read with the products
        self.upstream, self.downstream = defaultdict(set), defaultdict(set)
        if "tags" in needed:
            for product_id, name in _QUERIES["tags"](ids):
                self.tags[product_id].append(name)
        if "team" in needed:
            for row in _QUERIES["team"](ids):
                self.team[row[0]].append({"username": row[1], "name": row[2], "role": (row[3] or "").lower()})
        if "ports" in needed:
            for row in _QUERIES["ports"](ids):
                port = _port_record(row)
                self.ports[port.product_id].append(port)
        port_ids = [p.pk for ports in self.ports.values() for p in ports]
        if port_ids:
            for row in _QUERIES["columns"](port_ids):
                col = SimpleNamespace(**dict(zip(COLUMN_FIELDS, row, strict=True)))
                self.columns[col.port_id].append(col)
                if col.detected:  # a profiler's PII suggestion, not rejected
                    self.pii[col.port_id].add(col.name)
        if port_ids and "profiled" in needed:
            self.profiled = dict(ProfileRun.objects.filter(port_id__in=port_ids, state=ProfileRun.State.SUCCEEDED)
                                 .values("port_id").annotate(last=Max("finished")).values_list("port_id", "last"))
        if "inputs" in needed:
            for port in InputPort.objects.filter(product_id__in=ids).order_by("name"):
                self.inputs[port.product_id].append(port)
        if "lineage" in needed:
            edges = ProductEdge.objects.filter(Q(source_id__in=ids) | Q(target_id__in=ids))
            for src, dst, src_id, dst_id in edges.values_list("source__identifier", "target__identifier", "source_id",
                                                              "target_id"):
                self.downstream[src_id].add(dst)
                self.upstream[dst_id].add(src)
        if "grants" in needed:
            self.grants = dict(live_grants(now=now).filter(product_id__in=ids).values("product_id")
                               .annotate(n=Count("pk")).values_list("product_id", "n"))


def _hours_since(moment, now) -> float | None:
    return round((now - moment).total_seconds() / 3600, 2) if moment else None


def _context(product, facts: _Facts, now) -> ProductContext:
    ports = facts.ports[product.pk]
    descriptor_ports = [(p.get("name"), p.get("version")) for p in dict_list(product.descriptor__outputPorts)]
    ctx = ProductContext(product_id=product.pk, data={})
    port_dicts, contracts = [], {}
    drift = {**schema_drift(product, REPORTED_FLAG), **schema_drift(product, FLAG)}
    for port in ports:
        index = descriptor_ports.index((port.name, port.version)) if (port.name, port.version) in descriptor_ports else None
        ctx.port_paths.append(("product", ("outputPorts", index) if index is not None else ("outputPorts",)))
        port_dicts.append(_port(port, facts, now, ctx, drift))
        if port.contract_id:
            contracts[port.contract.external_id] = port.contract
    columns = [c for p in port_dicts for c in p["columns"]]
    ctx.data = {
        "context_version": CONTEXT_VERSION,
        "product": _product(product, facts, now, columns, drift),
        "ports": port_dicts,
        "contracts": [_contract(c) for c in contracts.values()],
    }
    return ctx


def _product(product, facts: _Facts, now, columns: list[dict], drift: dict) -> dict:
    members = facts.team[product.pk]
    props = product.custom_properties or {}
    score = facts.scores.get(product.pk)
    profiled = [facts.profiled.get(p.pk) for p in facts.ports[product.pk]]
    profiled = [t for t in profiled if t]
    classification = max((c["classification"] for c in columns), key=CLASSIFICATION_RANK.get, default="")
    return {
        "identifier": product.identifier,
        "name": product.name,
        "domain": product.domain__slug,
        "status": product.status,
        "visibility": product.visibility,
        "version": product.version,
        "description": {"purpose": product.purpose, "usage": product.usage, "limitations": product.limitations},
        "owners": [m["username"] for m in members if m["role"] == "owner"],
        "team": {"name": product.team_name, "members": members},
        "tags": sorted(facts.tags[product.pk]),
        "support": [{"channel": str(s.get("channel") or ""), "tool": str(s.get("tool") or ""), "url": str(s.get("url") or "")}
                    for s in dict_list(product.support)],
        "slo": {"freshness_hours": product.freshness_slo_hours, "availability": product.availability_slo},
        "deprecation": {"successor": str(props.get("successor") or ""), "sunset": str(props.get("sunset") or "")},
        "classification": classification,
        "quality": {"score": score.score if score else None, "dimensions": dict(score.dimensions) if score else {}},
        "profile": {"age_hours": _hours_since(max(profiled), now) if profiled else None},
        "schema_drift": {"unresolved": any(drift.values()), "ports": sorted(k for k, v in drift.items() if v)},
        "input_ports": [{"name": i.name, "version": i.version, "contract": i.contract_ref,
                         "resolved": i.source_port_id is not None} for i in facts.inputs[product.pk]],
        "lineage": {"upstream": sorted(facts.upstream[product.pk]), "downstream": sorted(facts.downstream[product.pk])},
        "usage": {"count": product.usage_count},
        "grants": {"active": facts.grants.get(product.pk, 0)},
        "custom": {k: v for k, v in props.items() if isinstance(v, str | int | float | bool)},
    }


def _port(port, facts: _Facts, now, ctx: ProductContext, drift: dict) -> dict:
    contract = port.contract
    hours = contract_slos(contract.document)[0] if contract else None
    obj = schema_object(contract.document, port.schema_object or port.name) if contract else {}
    objects = dict_list(contract.document.get("schema")) if contract else []
    obj_index = objects.index(obj) if obj in objects else None
    pii = facts.pii[port.pk]
    columns, paths = [], []
    for col in facts.columns[port.pk]:
        columns.append({
            "name": col.name,
            "port": port.name,
            "type": col.logical_type or col.physical_type,
            "logical_type": col.logical_type,
            "physical_type": col.physical_type,
            "description": col.description,
            "classification": col.classification,
            "pii": {"declared": col.classification == "pii", "detected": col.name in pii},
            "masked": col.classification in MASKED_CLASSIFICATIONS,
            "required": col.required,
            "primary_key": col.primary_key,
            "critical": col.critical,
            "observed": col.observed,
        })
        declared = contract is not None and obj_index is not None and not col.observed
        paths.append(("contract", contract.external_id, ("schema", obj_index, "properties", col.position)) if declared
                     else ctx.port_paths[-1])
    ctx.column_paths.append(paths)
    return {
        "name": port.name,
        "version": port.version,
        "type": port.kind,
        "batch": port.kind in BATCH_KINDS,
        "format": port.format,
        "server_type": port.server_type,
        "contract": {"id": contract.external_id, "version": contract.version, "status": contract.status,
                     "has_schema": bool(dict_list(obj.get("properties")))} if contract else None,
        "contract_pending": contract is None and bool(port.contract_ref),
        "slo": {"freshness_hours": hours},
        "profile": {"age_hours": _hours_since(facts.profiled.get(port.pk), now)},
        "schema_drift": bool(drift.get(port_key(port))),
        "columns": columns,
    }


def _contract(contract) -> dict:
    props = custom_properties(contract.document)
    return {"id": contract.external_id, "name": contract.name, "version": contract.version, "status": contract.status,
            "api_version": contract.api_version, "domain": contract.domain.slug if contract.domain_id else "",
            "owner": str(props.get("owner") or ""),
            "objects": len(dict_list(contract.document.get("schema")))}
