"""The demo mesh, loaded and scored inline: every deliberate defect shows as a failed check."""
import io
import re

import pytest
from django.core.management import call_command

from catalog.demo import truth
from catalog.models import DataProduct
from governance.services import product_quality_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path_factory):
    data_dir = settings.MESHPORT_DATA_ROOTS[0] / tmp_path_factory.mktemp("demo").name
    call_command("load_demo", "--quick", "--data-dir", str(data_dir), stdout=io.StringIO())
    return data_dir


def breakdown(identifier):
    product = DataProduct.objects.get(identifier=identifier)
    score = product_quality_check(product_id=product.pk)
    return score, [c for c in score.breakdown["checks"] if c.get("passed") is False]


def failed_on(checks, column):
    return [c for c in checks if c.get("column") == column]


def test_every_deliberate_defect_is_a_failed_check_in_its_products_score(demo):
    nulls = truth.NULL_EMAILS
    score, failed = breakdown(nulls.product)
    [check] = [c for c in failed_on(failed, nulls.column) if c["metric"] == "nullValues"]
    assert check["dimension"] == "completeness"
    assert check["measured"] > nulls.allowed_percent
    assert any(f"nulls in {nulls.column}" in e["text"] for e in score.breakdown["explanations"])
    assert score.dimensions["completeness"] < 100

    dupes = truth.DUPLICATE_ORDER_IDS
    score, failed = breakdown(dupes.product)
    [check] = [c for c in failed_on(failed, dupes.column) if c["metric"] == "duplicateValues"]
    assert check["dimension"] == "uniqueness"
    assert score.dimensions["uniqueness"] < 100

    for invalid in (truth.INVALID_PLATFORMS, truth.INVALID_PHONES):
        score, failed = breakdown(invalid.product)
        assert [c["metric"] for c in failed_on(failed, invalid.column)] == ["invalidValues"]
        assert score.dimensions["validity"] < 100

    stale = truth.STALE_SNAPSHOTS
    score, failed = breakdown(stale.product)
    [check] = [c for c in failed if c["rule_kind"] == "freshness"]
    assert stale.age_days * 24 <= check["measured"] < (stale.age_days + 1) * 24
    assert re.match(rf"data is \d+\.\d days old, SLO is {stale.slo_hours:g} h \(newest {stale.column} ", check["message"])
    assert score.dimensions["timeliness"] == 0

    drift = truth.DRIFTED_DELIVERY_EVENTS
    score, failed = breakdown(drift.product)
    [check] = [c for c in failed if c["rule_kind"] == "schema"]
    for contract_name, file_name in drift.renamed.items():
        assert f"column `{contract_name}` missing" in check["message"]
        assert f"`{file_name}` added" in check["message"]
    for extra in drift.extra:
        assert f"`{extra}` added" in check["message"]
    for column, (declared, actual) in drift.retyped.items():
        assert f"column `{column}` is {actual}, contract says {declared.lower()}" in check["message"]
    assert score.dimensions["validity"] < 100


def test_products_without_defects_fail_no_data_checks(demo):
    spoiled = {d.product for d in truth.DEFECTS}
    late_files = []
    for identifier in sorted(set(truth.with_status("published")) - spoiled):
        _, failed = breakdown(identifier)
        # Freshness on event timestamps depends on the hour the demo was generated; the files'
        # delivery times do not: only the deliberately stale file may be late by those.
        wrong = [c["message"] for c in failed if c["dimension"] not in ("metadata", "timeliness")]
        assert wrong == [], identifier
        late_files += [identifier for c in failed if "file modified" in c["message"]]
    assert late_files == []
