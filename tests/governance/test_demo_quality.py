"""The demo mesh, loaded, profiled and scored inline: every deliberate defect shows as a failed check.

Nothing here calls the quality services: loading the demo queues the profiles, each finished
profile sends ``port_profiled``, and governance's handler checks and scores the port — the
same chain a worker runs, executed inline.
"""
import re

import pytest

from catalog.models import DataProduct
from demo import truth
from governance.models import CheckResult, QualityRun, QualityScore

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_mesh):
    return demo_mesh.data_dir


def breakdown(identifier):
    product = DataProduct.objects.get(identifier=identifier)
    run = QualityRun.objects.filter(product=product, reason="profiled").first()
    assert run is not None, f"{identifier} was never checked after a profile"
    assert run.profile_run_id
    score = QualityScore.objects.filter(product=product).first()
    return score, [c for c in score.breakdown["checks"] if c.get("passed") is False]


def failed_on(checks, column):
    return [c for c in checks if c.get("column") == column]


def test_the_demo_scores_show_every_deliberate_defect_and_no_false_alarm(demo):
    """One demo load (it profiles 35 products) serves both halves."""
    every_deliberate_defect_is_a_failed_check_in_its_products_score()
    products_without_defects_fail_no_data_checks()


def every_deliberate_defect_is_a_failed_check_in_its_products_score():
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


def products_without_defects_fail_no_data_checks():
    # exactly the contract rules the demo breaks fail, and no other rule of any contract
    broken_rules = {
        (c.run.product.identifier, c.run.port.name, c.column, c.metric or c.name)
        for c in CheckResult.objects.filter(passed=False, rule_kind__in=["library", "sql"])
        .select_related("run__product", "run__port")
    }
    assert broken_rules == truth.failing_rules()

    spoiled = {d.product for d in truth.DEFECTS}
    # every published product whose data the profiler can read (not API ports or DuckDB tables)
    checked = set(QualityRun.objects.filter(reason="profiled").values_list("product__identifier", flat=True))
    assert len(checked & set(truth.with_status("published"))) >= 20
    late_files = []
    for identifier in sorted((checked & set(truth.with_status("published"))) - spoiled):
        _, failed = breakdown(identifier)
        wrong = [c["message"] for c in failed if c["dimension"] != "metadata"]
        assert wrong == [], identifier
        late_files += [identifier for c in failed if "file modified" in c["message"]]
    assert late_files == []
