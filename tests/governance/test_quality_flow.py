"""How quality follows catalog: profiles run the checks, edits re-score metadata, beat checks freshness."""
from datetime import UTC, datetime, timedelta

import pytest

from catalog.changes import Kind, ProductChange, product_updated
from catalog.models import DataProduct, Tag
from catalog.services.quality import product_quality_set
from governance.models import QualityRun, QualityScore
from governance.services import product_quality_check
from governance.tasks import freshness_check_all_task
from profiling.models import ProfileRun
from profiling.signals import port_profiled

pytestmark = pytest.mark.django_db


def test_a_finished_profile_runs_the_ports_checks(make_product, django_capture_on_commit_callbacks):
    product = make_product()
    port = product.output_ports.get()
    profile = ProfileRun.objects.create(port=port, state=ProfileRun.State.SUCCEEDED, is_latest_good=True)
    with django_capture_on_commit_callbacks(execute=True):
        port_profiled.send(sender=ProfileRun, port_id=port.pk, run_id=profile.pk)
    run = QualityRun.objects.get(product=product)
    assert (run.profile_run_id, run.reason, run.state) == (profile.pk, "profiled", "succeeded")
    product.refresh_from_db()
    assert product.quality_score == QualityScore.objects.get(product=product).score


def test_a_metadata_change_rescores_once_and_only_when_it_changed(make_product, django_capture_on_commit_callbacks):
    product = make_product()
    product_quality_check(product_id=product.pk)
    before = QualityScore.objects.get(product=product)
    with django_capture_on_commit_callbacks(execute=True):
        product_updated.send(sender=DataProduct, changes=(ProductChange(product.pk, Kind.UPDATED),))
    assert QualityScore.objects.filter(product=product).count() == 1  # nothing changed: no new history

    product.description = "Every customer we have, one row each."
    product.save()
    product.tags.add(Tag.objects.create(name="crm"))
    with django_capture_on_commit_callbacks(execute=True):
        product_updated.send(sender=DataProduct, changes=(ProductChange(product.pk, Kind.UPDATED, frozenset({"description"})),))
    after = QualityScore.objects.filter(product=product).first()
    assert QualityScore.objects.filter(product=product).count() == 2
    assert after.dimensions["metadata"] > before.dimensions["metadata"]
    assert after.score > before.score


def test_metadata_explanations_name_what_is_missing(make_product):
    product = make_product()
    score = product_quality_check(product_id=product.pk)
    texts = [e["text"] for e in score.breakdown["explanations"]]
    assert any(t.endswith(": no support channel") for t in texts)
    assert any("4 of 4 columns have no description" in t for t in texts)


def test_writing_the_same_score_does_not_reindex(make_product, django_capture_on_commit_callbacks):
    product = make_product()
    assert product_quality_set(product_id=product.pk, score=70.0) is True
    DataProduct.objects.filter(pk=product.pk).update(search_dirty=False)
    with django_capture_on_commit_callbacks() as callbacks:
        assert product_quality_set(product_id=product.pk, score=70.0) is False
    assert callbacks == []
    assert DataProduct.objects.get(pk=product.pk).search_dirty is False


def test_beat_checks_freshness_of_published_products_with_an_slo(make_product):
    stale = make_product("stale", slo_hours=24)
    make_product("no_slo")
    make_product("draft", slo_hours=24, status=DataProduct.Status.DRAFT)
    old = (datetime.now(UTC) - timedelta(days=10)).timestamp()
    import os

    os.utime(stale.output_ports.get().location, (old, old))
    assert freshness_check_all_task.delay().get() == 1
    run = QualityRun.objects.get()
    assert (run.product, run.reason, run.freshness_only) == (stale, "freshness", True)
    freshness = run.checks.get()
    assert freshness.passed is False  # newest updated_at is days old
    assert "SLO is 24 h" in freshness.message


def test_beat_schedule_runs_hourly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["quality-freshness-hourly"]
    assert entry["task"] == "governance.tasks.freshness_check_all_task"
    assert entry["schedule"] == 3600
