"""Upgrade from the last main before the app moves (search and profiling out of catalog into apps).

A database at that main's migrations, holding a product with its port and columns, a profile
with its column statistics and a PII suggestion, quality runs and scores, search entries and
lineage, migrates forward to today's leaf migrations with every row intact, and the API answers
for the product as it did: detail, profile, search (with a typo, and suggestions) and lineage.

The old rows are written with the historical models of that state (and, for the search index,
the raw SQL its indexer wrote); the checks read them back through today's models and the API.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from rest_framework.test import APIClient

from catalog.models import Column, DataProduct, Domain, InputPort, OutputPort, Tag
from governance.models import CheckResult, QualityRun, QualityScore
from lineage.models import ColumnEdge, Dataset, DatasetEdge, Job, ProductEdge, Run
from profiling.models import ColumnProfile, PiiSuggestion, ProfileRun
from search.backends import get_backend
from search.models import SearchEntry, SearchFacet, SearchTerm

# The schema of the main before the moves (commit 735bfdb): its newest migrations with operations.
BEFORE_MOVES = [
    ("catalog", "0008_domain_data_locations"),
    ("governance", "0003_scrub_quoted_values"),
    ("lineage", "0003_lineage_producers"),
]
# That main also had catalog 0009/0010 as empty placeholders for the moves: a database migrated
# there has them recorded as applied, whatever the moves later put in those files.
PLACEHOLDERS_APPLIED = [("catalog", "0009_search_models_to_search_app"),
                        ("catalog", "0010_profiling_models_to_profiling_app")]
CREATED_BY_THE_MOVES = ("search", "profiling")  # apps with no migration applied before them

pytestmark = pytest.mark.django_db(transaction=True)

PROFILED = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)
ORDERS_FILE = "/data/sales/orders.csv"
INVOICES_FILE = "/data/finance/invoices.csv"
RUN_ID = uuid.UUID("8d1c6a52-5b1e-4a6b-9b1a-3f7f0b1f2a10")
COLUMNS = [  # (name, logical type, classification, description)
    ("order_id", "string", "", "The order's id"),
    ("customer_email", "string", "pii", "Where the receipt went"),
    ("total_amount", "number", "", "Order total in EUR"),
]
STATS = {
    "order_id": {"null_count": 0, "distinct_count": 1200},
    "customer_email": {"null_count": 3, "distinct_count": 1100},
    "total_amount": {"null_count": 0, "min": 1.5, "max": 980.0, "mean": 74.25},
}


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)  # a fresh loader: it reads what is applied now
    executor.migrate(targets)
    return executor


def _to_latest(*, check: bool = True) -> None:
    executor = MigrationExecutor(connection)
    if check:
        executor.loader.check_consistent_history(connection)  # as ``manage.py migrate`` does first
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture(params=["at 0008", "placeholders applied"])
def upgraded(request):
    """Migrate back to the main before the moves, write its rows, migrate forward again.

    The ``finally`` puts the database back on the latest migrations whatever fails, so no later
    test runs on the old schema.
    """
    executor = MigrationExecutor(connection)
    gone = [(app, None) for app in CREATED_BY_THE_MOVES if app in executor.loader.migrated_apps]
    written: dict = {}
    try:
        executor = _migrate(BEFORE_MOVES + gone)
        written = _write_old_rows(executor.loader.project_state(BEFORE_MOVES).apps)
        if request.param == "placeholders applied":
            for app, name in PLACEHOLDERS_APPLIED:
                MigrationRecorder(connection).record_applied(app, name)
        _to_latest()
        yield written
    finally:
        _to_latest(check=False)
        if written:  # the FTS5 table is not flushed with the models' tables: take this test's rows out
            get_backend().remove([written["orders"], written["invoices"]])


# -- the old main's rows ------------------------------------------------------------------------


def _write_old_rows(apps) -> dict:
    user = apps.get_model("auth", "User").objects.create(username="sales-lead", email="lead@example.com")
    orders, invoices = _products(apps, user)
    port = apps.get_model("catalog", "OutputPort").objects.get(product=orders)
    run = _profile(apps, port, user)
    _quality(apps, orders, port, run)
    _lineage(apps, orders, invoices)
    for product in (orders, invoices):
        _index(apps, product)
    return {"orders": orders.pk, "invoices": invoices.pk, "port": port.pk, "run": run.pk, "user": user.pk}


def _products(apps, user):
    Domain = apps.get_model("catalog", "Domain")
    sales = Domain.objects.create(slug="sales", name="Sales", data_locations=["/data/sales"])
    finance = Domain.objects.create(slug="finance", name="Finance")
    apps.get_model("catalog", "DomainMembership").objects.create(domain=sales, user=user, role="owner")
    orders = _product(apps, sales, "orders", "Orders", "Every **order** placed in the web shop.", quality=87.5)
    invoices = _product(apps, finance, "invoices", "Invoices", "Invoices issued for orders.", quality=None)
    orders.tags.add(apps.get_model("catalog", "Tag").objects.create(name="commerce"))
    apps.get_model("catalog", "ProductTeamMember").objects.create(product=orders, username="sales-lead",
                                                                  role="owner", user=user)
    port = _port(apps, orders, "orders", ORDERS_FILE)
    for position, (name, logical, classification, description) in enumerate(COLUMNS):
        apps.get_model("catalog", "Column").objects.create(
            port=port, name=name, position=position, logical_type=logical, classification=classification,
            description=description, required=name == "order_id", primary_key=name == "order_id")
    _port(apps, invoices, "invoices", INVOICES_FILE)
    apps.get_model("catalog", "InputPort").objects.create(product=invoices, name="orders", version="1.0.0",
                                                          contract_ref="sales-orders", source_port=port)
    return orders, invoices


# Drift a pipeline reported, in the shape main stored before both drifts were computed by profiling.drift.
OLD_REPORTED_DRIFT = {"missing": ["region"], "unexpected": ["coupon"], "source": "openlineage:postgres://shop/orders",
                      "type_changed": [{"column": "amount", "contract": "numeric", "observed": "TEXT"}]}


def _product(apps, domain, slug, name, description, *, quality):
    # Historical models have no save(): the identifier and the rendered description are set as
    # DataProduct.save set them.
    html = re.sub(r"\*\*(\w+)\*\*", r"<strong>\1</strong>", description)
    return apps.get_model("catalog", "DataProduct").objects.create(
        domain=domain, slug=slug, identifier=f"{domain.slug}.{slug}", external_id=f"urn:{domain.slug}:{slug}",
        name=name, description=description, description_html=f"<p>{html}</p>", status="published",
        visibility="public", version="1.0.0", quality_score=quality, search_dirty=False,
        freshness_slo_hours=24.0, flags={"schema_drift_reported": {"orders@1.0.0": OLD_REPORTED_DRIFT}} if quality else {})


def _port(apps, product, name, location):
    return apps.get_model("catalog", "OutputPort").objects.create(
        product=product, name=name, version="1.0.0", kind="file", format="csv", location=location,
        server_type="local", server={"type": "local", "path": location}, contract_ref=f"{product.domain.slug}-{name}")


def _profile(apps, port, user):
    ProfileRun = apps.get_model("catalog", "ProfileRun")
    ProfileRun.objects.create(port=port, state="failed", reason="the file was missing", trigger="schedule",
                              finished=PROFILED - dt.timedelta(days=1))
    run = ProfileRun.objects.create(
        port=port, state="succeeded", trigger="manual", requested_by=user, started=PROFILED,
        finished=PROFILED + dt.timedelta(seconds=4), attempt=1, engine="duckdb", row_count=1200,
        source_bytes=48_000, drift={"added": ["coupon"], "missing": [], "changed": []}, is_latest_good=True)
    for position, (name, logical, _, _) in enumerate(COLUMNS):
        apps.get_model("catalog", "ColumnProfile").objects.create(
            run=run, name=name, position=position, data_type="VARCHAR" if logical == "string" else "DOUBLE",
            semantic_type="email" if name == "customer_email" else "", masked=name == "customer_email",
            stats=STATS[name])
    apps.get_model("catalog", "PiiSuggestion").objects.create(
        port=port, column_name="customer_email", kind="email", confidence=0.98, evidence_count=98,
        sample_size=100, by_name=True, run=run)
    return run


def _quality(apps, product, port, run):
    quality_run = apps.get_model("governance", "QualityRun").objects.create(
        product=product, port=port, profile_run_id=run.pk, state="succeeded", reason="profiled",
        started=PROFILED, finished=PROFILED + dt.timedelta(seconds=1))
    apps.get_model("governance", "CheckResult").objects.create(
        run=quality_run, name="order_id is unique", rule_kind="library", metric="duplicateValues",
        dimension="uniqueness", column="order_id", measured=0, expected={"mustBe": 0}, rows_checked=1200,
        rows_failed=0, passed=True)
    apps.get_model("governance", "QualityScore").objects.create(
        product=product, computed_at=PROFILED, score=87.5, dimensions={"uniqueness": 100.0, "completeness": 75.0})


def _lineage(apps, orders, invoices):
    Dataset = apps.get_model("lineage", "Dataset")
    source = Dataset.objects.create(namespace="file", name=ORDERS_FILE, product=orders,
                                    port=orders.output_ports.get())
    target = Dataset.objects.create(namespace="file", name=INVOICES_FILE, product=invoices,
                                    port=invoices.output_ports.get())
    job = apps.get_model("lineage", "Job").objects.create(namespace="etl", name="finance.build_invoices")
    apps.get_model("lineage", "Run").objects.create(run_id=RUN_ID, job=job, state="COMPLETE", state_time=PROFILED)
    apps.get_model("lineage", "DatasetEdge").objects.create(source=source, target=target, job=job)
    apps.get_model("lineage", "ColumnEdge").objects.create(source=source, source_field="total_amount",
                                                           target=target, target_field="net_amount")
    for kind in ("lineage", "input_port"):
        apps.get_model("lineage", "ProductEdge").objects.create(source=orders, target=invoices, kind=kind)


# The old indexer's layout (catalog.search.backends.database.store at that main).
FIELD_SEP, GROUP_SEP, FACET_SEP = "\x1f", "\x1d", "\x1e"
FTS_FIELDS = ("identifier", "name", "tags", "columns", "domain", "description", "owners", "restricted_columns")
_WORD = re.compile(r"[^\W_]+")


def _index(apps, product) -> None:
    """Write the product's search entry, facets, vocabulary and text as the old indexer did."""
    tags = list(product.tags.values_list("name", flat=True))
    columns = apps.get_model("catalog", "Column").objects.filter(port__product=product).order_by("position")
    owners = list(product.team_members.filter(role="owner").values_list("username", flat=True))
    text = {"identifier": product.identifier.replace(".", " . "), "name": product.name, "tags": " | ".join(tags),
            "columns": " | ".join(f"{c.name}: {c.description}" for c in columns),
            "domain": f"{product.domain.slug} {product.domain.name}", "description": product.description,
            "owners": " | ".join(owners)}
    facets = [("domain", product.domain.slug), ("status", product.status), *(("tag", t) for t in tags),
              ("format", "csv"), *(("owner", o) for o in owners)]
    result = {"identifier": product.identifier, "name": product.name, "domain": product.domain.slug,
              "domain_name": product.domain.name, "description": product.description, "status": product.status,
              "visibility": product.visibility, "quality_score": product.quality_score, "tags": tags}
    if connection.vendor == "postgresql":
        result["text"] = text
    entry = apps.get_model("catalog", "SearchEntry").objects.create(
        product_id=product.pk, identifier=product.identifier, name_norm=product.name.lower(),
        domain_id=product.domain_id, status=product.status, visibility=product.visibility,
        has_pii=columns.filter(classification="pii").exists(), quality_score=product.quality_score,
        updated=product.updated.isoformat(), content_hash=f"{product.pk:032x}", facet_keys=_pack(facets),
        result=result)
    apps.get_model("catalog", "SearchFacet").objects.bulk_create(
        [apps.get_model("catalog", "SearchFacet")(entry=entry, field=f, value=v) for f, v in facets])
    words = set(re.findall(r"[^\W\d_]{3,40}", " ".join(text.values()).lower()))
    apps.get_model("catalog", "SearchTerm").objects.bulk_create(
        [apps.get_model("catalog", "SearchTerm")(term=w) for w in sorted(words)], ignore_conflicts=True)
    _index_text(product.pk, text)


