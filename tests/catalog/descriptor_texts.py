"""Descriptors as a domain team writes them: multi-document YAML text, with known line numbers."""
from pathlib import Path

from django.conf import settings

# Line numbers below are those of ORDERS_YAML; the invalid tests point at them.
STATUS_LINE = 6
PORT_LINE = 12

ORDERS_YAML = """\
apiVersion: v1.0.0
kind: DataProduct
id: urn:dp:sales:web-orders
name: Web orders
version: 1.0.0
status: active
domain: {domain}
description:
  purpose: Every order placed on the web shop.
tags: [orders, web]
outputPorts:
  - name: orders
    version: 1.0.0
    contractId: urn:contract:web-orders
team:
  name: Web sales
  members:
    - username: ana
      role: owner
---
apiVersion: v3.1.0
kind: DataContract
id: urn:contract:web-orders
name: web orders
version: 1.0.0
status: active
domain: {domain}
servers:
  - server: files
    type: local
    environment: prod
    path: {path}
    format: csv
schema:
  - name: orders
    properties:
      - name: order_id
        logicalType: integer
        primaryKey: true
        required: true
      - name: customer_email
        logicalType: string
        classification: PII
      - name: amount
        logicalType: number
"""


def orders_csv(domain: str = "sales") -> Path:
    """A small CSV the contract points at, in its domain's folder under the suite's data root."""
    path = Path(settings.MESHPORT_DATA_ROOTS[0]) / domain / "web" / "orders.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("order_id,customer_email,amount\n1,a@example.com,9.5\n2,b@example.com,12\n")
    return path


def orders_yaml(*, domain: str = "sales") -> str:
    return ORDERS_YAML.format(domain=domain, path=orders_csv(domain))


def broken_orders_yaml() -> str:
    """``status: 12`` (not a string) and the output port's ``name`` line removed."""
    lines = orders_yaml().splitlines(keepends=True)
    assert lines[STATUS_LINE - 1].startswith("status:")
    assert lines[PORT_LINE - 1].strip() == "- name: orders"
    lines[STATUS_LINE - 1] = "status: 12\n"
    lines[PORT_LINE - 1] = "  - version: 1.0.0\n"  # the port keeps its line, loses its name
    del lines[PORT_LINE]
    return "".join(lines)
