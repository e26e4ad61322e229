"""Descriptor fixtures: ODPS products and ODCS contracts written as Python dicts, and a tiny mesh."""
import copy

import pytest
from django.conf import settings

from catalog.models import Domain, DomainMembership


def data_root():
    return settings.MESHPORT_DATA_ROOTS[0]


def contract_doc(cid="c-orders", name="orders", *, path=None, **extra):
    doc = {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": cid,
        "name": name,
        "version": "1.0.0",
        "status": "active",
        "domain": "sales",
        "servers": [
            {"server": "dev", "type": "local", "environment": "dev", "path": str(data_root() / "dev.csv"), "format": "csv"},
            {"server": "files", "type": "local", "environment": "prod",
             "path": path or str(data_root() / "sales" / f"{name}.csv"), "format": "csv"},
        ],
        "schema": [
            {"name": "other", "properties": [{"name": "x", "logicalType": "string"}]},
            {
                "name": name,
                "physicalName": name,
                "logicalType": "object",
                "properties": [
                    {"name": "order_id", "logicalType": "integer", "physicalType": "bigint",
                     "primaryKey": True, "required": True, "unique": True},
                    {"name": "email", "logicalType": "string", "classification": "PII",
                     "criticalDataElement": True, "description": "Who bought."},
                    {"name": "amount", "logicalType": "number"},
                ],
            },
        ],
        "slaProperties": [
            {"property": "latency", "value": 2, "unit": "d"},
            {"property": "availability", "value": 99.5},
        ],
    }
    doc.update(extra)
    return doc


def product_doc(pid="p-orders", name="Orders", *, domain="sales", contract_id="c-orders", **extra):
    doc = {
        "apiVersion": "v1.0.0",
        "kind": "DataProduct",
        "id": pid,
        "name": name,
        "version": "1.0.0",
        "status": "active",
        "domain": domain,
        "description": {"purpose": "Every order.", "limitations": "No refunds.", "usage": "Join on order_id."},
        "tags": ["sales", "orders"],
        "outputPorts": [
            {"name": "orders", "version": "1.0.0", "type": "files", "description": "Orders file", "contractId": contract_id}
        ],
        "team": {"name": "Sales analytics", "members": [{"username": "ana", "name": "Ana", "role": "owner"}]},
        "support": [{"channel": "#sales-data", "tool": "slack"}],
    }
    doc.update(extra)
    return doc


def bundle(product=None, *contracts):
    return {"product": product or product_doc(), "contracts": list(contracts) or [contract_doc()]}


@pytest.fixture
def docs():
    """The orders product and its contract, fresh copies each time."""
    return [copy.deepcopy(product_doc()), copy.deepcopy(contract_doc())]


@pytest.fixture
def sales(db):
    return Domain.objects.create(slug="sales", name="Sales")


@pytest.fixture
def finance(db):
    return Domain.objects.create(slug="finance", name="Finance")


@pytest.fixture
def sales_member(make_user, sales):
    user = make_user("ana", email="ana@acme.example")
    DomainMembership.objects.create(domain=sales, user=user, role=DomainMembership.Role.MEMBER)
    return user


@pytest.fixture
def finance_owner(make_user, finance):
    user = make_user("fred")
    DomainMembership.objects.create(domain=finance, user=user, role=DomainMembership.Role.OWNER)
    return user
