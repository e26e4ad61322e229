"""Write each demo product as one multi-document YAML file: its ODPS product, then its contracts.

The documents carry no timestamps and are dumped with a fixed key order, so the files (and the
descriptor hashes the import stores) are byte-identical on every run for the same data folder.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from demo.data import port_path, warehouse_path
from demo.mesh import DOMAINS_BY_SLUG, PRODUCTS_BY_ID
from demo.spec import Col, Port, Product, stable_id

ODPS_VERSION = "v1.0.0"
ODCS_VERSION = "v3.1.0"
DESCRIPTORS = "descriptors"


def product_documents(product: Product, data_dir: Path) -> list[dict]:
    """The ODPS document of a product followed by one ODCS contract per output port."""
    return [odps_document(product), *(odcs_document(product, port, data_dir) for port in product.ports)]


def odps_document(product: Product) -> dict:
    domain = DOMAINS_BY_SLUG[product.domain]
    description = {"purpose": f"{product.summary}\n\n{product.details}".strip() + "\n", "usage": product.usage}
    if product.limitations:
        description["limitations"] = product.limitations
    return {
        "apiVersion": ODPS_VERSION,
        "kind": "DataProduct",
        "id": product_id(product),
        "name": product.name,
        "version": product.version,
        "status": product.status,
        "domain": product.domain,
        "description": description,
        "tags": list(product.tags),
        "customProperties": [
            {"property": "slug", "value": product.slug},
            {"property": "visibility", "value": product.visibility},
            *([{"property": "successor", "value": product.successor}] if product.successor else []),
        ],
        "inputPorts": [_input_port(upstream) for upstream in product.inputs],
        "outputPorts": [_output_port(product, port) for port in product.ports],
        "team": _team(product),
        "support": _support(domain, product),
    }


def product_id(product: Product) -> str:
    return stable_id("product", product.identifier)


def _input_port(upstream: str) -> dict:
    source = PRODUCTS_BY_ID[upstream]
    port = source.ports[0]
    return {"name": upstream.replace(".", "_"), "version": port.version, "contractId": source.contract_id(port)}


def _output_port(product: Product, port: Port) -> dict:
    kind = {"csv": "files", "parquet": "files", "duckdb": "tables", "api": "api"}[port.kind]
    return {
        "name": port.name, "version": port.version, "description": port.description, "type": kind,
        "contractId": product.contract_id(port),
    }


def _team(product: Product) -> dict:
    domain = DOMAINS_BY_SLUG[product.domain]
    members = [{"username": domain.owner, "name": f"{domain.name} owner", "role": "owner"}]
    members += [{"username": m, "name": m.replace("-", " ").title(), "role": "member"} for m in domain.member_usernames[:1]]
    return {"name": f"{domain.slug}-data", "members": members}


def _support(domain, product: Product) -> list[dict]:
    return [
        {"channel": domain.channel, "tool": "slack", "scope": "interactive",
         "url": f"https://chat.example.com/channels/{domain.channel.lstrip('#')}"},
        {"channel": f"{product.slug} issues", "tool": "ticket", "scope": "issues",
         "url": f"https://tickets.example.com/projects/{domain.slug}"},
    ]


def odcs_document(product: Product, port: Port, data_dir: Path) -> dict:
    doc = {
        "apiVersion": ODCS_VERSION,
        "kind": "DataContract",
        "id": product.contract_id(port),
        "name": port.name,
        "version": port.version,
        "status": product.status,
        "domain": product.domain,
        "tags": list(product.tags),
        "description": {"purpose": port.description, "usage": product.usage},
        "servers": [_server(product, port, data_dir)],
        "schema": [_schema_object(product, port)],
        "team": _team(product),
        "support": _support(DOMAINS_BY_SLUG[product.domain], product)[:1],
        "slaProperties": _sla(port),
    }
    if product.limitations:
        doc["description"]["limitations"] = product.limitations
    return doc


def _server(product: Product, port: Port, data_dir: Path) -> dict:
    server = {"server": f"{product.domain}-prod", "environment": "prod"}
    if port.is_file:
        return {**server, "type": "local", "path": str(port_path(data_dir, product, port)), "format": port.kind}
    if port.kind == "duckdb":
        return {**server, "type": "duckdb", "database": str(warehouse_path(data_dir, product.domain)), "schema": port.table.split(".")[0]}
    return {**server, "type": "api", "location": port.url}


def _schema_object(product: Product, port: Port) -> dict:
    physical = {"duckdb": port.table.split(".")[-1], "api": port.name}.get(port.kind, port.name)
    obj = {
        "name": port.name,
        "physicalName": physical,
        "logicalType": "object",
        "physicalType": {"duckdb": "table", "api": "json"}.get(port.kind, "file"),
        "description": port.description,
        "properties": [_property(c) for c in port.columns],
        "quality": _object_rules(product, port),
    }
    return obj


def _property(col: Col) -> dict:
    prop = {
        "name": col.name, "logicalType": col.logical, "physicalType": col.physical, "description": col.description,
        "required": col.required, "unique": col.unique, "primaryKey": col.pk,
    }
    if col.pii:
        prop["classification"] = "pii"
    rules = _column_rules(col)
    if rules:
        prop["quality"] = rules
    return prop


def _column_rules(col: Col) -> list[dict]:
    rules = []
    if col.max_null_percent:
        rules.append({"metric": "nullValues", "mustBeLessThan": col.max_null_percent, "unit": "percent",
                      "dimension": "completeness", "severity": "error"})
    elif col.required:
        rules.append({"metric": "nullValues", "mustBe": 0, "unit": "rows", "dimension": "completeness"})
    if col.unique:
        rules.append({"metric": "duplicateValues", "mustBe": 0, "unit": "rows", "dimension": "uniqueness",
                      "severity": "error"})
    if col.valid_values or col.pattern:
        argument = {"validValues": list(col.valid_values)} if col.valid_values else {"pattern": col.pattern}
        rule = {"metric": "invalidValues", "arguments": argument, "dimension": "conformity"}
        if col.max_invalid_percent:
            rule.update({"mustBeLessThan": col.max_invalid_percent, "unit": "percent"})
        else:
            rule.update({"mustBe": 0, "unit": "rows"})
        rules.append(rule)
    return rules


def _object_rules(product: Product, port: Port) -> list[dict]:
    rules = []
    if port.kind != "api":
        rules.append({"metric": "rowCount", "mustBeGreaterThan": 0, "dimension": "completeness"})
    keys = [c.name for c in port.columns if c.pk]
    if len(keys) > 1:
        rules.append({"metric": "duplicateValues", "mustBe": 0, "arguments": {"properties": keys},
                      "dimension": "uniqueness", "description": f"One row per {', '.join(keys)}."})
    for name, query, operator, value in port.sql_rules:
        rules.append({"type": "sql", "name": name, "query": query, operator: value, "dimension": "accuracy"})
    return rules


def _sla(port: Port) -> list[dict]:
    slas = [{"property": "availability", "value": port.availability, "unit": "percent"}]
    if port.latency is None:
        return slas
    value, unit = port.latency
    latency = {"property": "latency", "value": value, "unit": unit}
    if port.latency_element:
        latency["element"] = f"{port.name}.{port.latency_element}"
    return [latency, *slas]


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (the Markdown descriptions) as literal blocks, the way people write them."""


def _str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def descriptor_text(product: Product, data_dir: Path) -> str:
    documents = product_documents(product, data_dir)
    return yaml.dump_all(documents, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


@dataclass
class DescriptorFiles:
    paths: list[Path]
    written: int


def demo_descriptors_write(*, data_dir: Path) -> DescriptorFiles:
    """Write ``<data_dir>/descriptors/<domain>/<product>.yaml``; unchanged files are not touched."""
    from demo.mesh import PRODUCTS

    paths, written = [], 0
    for product in PRODUCTS:
        path = data_dir / DESCRIPTORS / product.domain / f"{product.slug}.yaml"
        text = descriptor_text(product, data_dir)
        paths.append(path)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written += 1
    return DescriptorFiles(paths=paths, written=written)
