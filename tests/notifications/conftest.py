"""Notifications fixtures: a small mesh with lineage (sales.orders → finance.revenue → finance.forecast, and a
draft finance.ledger), its owners, and a webhook receiver that checks each request's signature."""
import copy
import hashlib
import hmac
import json

import pytest

from catalog.models import DataProduct
from lineage.models import ProductEdge
from tests.catalog.descriptors.conftest import (  # noqa: F401
    contract_doc,
    finance,
    finance_owner,
    product_doc,
    sales,
    sales_member,
)
from tests.governance.access.provisioning.test_webhook import Receiver

SECRET = "a-webhook-secret-of-some-length"


class SigningReceiver(Receiver):
    """The access tests' receiver, checking ``X-Meshport-Signature`` of each POST against the secret."""

    def __init__(self, statuses=(), secret=SECRET):
        super().__init__(statuses)
        self.secret = secret

    def valid(self, post) -> bool:
        headers = {k.lower(): v for k, v in post["headers"].items()}
        expected = "sha256=" + hmac.new(self.secret.encode(), post["body"], hashlib.sha256).hexdigest()
        return hmac.compare_digest(headers.get("x-meshport-signature", ""), expected)

    def events(self) -> list[dict]:
        return [json.loads(p["body"]) for p in self.posts]


@pytest.fixture(autouse=True)
def local_receivers(settings):
    """The receivers here listen on 127.0.0.1: a private address, refused unless allowed."""
    settings.MESHPORT_WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def receiver():
    made = []

    def start(*statuses, secret=SECRET):
        made.append(SigningReceiver(statuses, secret))
        return made[-1]

    yield start
    for r in made:
        r.close()


def publish(api, *documents):
    response = api.post("/api/products/", {"documents": list(documents)}, format="json")
    assert response.status_code in (200, 201), response.json()
    return response


def without_email():
    doc = copy.deepcopy(contract_doc())
    doc["schema"][1]["properties"] = [p for p in doc["schema"][1]["properties"] if p["name"] != "email"]
    return doc


@pytest.fixture
def mesh(api, sales, finance, sales_member, finance_owner):  # noqa: F811
    """sales.orders (ana's team) feeds finance.revenue, which feeds finance.forecast; a draft finance.ledger
    also reads sales.orders. fred owns the finance domain."""
    api.force_authenticate(sales_member)
    publish(api, product_doc(), contract_doc())
    orders = DataProduct.objects.get(identifier="sales.orders")
    made = {}
    for slug, status in (("revenue", "published"), ("forecast", "published"), ("ledger", "draft")):
        made[slug] = DataProduct.objects.create(domain=finance, slug=slug, external_id=f"p-{slug}", name=slug.title(),
                                                status=status)
    for source, target in ((orders, made["revenue"]), (made["revenue"], made["forecast"]), (orders, made["ledger"])):
        ProductEdge.objects.create(source=source, target=target, kind=ProductEdge.Kind.INPUT_PORT)
    return type("Mesh", (), {"orders": orders, **made, "api": api, "ana": sales_member, "fred": finance_owner})
