"""Where a new descriptor starts on the publish page: a documented example, or a copy of a product.

A copy is a new product: it gets a new product id, new contract ids and no slug, and each
server's data location is replaced by ``NEW_LOCATION``, which the import refuses until the
author names where the copy's own data lives. So a copy never silently republishes the
original's data, nor takes over its consumers in lineage.
"""
from __future__ import annotations

import uuid

import yaml

from catalog import locations
from catalog.descriptors import mapping
from catalog.descriptors.export import contract_document, product_contracts, product_document
from catalog.models import DataProduct, Domain

NEW_LOCATION = mapping.NEW_LOCATION
LOCATION_FIELDS = mapping.LOCATION_FIELDS

TEMPLATE = """\
# A data product (ODPS v1) and the contract (ODCS v3.1) of its output port, in one YAML text.
# Replace what is in angle brackets and the example columns; "Validate only" checks it all
# and writes nothing. The standards: https://bitol-io.github.io/open-data-product-standard/ and
# https://bitol-io.github.io/open-data-contract-standard/
apiVersion: v1.0.0
kind: DataProduct
id: {product_id}           # stable and unique; never reuse another product's id
name: Customer orders           # the product's name; its slug (the identifier's second half) comes from it
version: 1.0.0
status: draft                   # draft (only your team sees it), active, deprecated or retired
domain: {domain}
description:
  purpose: What the data is and what it is good for (Markdown).
  limitations: What it is not (known gaps, delays, excluded cases).
  usage: How to read it, with an example query.
tags: [orders, example]
customProperties:
  - property: visibility
    value: internal             # public, internal (logged-in users) or restricted (on request)
team:
  name: {domain_name} data team
  members:
    - username: {username}
      role: owner
support:
  - channel: "#{domain}-data"
    tool: slack
outputPorts:
  - name: orders                # the contract's schema object of the same name is this port's data
    version: 1.0.0
    contractId: {contract_id}
---
apiVersion: v3.1.0
kind: DataContract
id: {contract_id}
name: Customer orders
version: 1.0.0
status: active
domain: {domain}
servers:
  - server: files
    type: local
    environment: prod
    format: csv                 # csv, parquet or json files; postgres, duckdb, sqlite tables
    path: {path}
slaProperties:
  - property: latency           # the data is at most one day old
    value: 1
    unit: d
schema:
  - name: orders
    description: One row per order.
    properties:
      - name: order_id
        logicalType: integer
        description: The order number.
        primaryKey: true
        required: true
        unique: true
      - name: customer_email
        logicalType: string
        description: Where the confirmation went.
        classification: pii     # marks personal data: consumers see it, access rules use it
      - name: amount
        logicalType: number
        description: Order total in EUR.
        quality:
          - metric: nullValues
            mustBe: 0
            dimension: completeness
"""


def template_text(*, domain: Domain | None, username: str) -> str:
    """The documented example, for the user's first domain, with fresh ids and a path in its folder."""
    slug = domain.slug if domain else "<your-domain>"
    folders = locations.domain_folders(domain) if domain else []
    path = str(folders[0] / "orders.csv") if folders else "</path/to/orders.csv>"
    return TEMPLATE.format(
        product_id=f"urn:uuid:{uuid.uuid4()}", contract_id=f"urn:uuid:{uuid.uuid4()}", domain=slug,
        domain_name=domain.name if domain else "Your", username=username, path=path,
    )


def copy_text(product: DataProduct) -> str:
    """The product's export as a new product: new ids, no slug, every data location to choose."""
    doc = product_document(product)
    doc["id"] = f"urn:uuid:{uuid.uuid4()}"
    doc["name"] = f"Copy of {product.name}"
    doc["status"] = "draft"
    props = [p for p in mapping.dict_list(doc.get("customProperties")) if p.get("property") != "slug"]
    if props:
        doc["customProperties"] = props
    else:
        doc.pop("customProperties", None)
    new_ids = {}
    contracts = []
    for contract in product_contracts(product):
        document = contract_document(contract)
        new_ids[contract.external_id] = document["id"] = f"urn:uuid:{uuid.uuid4()}"
        for server in mapping.dict_list(document.get("servers")):
            for name in LOCATION_FIELDS:
                if name in server:
                    server[name] = NEW_LOCATION
        contracts.append(document)
    for port in mapping.dict_list(doc.get("outputPorts")):
        if port.get("contractId") in new_ids:
            port["contractId"] = new_ids[port["contractId"]]
    return yaml.safe_dump_all([doc, *contracts], sort_keys=False, allow_unicode=True)
