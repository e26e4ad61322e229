"""Lineage writers are trusted explicitly: a lineage-producer role, per domain or platform-wide.

Posting needs the role; facets that change trust (reported quality, ownership, observed schema)
count only on datasets of products in the producer's domains; other facts are kept as sent.
"""
from __future__ import annotations

import uuid

import pytest
from rest_framework.authtoken.models import Token

from catalog.models import Column, DataProduct, Domain
from governance.models import QualityRun, QualityScore
from lineage.models import DatasetEdge, LineageEvent, QualityObservation
from tests.lineage.conftest import ORDERS, PG, ds, facet, revenue_events, run_event

pytestmark = pytest.mark.django_db
URL = "/api/v1/lineage"
CUSTOMERS = (PG, "shop.public.customers")
CAMPAIGNS = "/data/marketing/campaigns.parquet"


def as_user(api, user):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {Token.objects.get_or_create(user=user)[0].key}")
    return api


def grant(admin_client, user, domain: Domain | None) -> None:
    """A steward grants the role in Django admin."""
    response = admin_client.post("/admin/lineage/lineageproducer/add/",
                                 {"user": user.pk, "domain": domain.pk if domain else ""})
    assert response.status_code == 302, response.content.decode()[:2000]


def attack(time: str = "2026-11-20T06:00:00Z") -> dict:
    """What the probe sent: failing tests, a fake owner and an extra column on sales.customers, and
    edges between other domains' products (sales.orders → sales.customers)."""
    tested = ds(*CUSTOMERS)
    tested["inputFacets"] = {
        "dataQualityAssertions": facet(assertions=[
            {"assertion": "not_null", "success": False, "column": "customer_id", "severity": "error"}]),
        "dataQualityMetrics": facet(rowCount=1, columnMetrics={"customer_id": {"nullCount": 1}})}
    written = ds(*CUSTOMERS, ownership=facet(owners=[{"name": "mallory", "type": "MAINTAINER"}]),
                 schema=facet(fields=[{"name": "customer_id", "type": "BIGINT"}, {"name": "exfil", "type": "TEXT"}]))
    return run_event("COMPLETE", job="marketing.build_campaigns", time=time, inputs=[ORDERS, tested],
                     outputs=[written, ds("file", CAMPAIGNS, ownership=facet(owners=[{"name": "team:marketing"}]))])


@pytest.fixture
def marketing(mesh, make_user):
    from tests.lineage.conftest import file_port, make_product

    domain = Domain.objects.create(slug="marketing", name="Marketing")
    campaigns = make_product(domain, "campaigns", ports=[file_port("campaigns", CAMPAIGNS)])
    from lineage.services.products import lineage_products_sync

    lineage_products_sync(product_ids=[campaigns.pk])
    return domain


@pytest.fixture
def post(api, django_capture_on_commit_callbacks):
    def send(user, body, url=URL):
        with django_capture_on_commit_callbacks(execute=True):
            return as_user(api, user).post(url, body, format="json")
    return send


def test_a_signed_in_user_without_the_role_may_not_post(mesh, consumer, post):
    for url, body in ((URL, attack()), (URL + "/batch", [attack()])):
        response = post(consumer, body, url)
        assert response.status_code == 403
        assert "lineage-producer role" in response.json()["detail"]
    assert LineageEvent.objects.count() == 0
    assert not QualityObservation.objects.exists()