def _pack(facets: list[tuple[str, str]]) -> str:
    parts: dict[int, list[str]] = {}
    for field, value in facets:
        part = {"domain": 0, "status": 0, "tag": 1, "format": 2, "owner": 3}[field]
        parts.setdefault(part, []).append(f"{field}{FIELD_SEP}{value}")
    return FACET_SEP.join(GROUP_SEP.join(keys) for _, keys in sorted(parts.items()))


def _index_text(pk: int, text: dict) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            values = [text[f] for f in FTS_FIELDS[:-1]] + [""]
            cursor.execute(f"INSERT INTO catalog_search_fts (rowid, {', '.join(FTS_FIELDS)}) "
                           f"VALUES (%s{', %s' * len(FTS_FIELDS)})", [pk, *values])
            return

        def words(*fields):
            return " ".join(_WORD.findall(" ".join(text[f] for f in fields)))

        cursor.execute(
            "UPDATE catalog_searchentry SET search_vector = setweight(to_tsvector('english', %s), 'A') || "
            "setweight(to_tsvector('english', %s), 'B') || setweight(to_tsvector('english', %s), 'C') || "
            "setweight(to_tsvector('english', %s), 'D'), suggest_vector = to_tsvector('simple', %s) "
            "WHERE product_id = %s",
            [words("name"), words("identifier", "tags"), words("columns"), words("domain", "description", "owners"),
             " ".join(_WORD.findall(f"{text['name']} {text['identifier']}")), pk])


