"""The demo mesh profiled end to end (inline): its recorded defects show up in the profiles."""
import datetime as dt

import pytest
from django.utils import timezone

from catalog.models import DataProduct, OutputPort
from demo import truth
from profiling.models import ProfileRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_mesh):
    return truth.row_counts(quick=True)


def good_profile(product: str, port: str) -> ProfileRun:
    return ProfileRun.objects.get(port__product__identifier=product, port__name=port, is_latest_good=True)


def column(run: ProfileRun, name: str):
    return run.columns.get(name=name)


def test_the_demo_mesh_profiles_show_its_defects(demo):
    """One load (the slow part), then each defect the demo records, as a person would look for it."""
    check_every_data_port_is_profiled(demo)
    check_defects()
    check_schema_drift()
    check_stale_files()
    check_pii_masked()


def check_every_data_port_is_profiled(demo):
    ports = OutputPort.objects.exclude(kind="api").select_related("product")
    assert ports.count() == len(demo)
    for port in ports:
        run = port.profile_runs.get(is_latest_good=True)
        assert run.row_count == demo[f"{port.product.identifier}:{port.name}"], port
    assert not ProfileRun.objects.exclude(state="succeeded").exists()


def check_defects():
    nulls = truth.NULL_EMAILS
    run = good_profile(nulls.product, nulls.port)
    assert column(run, "email").stats["null_count"] == nulls.affected_rows(run.row_count)

    dupes = truth.DUPLICATE_ORDER_IDS
    run = good_profile(dupes.product, dupes.port)
    order_id = column(run, "order_id")
    assert not order_id.is_approximate
    assert order_id.stats["distinct_count"] == run.row_count - dupes.affected_rows(run.row_count)
    assert order_id.stats["top_values"][0]["count"] >= 2

    invalid = truth.INVALID_PLATFORMS
    values = {t["value"] for t in column(good_profile(invalid.product, invalid.port), "platform").stats["top_values"]}
    assert values & set(invalid.invalid_values)


def check_schema_drift():
    drifted = truth.DRIFTED_DELIVERY_EVENTS
    run = good_profile(drifted.product, drifted.port)
    assert set(run.drift["added"]) == set(drifted.renamed.values()) | set(drifted.extra)
    assert set(run.drift["missing"]) == set(drifted.renamed)
    assert [c["column"] for c in run.drift["changed"]] == list(drifted.retyped)
    flagged = {p.identifier for p in DataProduct.objects.all() if p.flags.get("schema_drift")}
    assert flagged == {drifted.product}


def check_stale_files():
    stale = truth.STALE_SNAPSHOTS
    run = good_profile(stale.product, stale.port)
    age = timezone.now() - run.source_modified
    assert dt.timedelta(days=stale.age_days - 1) < age < dt.timedelta(days=stale.age_days + 1)
    newest = dt.datetime.fromisoformat(column(run, stale.column).stats["max"])
    assert (timezone.now().replace(tzinfo=None) - newest.replace(tzinfo=None)).days >= stale.age_days - 1


def check_pii_masked():
    for product, port, name in truth.pii_columns():
        run = ProfileRun.objects.filter(port__product__identifier=product, port__name=port, is_latest_good=True).first()
        if run is None:
            continue  # an API port: nothing to profile
        col = column(run, name)
        assert col.masked, (product, port, name)
        assert col.stats.get("min") is None
        assert all(t["value"] == "•••" for t in col.stats["top_values"])