def test_a_producer_for_marketing_cannot_change_sales_scores_owners_or_columns(
        marketing, make_user, admin_client, post, api):
    producer = make_user("marketing-airflow")
    grant(admin_client, producer, marketing)
    customers = DataProduct.objects.get(identifier="sales.customers")
    columns = set(Column.objects.filter(port__product=customers).values_list("name", flat=True))
    scores = QualityScore.objects.filter(product=customers).count()

    sent = attack()
    response = post(producer, sent)
    assert response.status_code == 201
    body = response.json()
    ignored = {i["path"]: i["reason"] for i in body["ignored"]}
    assert set(ignored) == {"outputs[0].facets.ownership", "outputs[0].facets.schema",
                            "inputs[1].inputFacets.dataQualityAssertions",
                            "inputs[1].inputFacets.dataQualityMetrics"}
    assert "sales.customers" in ignored["outputs[0].facets.ownership"]
    assert "marketing" in ignored["outputs[0].facets.ownership"]

    # stored as sent; the edge (lineage itself) kept; nothing that carries trust changed
    assert LineageEvent.objects.get().payload == sent
    assert LineageEvent.objects.get().posted_by == producer  # a steward can trace who reported what
    assert DatasetEdge.objects.filter(source__name=CUSTOMERS[1], target__name=CAMPAIGNS).exists()
    assert DatasetEdge.objects.filter(source__name="shop.public.orders", target__name=CUSTOMERS[1]).exists()
    assert not QualityRun.objects.filter(port__product=customers).exists()
    assert QualityScore.objects.filter(product=customers).count() == scores
    customers.refresh_from_db()
    assert "schema_drift_reported" not in customers.flags
    assert set(Column.objects.filter(port__product=customers).values_list("name", flat=True)) == columns
    impact = api.get("/api/products/sales.orders/impact/").json()
    owners = {p["identifier"]: {o["name"] for o in p["owners"]} for d in impact["domains"] for p in d["products"]}
    assert owners["sales.customers"] == set()  # no mallory
    assert owners["marketing.campaigns"] == {"team:marketing"}  # its own dataset's ownership counts
    observation = QualityObservation.objects.get(kind="dataQualityAssertions")
    assert observation.port_id is None
    assert "marketing" in observation.ignored


def test_a_producer_for_the_owning_domain_and_a_steward_are_trusted(marketing, mesh, make_user, admin_client,
                                                                    steward, post):
    sales_pipeline = make_user("sales-airflow")
    grant(admin_client, sales_pipeline, Domain.objects.get(slug="sales"))
    response = post(sales_pipeline, attack())
    assert (response.status_code, response.json()["ignored"]) == (201, [
        {"path": "outputs[1].facets.ownership", "dataset": f"file:{CAMPAIGNS}", "product": "marketing.campaigns",
         "reason": response.json()["ignored"][0]["reason"]}])
    customers = DataProduct.objects.get(identifier="sales.customers")
    assert QualityRun.objects.filter(port__product=customers, reason="reported").exists()
    assert Column.objects.filter(port__product=customers, name="exfil", observed=True).exists()

    later = attack(time="2026-11-21T06:00:00Z")
    assert post(steward, later).json()["ignored"] == []  # stewards are platform-wide producers


def test_a_platform_wide_producer_writes_every_domain(marketing, mesh, make_user, admin_client, post):
    platform = make_user("platform-airflow")
    grant(admin_client, platform, None)
    body = post(platform, [*revenue_events(str(uuid.uuid4())), attack()], URL + "/batch").json()
    assert {k: body[k] for k in ("received", "created", "ignored")} == {"received": 3, "created": 3, "ignored": []}


def test_the_role_is_managed_in_admin(mesh, make_user, admin_client):
    make_user("etl")
    assert admin_client.get("/admin/lineage/lineageproducer/add/").status_code == 200
    grant(admin_client, make_user("etl2"), None)
    page = admin_client.get("/admin/lineage/lineageproducer/").content.decode()
    assert "etl2" in page
    assert "platform-wide" in page


def test_the_endpoint_is_rate_limited_per_token(mesh, make_user, admin_client, post, settings):
    from django.core.cache import caches

    # The suite's throttle cache keeps nothing (meshport.settings.test); a real one here.
    settings.CACHES = {**settings.CACHES, "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                                       "LOCATION": "lineage-throttle-test"}}
    caches["throttle"].clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}), "openlineage": "2/min"}}
    first, second = make_user("p1"), make_user("p2")
    grant(admin_client, first, None)
    grant(admin_client, second, None)
    events = [run_event("COMPLETE", job=f"j{i}", outputs=[ds("file", f"/tmp/{i}.csv")]) for i in range(4)]
    assert [post(first, e).status_code for e in events[:3]] == [201, 201, 429]
    refused = post(first, [events[3]], URL + "/batch")
    assert refused.status_code == 429
    assert "throttled" in refused.json()["detail"]
    assert post(second, events[3]).status_code == 201  # another token has its own budget
    assert LineageEvent.objects.count() == 3
    caches["throttle"].clear()