# -- after the upgrade ---------------------------------------------------------------------------


def test_an_old_database_upgrades_with_every_row_and_answer_intact(upgraded):
    """One migration round trip a starting state (each costs a full migrate back and forward): the
    rows, then the API, search and lineage over them."""
    every_row_survives(upgraded)
    the_api_answers_for_the_old_rows(upgraded)
    search_finds_the_old_entries()
    lineage_answers_for_the_old_edges()


def every_row_survives(upgraded):
    orders = DataProduct.objects.get(pk=upgraded["orders"])
    assert (orders.identifier, orders.name, orders.quality_score) == ("sales.orders", "Orders", 87.5)
    assert orders.flags["schema_drift_reported"]["orders@1.0.0"] == {  # the profiler's shape now
        "missing": ["region"], "added": ["coupon"], "source": "openlineage:postgres://shop/orders",
        "changed": [{"column": "amount", "expected": "numeric", "found": "TEXT"}]}
    assert Domain.objects.get(slug="sales").data_locations == ["/data/sales"]
    assert list(orders.tags.values_list("name", flat=True)) == ["commerce"]
    assert Tag.objects.count() == 1
    port = OutputPort.objects.get(pk=upgraded["port"])
    assert list(Column.objects.filter(port=port).values_list("name", "classification")) == [
        (name, classification) for name, _, classification, _ in COLUMNS]
    assert InputPort.objects.get(product__identifier="finance.invoices").source_port == port

    assert ProfileRun.objects.count() == 2
    run = ProfileRun.objects.get(pk=upgraded["run"])
    assert (run.port, run.state, run.row_count, run.is_latest_good) == (port, "succeeded", 1200, True)
    assert run.requested_by_id == upgraded["user"]
    assert run.drift == {"added": ["coupon"], "missing": [], "changed": []}
    assert {c.name: c.stats for c in ColumnProfile.objects.filter(run=run)} == STATS
    suggestion = PiiSuggestion.objects.get()
    assert (suggestion.port, suggestion.run, suggestion.column_name, suggestion.kind) == (
        port, run, "customer_email", "email")

    assert QualityRun.objects.get().profile_run_id == run.pk
    assert CheckResult.objects.get().passed is True
    assert QualityScore.objects.get().dimensions == {"uniqueness": 100.0, "completeness": 75.0}

    assert SearchEntry.objects.count() == 2
    entry = SearchEntry.objects.get(product_id=orders.pk)
    assert (entry.identifier, entry.has_pii, entry.quality_score) == ("sales.orders", True, 87.5)
    assert entry.result["tags"] == ["commerce"]
    assert set(SearchFacet.objects.filter(entry=entry).values_list("field", "value")) == {
        ("domain", "sales"), ("status", "published"), ("tag", "commerce"), ("format", "csv"), ("owner", "sales-lead")}
    assert SearchTerm.objects.filter(term__in=["orders", "invoices", "receipt"]).count() == 3

    assert Dataset.objects.count() == 2
    assert Dataset.objects.get(name=ORDERS_FILE).port == port
    assert DatasetEdge.objects.get().job == Job.objects.get(name="finance.build_invoices")
    assert Run.objects.get().run_id == RUN_ID
    assert ColumnEdge.objects.values_list("source_field", "target_field").get() == ("total_amount", "net_amount")
    assert set(ProductEdge.objects.values_list("source__identifier", "target__identifier", "kind")) == {
        ("sales.orders", "finance.invoices", "lineage"), ("sales.orders", "finance.invoices", "input_port")}


