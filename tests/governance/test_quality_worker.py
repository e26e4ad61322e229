"""A real Celery worker over Redis checks and scores products, and runs the whole demo chain.

The worker fixtures come from ``tests/test_worker.py``: a worker subprocess on the test
database (a SQLite file or PostgreSQL), tasks sent to Redis on a queue of the test's own.
"""
import io

import pytest
from django.conf import settings
from django.core.management import call_command

from catalog.models import DataProduct
from demo import truth
from governance.models import CheckResult, QualityRun, QualityScore
from governance.tasks import product_quality_task
from profiling.models import ProfileRun
from tests.test_worker import queue, wait_for, workers  # noqa: F401 — shared worker fixtures

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def start(workers, queue):  # noqa: F811
    # The worker queues follow-up tasks (profile → quality) on this test's queue too.
    return workers(queue, CELERY_TASK_DEFAULT_QUEUE=queue)


def test_worker_runs_checks_and_scores(queue, workers, make_product):  # noqa: F811
    worker = start(workers, queue)
    product = make_product()
    product_quality_task.delay(product.pk)  # eager is off: this goes through Redis
    wait_for(lambda: QualityScore.objects.filter(product=product).exists(), worker, what="the quality score")
    run = QualityRun.objects.get(product=product)
    assert run.state == "succeeded"
    assert run.checks.filter(passed=False, name="nullValues on email").exists()
    product.refresh_from_db()
    assert product.quality_score == QualityScore.objects.filter(product=product).first().score


def test_the_demo_is_profiled_and_scored_by_the_worker(queue, workers, tmp_path_factory):  # noqa: F811
    """Load the demo here, as a user would: the import fans out over Redis, the worker profiles every
    port (row counts as the generator wrote them, the drifted file flagged), then checks and scores
    the products, and every planted defect shows as a failed check."""
    worker = start(workers, queue)
    data_dir = settings.MESHPORT_DATA_ROOTS[0] / tmp_path_factory.mktemp("demo-worker").name
    call_command("load_demo", "--quick", "--data-dir", str(data_dir), stdout=io.StringIO())
    expected = truth.row_counts(quick=True)
    spoiled = sorted({d.product for d in truth.DEFECTS})

    def profiled_and_scored():
        profiled = ProfileRun.objects.filter(state__in=("succeeded", "failed")).values("port").distinct().count()
        runs = QualityRun.objects.filter(product__identifier__in=spoiled, reason="profiled", state="succeeded")
        checked = set(runs.values_list("product__identifier", flat=True)) == set(spoiled)
        scored = QualityScore.objects.filter(product__identifier__in=spoiled).count() >= len(spoiled)
        return profiled >= len(expected) and checked and scored

    wait_for(profiled_and_scored, worker, timeout=240, what="every demo port profiled, every spoiled product scored")
    good = {f"{r.port.product.identifier}:{r.port.name}": r.row_count
            for r in ProfileRun.objects.filter(is_latest_good=True).select_related("port__product")}
    assert list(ProfileRun.objects.filter(state="failed").values_list("port__name", "reason")) == []
    assert good == expected
    assert DataProduct.objects.get(identifier=truth.DRIFTED_DELIVERY_EVENTS.product).flags["schema_drift"]
    failed = {
        (c.run.product.identifier, c.rule_kind, c.metric, c.column)
        for c in CheckResult.objects.filter(passed=False, run__reason="profiled").select_related("run__product")
    }
    assert ("sales.customers", "library", "nullValues", truth.NULL_EMAILS.column) in failed
    assert ("sales.orders", "library", "duplicateValues", truth.DUPLICATE_ORDER_IDS.column) in failed
    assert (truth.STALE_SNAPSHOTS.product, "freshness", "", truth.STALE_SNAPSHOTS.column) in failed
    assert (truth.DRIFTED_DELIVERY_EVENTS.product, "schema", "", "") in failed
