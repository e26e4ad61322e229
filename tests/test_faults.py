"""What the load bench's faults found (bench/load.py): a service down is a 503 or nothing at all, never a
500, and an accepted write is never lost.

- PostgreSQL restarting: every request was a 500; now a 503 with ``Retry-After`` (JSON on API routes,
  the standalone 503 page elsewhere). A query bug stays a 500.
- Redis restarting: every token-authenticated request was a 500 (the failed-token count and the
  OpenLineage rate live in the ``throttle`` cache); now the cache fails open and they are served.
- Redis restarting: a publish committed its product, then failed queuing the indexing task and
  answered 500; now it answers 201, the product stays marked for the reconciler, which indexes it.
- PostgreSQL restarting under kept connections (``CONN_MAX_AGE``): each is checked before a request's
  first query (``CONN_HEALTH_CHECKS``), so the request after the restart reconnects.
"""
from __future__ import annotations

import logging
import os
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError, ProgrammingError
from django.test import Client
from kombu.exceptions import OperationalError as BrokerError
from rest_framework.authtoken.models import Token

from catalog.models import DataProduct
from meshport.celery import app as celery_app
from search.indexing import reconcile

EXECUTE = "django.db.backends.utils.CursorWrapper.execute"
REFUSED = 'connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused'


@pytest.fixture
def published(db, make_user):
    from catalog.descriptors.services import descriptors_import

    descriptors_import(documents=[_descriptor("sales", "orders", "Customer orders")], source="test")
    return DataProduct.objects.get(identifier="sales.orders")


def _descriptor(domain: str, slug: str, name: str) -> dict:
    return {"apiVersion": "v1.0.0", "kind": "DataProduct", "id": f"urn:test:{domain}.{slug}", "name": name,
            "status": "active", "domain": domain, "description": {"purpose": f"{name}, one row per line."},
            "customProperties": [{"property": "slug", "value": slug}],
            "outputPorts": [{"name": "main", "version": "1.0.0"}]}


# --- the database down ---------------------------------------------------------------------------