def the_api_answers_for_the_old_rows(upgraded):
    api = APIClient()  # anonymous: the products are published and public
    detail = api.get("/api/products/sales.orders/")
    assert detail.status_code == 200
    body = detail.json()
    assert (body["name"], body["quality_score"], body["tags"], body["owners"]) == (
        "Orders", 87.5, ["commerce"], ["sales-lead"])
    assert body["description_html"] == "<p>Every <strong>order</strong> placed in the web shop.</p>"
    assert [c["name"] for c in body["output_ports"][0]["columns"]] == [name for name, *_ in COLUMNS]
    assert body["consumers"][0]["identifier"] == "finance.invoices"

    profile = api.get("/api/products/sales.orders/profile/")
    assert profile.status_code == 200
    (port,) = profile.json()["ports"]
    assert (port["profile"]["id"], port["profile"]["row_count"]) == (upgraded["run"], 1200)
    assert {c["name"]: c["stats"] for c in port["profile"]["columns"]} == STATS
    assert port["drift"] == {"added": ["coupon"], "missing": [], "changed": []}
    assert [(s["column_name"], s["kind"], s["status"]) for s in port["pii_suggestions"]] == [
        ("customer_email", "email", "suggested")]
    assert [run["state"] for run in port["history"]] == ["succeeded", "failed"]


