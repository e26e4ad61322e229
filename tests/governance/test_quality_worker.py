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

from governance.models import QualityRun, QualityScore

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
