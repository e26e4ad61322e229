"""Export a product as a multi-document YAML: its ODPS document, then its ports' contracts.

The document is the one last imported, with whatever the catalog has since changed laid over
it; so exporting and importing again changes nothing.
"""
from __future__ import annotations

import copy

import yaml

from catalog.descriptors import mapping
from catalog.models import Contract, DataProduct


def descriptor_export(product: DataProduct) -> str:
    """Multi-document YAML: the ODPS document followed by the contracts of its output ports."""
    documents = [product_document(product), *(contract_document(c) for c in product_contracts(product))]
    return yaml.safe_dump_all(documents, sort_keys=False, allow_unicode=True)


def product_contracts(product: DataProduct) -> list[Contract]:
    ports = product.output_ports.filter(contract__isnull=False).select_related("contract")
    return list({port.contract_id: port.contract for port in ports}.values())


def contract_document(contract: Contract) -> dict:
    if contract.document:
        return copy.deepcopy(contract.document)
    skeleton = {"apiVersion": contract.api_version or "v3.1.0", "kind": "DataContract", "id": contract.external_id}
    return {**skeleton, "name": contract.name, "version": contract.version, "status": contract.status or "active"}


def product_document(product: DataProduct) -> dict:
    """The stored ODPS document, corrected wherever the catalog now says otherwise."""
    doc = copy.deepcopy(product.descriptor) or {"apiVersion": "v1.0.0", "kind": "DataProduct"}
    doc.update({"id": product.external_id, "domain": product.domain.slug})
    current = mapping.product_fields(doc)
    for key in ("name", "version"):
        if current[key] != getattr(product, key):
            doc[key] = str(getattr(product, key))
    if current["status"] != product.status or "status" not in doc:
        doc["status"] = mapping.STATUS_EXPORT[product.status]
    _description_overlay(doc, current, product)
    _custom_overlay(doc, product)
    _tags_overlay(doc, product)
    _team_overlay(doc, current, product)
    _ports_overlay(doc, product)
    return doc


def _description_overlay(doc: dict, current: dict, product: DataProduct) -> None:
    for key in ("purpose", "limitations", "usage"):
        if current[key] != getattr(product, key):
            description = doc.setdefault("description", {})
            description[key] = str(getattr(product, key))


def _custom_overlay(doc: dict, product: DataProduct) -> None:
    if mapping.product_visibility(doc) != product.visibility:
        _set_custom_property(doc, "visibility", str(product.visibility))
    if mapping.product_slug(doc) != product.slug:
        _set_custom_property(doc, "slug", product.slug)


def _set_custom_property(doc: dict, name: str, value) -> None:
    props = doc.setdefault("customProperties", [])
    for prop in props:
        if prop.get("property") == name:
            prop["value"] = value
            return
    props.append({"property": name, "value": value})


def _tags_overlay(doc: dict, product: DataProduct) -> None:
    names = sorted(product.tags.values_list("name", flat=True))
    if mapping.product_tags(doc) != names:
        doc["tags"] = names


def _team_overlay(doc: dict, current: dict, product: DataProduct) -> None:
    stored = [{"username": m.username, "name": m.name, "role": m.role} for m in product.team_members.all()]
    key = lambda m: m["username"]  # noqa: E731
    if current["team_name"] == product.team_name and sorted(mapping.team_members(doc), key=key) == stored:
        return
    team = doc.setdefault("team", {})
    if product.team_name:
        team["name"] = product.team_name
    team["members"] = [{k: v for k, v in m.items() if v} for m in stored]


def _ports_overlay(doc: dict, product: DataProduct) -> None:
    stored = {(p.name, p.version): p for p in product.output_ports.all()}
    written = {(p.get("name"), p.get("version")) for p in mapping.dict_list(doc.get("outputPorts"))}
    if set(stored) == written:
        return
    doc["outputPorts"] = [_port_document(port) for port in stored.values()]


def _port_document(port) -> dict:
    doc = {"name": port.name, "version": port.version}
    if port.description:
        doc["description"] = port.description
    if port.contract_ref:
        doc["contractId"] = port.contract_ref
    return doc