def search_finds_the_old_entries():
    api = APIClient()
    found = api.get("/api/search/", {"q": "receipt"})  # a column's description: the text index survived
    assert found.status_code == 200
    body = found.json()
    assert [hit["identifier"] for hit in body["results"]] == ["sales.orders"]
    assert body["facets"]["domain"] == [{"value": "sales", "count": 1}]
    assert body["facets"]["owner"] == [{"value": "sales-lead", "count": 1}]
    typo = api.get("/api/search/", {"q": "invoces"}).json()  # corrected from the stored vocabulary
    assert [hit["identifier"] for hit in typo["results"]] == ["finance.invoices"]
    assert "<mark>" in json.dumps(typo["results"][0]["highlights"])
    tagged = api.get("/api/search/", {"tag": "commerce"}).json()
    assert [hit["identifier"] for hit in tagged["results"]] == ["sales.orders"]
    suggested = api.get("/api/search/suggest/", {"q": "ord"}).json()
    assert "sales.orders" in [s["identifier"] for s in suggested["suggestions"]]


def lineage_answers_for_the_old_edges():
    api = APIClient()
    down = api.get("/api/lineage/", {"node": "sales.orders", "direction": "downstream", "depth": 3}).json()
    assert {n["id"]: n["datasets"] for n in down["nodes"]} == {"sales.orders": 1, "finance.invoices": 1}
    columns = api.get("/api/lineage/", {"node": f"file:{ORDERS_FILE}", "level": "column", "column": "total_amount",
                                        "direction": "downstream", "depth": 3})
    assert {n["id"] for n in columns.json()["nodes"]} == {f"file:{ORDERS_FILE}#total_amount",
                                                          f"file:{INVOICES_FILE}#net_amount"}
