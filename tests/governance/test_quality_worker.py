"""A real Celery worker over Redis runs a product's quality checks and scores it.

Needs Redis (``REDIS_URL``) and PostgreSQL (the worker is another process and must see the
test database); in CI both are present and a skip fails the run.
"""
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from governance.models import CheckResult, QualityRun, QualityScore

REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL"),
]


@pytest.fixture
def worker(tmp_path):
    """A worker process on a private queue (plus the default one, for the tasks it queues itself)."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a shared PostgreSQL test database")
    queue = f"quality-test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "meshport.settings.base",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": REDIS_URL,
        "MESHPORT_DATA_ROOTS": ",".join(str(r) for r in settings.MESHPORT_DATA_ROOTS),
        "MESHPORT_VAR_DIR": str(tmp_path),
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(  # noqa: S603 — our own interpreter and arguments
        [sys.executable, "-m", "celery", "-A", "meshport", "worker", "--pool=solo", "-Q", f"{queue},celery",
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        cwd=Path(settings.BASE_DIR), env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    yield queue
    process.terminate()
    process.wait(timeout=30)
    log.close()


def wait_for(condition, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def test_worker_runs_checks_and_scores(worker, make_product):
    product = make_product()
    client = Celery(broker=REDIS_URL)
    client.send_task("governance.tasks.product_quality_task", args=[product.pk], queue=worker)
    assert wait_for(lambda: QualityScore.objects.filter(product=product).exists()), "the worker never scored"
    run = QualityRun.objects.get(product=product)
    assert run.state == "succeeded"
    assert run.checks.filter(passed=False, name="nullValues on email").exists()
    product.refresh_from_db()
    assert product.quality_score == QualityScore.objects.filter(product=product).first().score


@pytest.fixture
def tasks_over_redis():
    """This process queues its tasks on Redis instead of running them inline, as the web does."""
    from meshport.celery import app

    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=REDIS_URL)
    app._pool = None  # the connection pool is built lazily from broker_url; drop any older one
    yield
    app.conf.update(saved)
    app._pool = None


def test_the_demo_is_profiled_and_scored_by_the_worker(worker, tasks_over_redis, tmp_path_factory):
    """Load the demo here; profiling and quality happen in the worker; every defect shows."""
    import io

    from django.core.management import call_command

    from catalog.demo import truth

    data_dir = settings.MESHPORT_DATA_ROOTS[0] / tmp_path_factory.mktemp("demo-worker").name
    call_command("load_demo", "--quick", "--data-dir", str(data_dir), stdout=io.StringIO())
    spoiled = sorted({d.product for d in truth.DEFECTS})

    def scored_after_profile():
        runs = QualityRun.objects.filter(product__identifier__in=spoiled, reason="profiled", state="succeeded")
        return set(runs.values_list("product__identifier", flat=True)) == set(spoiled)

    assert wait_for(scored_after_profile, seconds=240), "the worker did not profile and check every product"
    failed = {
        (c.run.product.identifier, c.rule_kind, c.metric, c.column)
        for c in CheckResult.objects.filter(passed=False, run__reason="profiled").select_related("run__product")
    }
    assert ("sales.customers", "library", "nullValues", truth.NULL_EMAILS.column) in failed
    assert ("sales.orders", "library", "duplicateValues", truth.DUPLICATE_ORDER_IDS.column) in failed
    assert (truth.STALE_SNAPSHOTS.product, "freshness", "", truth.STALE_SNAPSHOTS.column) in failed
    assert (truth.DRIFTED_DELIVERY_EVENTS.product, "schema", "", "") in failed
    for identifier in spoiled:
        assert wait_for(lambda pid=identifier: QualityScore.objects.filter(product__identifier=pid).exists())