@pytest.mark.parametrize("error", [OperationalError(REFUSED), InterfaceError("connection already closed")])
def test_the_database_unreachable_is_a_503_json_on_the_api(api, published, error):
    with mock.patch(EXECUTE, side_effect=error):
        response = api.get("/api/products/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "The database is unavailable right now; please retry shortly."}
    assert int(response["Retry-After"]) > 0


def test_the_database_unreachable_is_the_503_page_on_pages(client, published):
    with mock.patch(EXECUTE, side_effect=OperationalError(REFUSED)):
        response = client.get("/products/sales.orders/")
    assert response.status_code == 503
    assert response["Retry-After"]
    text = response.content.decode()
    assert "Meshport is unavailable for a moment" in text
    assert "nothing you saved is lost" in text


class _DatabaseInMiddleware:
    """A middleware that reads the database before the view (as session or axes middleware may)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise OperationalError(REFUSED)


def test_the_database_unreachable_in_a_middleware_is_a_503_too(db, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.test_faults._DatabaseInMiddleware"]
    client = Client(raise_request_exception=False)
    assert client.get("/api/products/").status_code == 503
    page = client.get("/")
    assert page.status_code == 503
    assert "Meshport is unavailable" in page.content.decode()


def test_a_query_bug_is_still_a_500_not_an_outage(published):
    client = Client(raise_request_exception=False)
    with mock.patch(EXECUTE, side_effect=ProgrammingError('relation "catalog_dataproduct" does not exist')):
        response = client.get("/api/products/")
    assert response.status_code == 500
    assert "Retry-After" not in response


# --- Redis down: the throttle cache ----------------------------------------------------------------


@pytest.fixture
def unreachable_throttle(settings):
    """The throttle cache on a Redis nothing listens to (port 1): Redis down or restarting."""
    settings.CACHES = {**settings.CACHES, "throttle": {"BACKEND": "meshport.cache.FailOpenRedisCache",
                                                       "LOCATION": "redis://127.0.0.1:1/0"}}


def test_tokens_are_served_while_the_throttle_cache_is_down(api, published, make_user, unreachable_throttle, caplog):
    key = Token.objects.create(user=make_user("reader")).key
    with caplog.at_level(logging.WARNING, logger="meshport.cache"):
        ok = api.get("/api/products/", HTTP_AUTHORIZATION=f"Token {key}")
        wrong = api.get("/api/products/", HTTP_AUTHORIZATION=f"Token {'0' * 40}")
    assert ok.status_code == 200
    assert ok.json()["count"] == 1
    assert wrong.status_code == 401  # a wrong token is still refused, only not counted
    assert "throttle cache unreachable" in caplog.text


def test_lineage_posts_are_served_while_the_throttle_cache_is_down(api, db, make_user, unreachable_throttle):
    steward = make_user("pipeline", steward=True)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {Token.objects.create(user=steward).key}")
    event = {"eventType": "COMPLETE", "eventTime": "2026-12-03T06:00:00Z", "producer": "https://example.org/t",
             "run": {"runId": "0195f3a0-0000-7000-8000-000000000001"}, "job": {"namespace": "t", "name": "j"},
             "inputs": [{"namespace": "file", "name": "/data/a"}], "outputs": [{"namespace": "file", "name": "/data/b"}]}
    response = api.post("/api/v1/lineage", event, format="json")
    assert response.status_code in (201, 202)
    from lineage.models import LineageEvent

    assert LineageEvent.objects.filter(payload__run__runId=event["run"]["runId"]).count() == 1


@pytest.mark.redis
def test_the_fail_open_cache_counts_on_a_live_redis(settings):
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/9"
    settings.CACHES = {**settings.CACHES, "throttle": {"BACKEND": "meshport.cache.FailOpenRedisCache", "LOCATION": url}}
    from django.core.cache import caches

    cache = caches["throttle"]
    key = f"meshport:test-faults:{os.getpid()}"
    try:
        assert cache.add(key, 1, timeout=30) is True
        assert cache.add(key, 1, timeout=30) is False  # counted already: a real Redis, not the fallback
        assert cache.incr(key) == 2
        assert cache.get(key) == 2
    finally:
        cache.delete(key)


# --- Redis down: queuing a task after a publish ------------------------------------------------------


@pytest.fixture
def broker_down(monkeypatch):
    """Tasks are queued (not run inline), and the broker refuses the connection."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    sent = []

    def refuse(name, *args, **kwargs):
        sent.append(name)
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(celery_app, "send_task", refuse)
    yield sent
    celery_app.conf.task_always_eager = eager


@pytest.mark.django_db(transaction=True)
def test_a_publish_answers_201_with_the_broker_down_and_the_reconciler_indexes_it(
        api, make_user, broker_down, caplog):
    api.force_authenticate(make_user("publisher", steward=True))
    with caplog.at_level(logging.ERROR, logger="meshport.celery"):
        response = api.post("/api/products/", _descriptor("sales", "returns", "Order returns"), format="json")
    assert response.status_code == 201, response.content
    assert "search.tasks.search_index_products_task" in broker_down  # it was tried, and refused
    assert "not queued (broker unavailable)" in caplog.text
    product = DataProduct.objects.get(identifier="sales.returns")
    assert product.search_dirty  # left for the reconciler: nothing is lost
    assert api.get("/api/search/", {"q": "returns"}).json()["count"] == 0

    assert reconcile() >= 1  # what beat runs every minute
    hits = api.get("/api/search/", {"q": "returns"}).json()
    assert [h["identifier"] for h in hits["results"]] == ["sales.returns"]


def test_inside_a_worker_a_broker_error_still_raises(broker_down, monkeypatch):
    """A worker's own sends (its retries) must fail the running task, which acks_late redelivers."""
    from search.tasks import search_index_products_task

    monkeypatch.setattr(type(celery_app), "current_worker_task", property(lambda self: search_index_products_task))
    with pytest.raises(BrokerError):
        search_index_products_task.delay([1])


# --- PostgreSQL restarted under kept connections (CONN_MAX_AGE) ------------------------------------------


@pytest.mark.postgres
def test_a_kept_connection_dropped_by_a_restart_is_replaced_before_the_next_request(settings, django_db_blocker):
    """What the database does to every connection when it restarts (``pg_terminate_backend``); the next
    request (``request_started`` closes what is unusable) must reconnect, not answer 503 on a dead one."""

    url = "postgres://postgres@127.0.0.1:5432/postgres"
    with django_db_blocker.unblock():
        assert _reconnects(url, health_checks=settings.DATABASES["default"]["CONN_HEALTH_CHECKS"])
        assert not _reconnects(url, health_checks=False)  # the control: Django's default kept the dead one


def _reconnects(url: str, *, health_checks: bool) -> bool:
    """Keep a connection, have the server drop it, start a request: does its first query work?"""
    import environ
    import psycopg
    from django.db import OperationalError as DjangoOperationalError
    from django.db.backends.postgresql.base import DatabaseWrapper

    options = {"ATOMIC_REQUESTS": False, "AUTOCOMMIT": True, "OPTIONS": {}, "TIME_ZONE": None, "TEST": {},
               **environ.Env.db_url_config(url), "CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": health_checks}
    kept = DatabaseWrapper(options, alias="kept")
    try:
        with kept.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        kept.close_if_unusable_or_obsolete()  # what request_started does
        try:
            with kept.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                return cursor.fetchone()[0] != pid
        except DjangoOperationalError:
            return False
    finally:
        kept.close()
