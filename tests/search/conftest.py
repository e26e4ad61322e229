"""Search fixtures: the Elasticsearch-protocol server, both backends, and a small mesh in code.

Unless ``ELASTICSEARCH_URL`` names a real cluster, the session starts ``noida-db`` (an
Elasticsearch-protocol emulator) on a free port; if it cannot start, tests error, never skip.
Every contract test runs on both backends (the emulator handles all the queries we send,
fuzzy ``multi_match`` included), so no case is skipped or left uncollected.
"""
from __future__ import annotations

import os
import uuid

import pytest
from django.db import transaction

from catalog.changes import Kind, product_changes_announce
from catalog.models import Column, DataProduct, Domain, DomainMembership, OutputPort, ProductTeamMember, Tag
from search.backends.database import DatabaseBackend
from search.documents import product_documents
from tests.search.emulator import EmulatedElasticsearch

REAL_ELASTICSEARCH = os.environ.get("ELASTICSEARCH_URL", "")
BACKENDS = ("database", "elasticsearch")


def pytest_generate_tests(metafunc):
    if "backend_name" in metafunc.fixturenames:
        metafunc.parametrize("backend_name", BACKENDS)


@pytest.fixture(scope="session")
def elasticsearch_url(tmp_path_factory):
    if REAL_ELASTICSEARCH:
        yield REAL_ELASTICSEARCH
        return
    server = EmulatedElasticsearch(tmp_path_factory.mktemp("noida"))
    server.start()
    yield server.url
    server.stop()


@pytest.fixture
def backend_settings(request, backend_name, settings):
    """Point ``SEARCH_BACKENDS["default"]`` at the chosen backend (a fresh index alias for ES)."""
    if backend_name == "database":
        settings.SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.database.DatabaseBackend"}}
        yield settings.SEARCH_BACKENDS["default"]
        return
    url = request.getfixturevalue("elasticsearch_url")
    options = {"BACKEND": "search.backends.elasticsearch.ElasticsearchBackend", "URL": url,
               "INDEX": f"test-products-{uuid.uuid4().hex[:10]}"}
    settings.SEARCH_BACKENDS = {"default": options}
    yield options
    from search.backends import get_backend

    get_backend().drop()


@pytest.fixture
def search_backend(backend_settings, db):
    from search.backends import get_backend

    backend = get_backend()
    backend.setup()
    return backend


@pytest.fixture
def database_backend(db):
    return DatabaseBackend()


def index_all(backend) -> None:
    backend.upsert(product_documents(list(DataProduct.objects.values_list("pk", flat=True))))
    DataProduct.objects.update(search_dirty=False)
    backend.refresh()


class MeshBuilder:
    """Builds products the way a publish would: rows, then the change announced in the transaction."""

    def __init__(self):
        self.domains: dict[str, Domain] = {}

    def domain(self, slug: str, name: str = "") -> Domain:
        if slug not in self.domains:
            self.domains[slug] = Domain.objects.create(slug=slug, name=name or slug.title())
        return self.domains[slug]

    @transaction.atomic
    def product(self, identifier: str, name: str, *, description: str = "", status: str = "published",
                visibility: str = "public", tags: tuple = (), columns: tuple = (), fmt: str = "parquet",
                quality: float | None = None, usage: int = 0, owner: str = "") -> DataProduct:
        domain_slug, slug = identifier.split(".", 1)
        product = DataProduct.objects.create(
            domain=self.domain(domain_slug), slug=slug, external_id=f"urn:{identifier}", name=name,
            description=description, status=status, visibility=visibility, quality_score=quality,
            usage_count=usage, team_name=f"{domain_slug} team",
        )
        product.tags.set([Tag.objects.get_or_create(name=t)[0] for t in tags])
        port = OutputPort.objects.create(product=product, name=slug, version="1.0.0", format=fmt, location=f"/data/{slug}")
        for i, column in enumerate(columns):
            col_name, _, classification = column.partition(":")
            Column.objects.create(port=port, name=col_name, position=i, classification=classification)
        if owner:
            ProductTeamMember.objects.create(product=product, username=owner, role="owner")
        product_changes_announce([product.pk], Kind.CREATED)
        return product


@pytest.fixture
def mesh_builder(db):
    return MeshBuilder()


@pytest.fixture
def small_mesh(mesh_builder):
    """Nine products across four domains, in every status and visibility the rules care about."""
    b = mesh_builder
    b.product("sales.orders", "Customer orders", description="Every order placed in the web shop, one row per order line.",
              tags=("orders", "ecommerce"), columns=("order_id", "customer_id", "order_total", "shipped_at"),
              quality=95, usage=900, owner="alice")
    b.product("sales.orders_draft", "Orders with returns", description="Work in progress: orders joined to returns.",
              status="draft", tags=("orders",), columns=("order_id", "return_reason"))
    b.product("sales.customers", "Customers", description="One row per customer with contact details.",
              tags=("customers", "crm"), columns=("customer_id", "email:pii", "full_name:pii", "segment"),
              fmt="csv", quality=80, usage=300, owner="alice")
    b.product("sales.legacy_orders", "Legacy orders", description="Orders from the old shop system, kept for audits.",
              status="deprecated", tags=("orders",), columns=("order_id", "amount"), quality=40)
    b.product("sales.old_orders", "Old orders export", description="Orders exported nightly (retired).",
              status="retired", tags=("orders",), columns=("order_id",))
    b.product("finance.revenue", "Monthly revenue", description="Recognised revenue per month and region.",
              tags=("finance", "kpi"), columns=("month", "region", "revenue_eur"), quality=88, usage=120, owner="bob")
    b.product("finance.payroll", "Payroll", description="Salaries paid per employee and month.",
              visibility="restricted", tags=("finance",), columns=("employee_ssn:pii", "gross_salary", "bonus_amount"),
              quality=70, owner="bob")
    b.product("hr.employees", "Employees", description="Current staff with department and start date.",
              visibility="internal", tags=("hr",), columns=("employee_id", "department", "start_date"), fmt="jsonl")
    b.product("marketing.campaigns", "Campaign performance", description="Spend, clicks and conversions per campaign.",
              tags=("marketing", "kpi"), columns=("campaign_id", "spend_eur", "clicks", "conversions"), quality=60)
    return b


@pytest.fixture
def sales_member(make_user, small_mesh):
    user = make_user("sam")
    DomainMembership.objects.create(domain=small_mesh.domains["sales"], user=user)
    return user


@pytest.fixture
def finance_member(make_user, small_mesh):
    user = make_user("fiona")
    DomainMembership.objects.create(domain=small_mesh.domains["finance"], user=user)
    return user
