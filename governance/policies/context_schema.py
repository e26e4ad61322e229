"""The JSON Schema of the policy context (``context.py`` builds it; a test checks both agree).

Rules are checked against it when saved: a ``var`` naming a field that is not here is refused.
Objects are closed (``additionalProperties: false``) except ``custom`` and ``dimensions``, whose
keys are the products' own.
"""
from __future__ import annotations

from governance.policies.context import CONTEXT_VERSION


def _obj(doc: str = "", open_keys: bool = False, /, **props) -> dict:
    schema = {"type": "object", "properties": props, "additionalProperties": open_keys}
    if not open_keys:
        schema["required"] = sorted(props)
    if doc:
        schema["description"] = doc
    return schema


def _s(description: str) -> dict:
    return {"type": "string", "description": description}


def _b(description: str) -> dict:
    return {"type": "boolean", "description": description}


def _n(description: str, nullable: bool = True) -> dict:
    return {"type": ["number", "null"] if nullable else "number", "description": description}


def _list(items: dict, description: str = "") -> dict:
    return {"type": "array", "items": items, "description": description}


COLUMN = _obj(
    "A column of an output port, from its contract's schema object (or reported by a pipeline).",
    name=_s("Column name."),
    port=_s("The output port's name."),
    type=_s("logicalType, else physicalType; empty when untyped."),
    logical_type=_s("ODCS logicalType."),
    physical_type=_s("ODCS physicalType."),
    description=_s("Description; empty when missing."),
    classification=_s("public, internal, confidential, pii, restricted or empty."),
    pii=_obj("Personal data, as declared and as the profiler detected it.",
             declared=_b("Classified pii in the contract."),
             detected=_b("The profiler suggested it looks like personal data (not rejected by the owner).")),
    masked=_b("Meshport masks its values (classification pii, restricted or confidential)."),
    required=_b("ODCS required."),
    primary_key=_b("ODCS primaryKey."),
    critical=_b("ODCS criticalDataElement."),
    observed=_b("Reported by a pipeline, not declared by the contract."),
)

PORT = _obj(
    "An output port.",
    name=_s("Port name."),
    version=_s("Port version."),
    type=_s("file, table, api or stream."),
    batch=_b("A file or table port (read in batches)."),
    format=_s("csv, parquet, table …"),
    server_type=_s("ODCS server type."),
    contract={"oneOf": [{"type": "null"}, _obj(
        "The port's contract, when it is in the catalog.",
        id=_s("ODCS id."), version=_s("Contract version."), status=_s("Contract status."),
        has_schema=_b("The port's schema object declares at least one property."))]},
    contract_pending=_b("The port names a contract not yet in the catalog."),
    slo=_obj("Service levels from the contract.", freshness_hours=_n("Max data age (latency/freshness) in hours.")),
    profile=_obj("The profiler's view.", age_hours=_n("Hours since the last successful profile; null if never.")),
    schema_drift=_b("The data (profiled or reported) drifted from the contract."),
    columns=_list(COLUMN, "The port's columns, in order."),
)

CONTRACT = _obj(
    "A contract one of the product's output ports uses.",
    id=_s("ODCS id."), name=_s("Name."), version=_s("Version."), status=_s("Status."), api_version=_s("ODCS apiVersion."),
    domain=_s("Owning domain slug."), owner=_s("customProperties owner."), objects={"type": "integer"},
)

PRODUCT = _obj(
    "The product as its descriptor describes it, plus what Meshport derived.",
    identifier=_s("<domain>.<slug>."),
    name=_s("Name."),
    domain=_s("Domain slug."),
    status=_s("draft, published, deprecated or retired."),
    visibility=_s("public, internal or restricted."),
    version=_s("Product version."),
    description=_obj("ODPS description.", purpose=_s("Purpose."), usage=_s("Usage."), limitations=_s("Limitations.")),
    owners=_list({"type": "string"}, "Usernames of team members with the role owner."),
    team=_obj("The team.", name=_s("Team name."), members=_list(_obj(
        username=_s("Username."), name=_s("Full name."), role=_s("Role, lower case.")))),
    tags=_list({"type": "string"}, "Tags, sorted."),
    support=_list(_obj(channel=_s("Channel."), tool=_s("Tool (slack, email …)."), url=_s("URL."))),
    slo=_obj("The weakest promise of its ports' contracts.", freshness_hours=_n("Hours."), availability=_n("Percent.")),
    deprecation=_obj("From customProperties successor and sunset.",
                     successor=_s("Identifier of the product that replaces it."), sunset=_s("Sunset date (ISO).")),
    classification=_s("The most sensitive classification of its columns."),
    quality=_obj("The latest quality score.", score=_n("0–100; null before the first score."),
                 dimensions=_obj("Score per dimension.", True)),
    profile=_obj("The profiler's view.", age_hours=_n("Hours since the most recent successful profile of any port.")),
    schema_drift=_obj("Drift of the data from the contracts.", unresolved=_b("Some port drifted."),
                      ports=_list({"type": "string"}, "name@version of the ports that drifted.")),
    input_ports=_list(_obj(name=_s("Name."), version=_s("Version."), contract=_s("contractId it reads."),
                           resolved=_b("An output port in the catalog publishes that contract."))),
    lineage=_obj("Neighbours in product lineage.", upstream=_list({"type": "string"}), downstream=_list({"type": "string"})),
    usage=_obj("Use in the marketplace.", count={"type": "integer"}),
    grants=_obj("Access grants.", active={"type": "integer", "description": "Live grants on the product."}),
    custom=_obj("customProperties with plain values.", True),
)

CONTEXT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": f"https://meshport.dev/schemas/policy-context/v{CONTEXT_VERSION}.json",
    "title": f"Meshport policy context, version {CONTEXT_VERSION}",
    "description": "What a policy rule (JSON Logic) sees of one product. A rule that applies to output ports, "
                   "columns or contracts sees `product` with `port`, `column` or `contract` (the subject).",
    **_obj(context_version={"const": CONTEXT_VERSION}, product=PRODUCT, ports=_list(PORT), contracts=_list(CONTRACT)),
}

# What each kind of policy's rule and selector see at their root.
SUBJECT_SCHEMAS = {
    "product": CONTEXT_SCHEMA,
    "output_port": _obj(product=PRODUCT, port=PORT),
    "column": _obj(product=PRODUCT, port=PORT, column=COLUMN),
    "contract": _obj(product=PRODUCT, contract=CONTRACT),
}
