"""Running a product's checks on its real data file: results stored per run, score written back."""
import os
from datetime import UTC, datetime, timedelta

import pytest

from catalog.models import DataProduct
from governance.models import CheckResult, QualityRun, QualityScore
from governance.services import product_freshness_check, product_quality_check, quality_run_execute
from profiling.models import ProfileRun
from tests.governance.conftest import contract, customers_contract

pytestmark = pytest.mark.django_db


def failed(product):
    return {c.name: c for c in CheckResult.objects.filter(run__product=product, passed=False)}


def test_checks_find_each_defect_and_the_score_reaches_the_product(make_product):
    product = make_product()
    score = product_quality_check(product_id=product.pk)
    run = QualityRun.objects.get(product=product)
    assert run.state == "succeeded"
    broken = failed(product)
    assert set(broken) == {"duplicateValues on id", "nullValues on email", "invalidValues on status"}
    assert broken["nullValues on email"].message == "20% nulls in email (1 of 5 rows), rule allows at most 1%"
    assert broken["duplicateValues on id"].measured == 1
    assert CheckResult.objects.get(run=run, name="rowCount on customers").passed is True
    product.refresh_from_db()
    assert product.quality_score == score.score
    assert score.score < 100
    assert set(score.dimensions) >= {"completeness", "uniqueness", "validity", "metadata"}


def test_a_port_whose_file_is_gone_records_a_failed_run(make_product):
    product = make_product()
    port = product.output_ports.get()
    os.remove(port.location)
    run = quality_run_execute(port=port)
    assert run.state == "failed"
    assert "file not found" in run.error
    assert not run.checks.exists()


def test_freshness_from_the_timestamp_column_the_sla_names(make_product):
    sla = [{"property": "latency", "value": 1, "unit": "d", "element": "customers.updated_at"}]
    product = make_product(slo_hours=24, document=customers_contract(slaProperties=sla))
    port = product.output_ports.get()
    now = datetime(2026, 11, 20, 11, 0, tzinfo=UTC) + timedelta(days=5.2)
    run = quality_run_execute(port=port, now=now)
    check = run.checks.get(rule_kind="freshness")
    assert check.passed is False
    assert check.column == "updated_at"
    assert check.message.startswith("data is 5.2 days old, SLO is 24 h")
    fresh = quality_run_execute(port=port, now=datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    assert fresh.checks.get(rule_kind="freshness").passed is True


def test_freshness_from_the_sla_element_beats_other_timestamp_columns(make_product):
    csv = "id,created_at,updated_at\n1,2026-11-01 00:00:00,2026-11-20 00:00:00\n"
    doc = contract(properties=[("id", "integer", []), ("created_at", "timestamp", []), ("updated_at", "timestamp", [])],
                   sla=[{"property": "latency", "value": 1, "unit": "d", "element": "customers.created_at"}])
    product = make_product(csv_text=csv, document=doc, slo_hours=24)
    run = quality_run_execute(port=product.output_ports.get(), now=datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    check = run.checks.get(rule_kind="freshness")
    assert check.column == "created_at"
    assert check.passed is False


def test_without_an_sla_element_the_file_time_wins_over_business_dates(make_product):
    csv = "id,opened_date\n1,2020-01-01\n"
    product = make_product(csv_text=csv, document=contract(properties=[("id", "integer", []),
                                                                       ("opened_date", "date", [])]), slo_hours=24)
    check = quality_run_execute(port=product.output_ports.get()).checks.get(rule_kind="freshness")
    assert check.passed is True
    assert "(file modified" in check.message


def test_a_date_counts_as_complete_until_the_end_of_its_day(make_product):
    csv = "day,revenue\n2026-11-19,10\n2026-11-20,12\n"
    doc = contract(properties=[("day", "date", []), ("revenue", "number", [])],
                   sla=[{"property": "latency", "value": 1, "unit": "d", "element": "customers.day"}])
    product = make_product(csv_text=csv, document=doc, slo_hours=24)
    port = product.output_ports.get()
    at_13 = quality_run_execute(port=port, now=datetime(2026, 11, 21, 13, 0, tzinfo=UTC))
    next_day = quality_run_execute(port=port, now=datetime(2026, 11, 22, 1, 0, tzinfo=UTC))
    assert at_13.checks.get(rule_kind="freshness").measured == 13.0
    assert next_day.checks.get(rule_kind="freshness").passed is False


def test_freshness_from_the_files_modification_time(make_product):
    product = make_product(csv_text="id,name\n1,a\n", document=contract(properties=[("id", "integer", [])]),
                           slo_hours=24)
    port = product.output_ports.get()
    stale = datetime.now(UTC) - timedelta(days=5.2)
    os.utime(port.location, (stale.timestamp(), stale.timestamp()))
    check = quality_run_execute(port=port).checks.get(rule_kind="freshness")
    assert check.passed is False
    assert check.message.startswith("data is 5.2 days old, SLO is 24 h (file modified")
    os.utime(port.location)
    assert quality_run_execute(port=port).checks.get(rule_kind="freshness").passed is True


def test_hourly_freshness_run_replaces_only_the_freshness_check(make_product):
    product = make_product(slo_hours=24)
    product_quality_check(product_id=product.pk)
    port = product.output_ports.get()
    stale = datetime.now(UTC) - timedelta(days=3)
    os.utime(port.location, (stale.timestamp(), stale.timestamp()))
    score = product_freshness_check(product_id=product.pk)  # the file is 3 days old by the clock, whatever the date
    names = [c["name"] for c in score.breakdown["checks"]]
    assert names.count("freshness") == 1
    assert "nullValues on email" in names  # the full run's checks still count
    assert score.dimensions["timeliness"] == 0
    assert QualityRun.objects.filter(product=product, freshness_only=True).count() == 1


def test_schema_drift_from_the_profile_becomes_a_failed_validity_check(make_product):
    product = make_product()
    port = product.output_ports.get()
    profile = ProfileRun.objects.create(
        port=port, state=ProfileRun.State.SUCCEEDED, is_latest_good=True,
        drift={"missing": ["phone"], "added": ["nickname"],
               "changed": [{"column": "id", "expected": "integer", "found": "VARCHAR"}]},
    )
    run = quality_run_execute(port=port, profile_run_id=profile.pk)
    check = run.checks.get(rule_kind="schema")
    assert (check.passed, check.dimension, check.severity) == (False, "validity", "error")
    assert check.message == "column `phone` missing; `nickname` added; column `id` is VARCHAR, contract says integer"


def test_drift_flag_on_the_product_is_used_without_a_profile_run(make_product):
    product = make_product()
    product.flags = {"schema_drift": {"main@1.0.0": {"missing": ["phone"]}}}
    product.save()
    check = quality_run_execute(port=product.output_ports.get()).checks.get(rule_kind="schema")
    assert check.passed is False
    assert check.message == "column `phone` missing"


def test_one_profile_run_is_checked_once(make_product):
    product = make_product()
    port = product.output_ports.get()
    profile = ProfileRun.objects.create(port=port, state=ProfileRun.State.SUCCEEDED, is_latest_good=True)
    first = quality_run_execute(port=port, profile_run_id=profile.pk)
    again = quality_run_execute(port=port, profile_run_id=profile.pk)
    assert first.pk == again.pk
    assert QualityRun.objects.count() == 1


def test_history_grows_with_each_run(make_product):
    product = make_product()
    product_quality_check(product_id=product.pk)
    product_quality_check(product_id=product.pk)
    assert QualityScore.objects.filter(product=product).count() == 2


def test_deleted_product_is_nothing_to_do(db):
    assert product_quality_check(product_id=987654) is None
    assert not DataProduct.objects.exists()


def test_without_a_profile_the_run_measures_drift_itself(make_product):
    csv = "id,event_status,scanner_id,updated_at\nx1,ok,S1,2026-11-20 10:00:00\n"
    doc = contract(properties=[("id", "integer", []), ("status", "string", []), ("updated_at", "timestamp", [])])
    product = make_product(csv_text=csv, document=doc)
    check = quality_run_execute(port=product.output_ports.get()).checks.get(rule_kind="schema")
    assert check.passed is False
    assert check.message == (
        "column `status` missing; `event_status` added; `scanner_id` added; column `id` is VARCHAR, contract says integer"
    )


def test_matching_data_passes_the_schema_check(make_product):
    product = make_product()
    check = quality_run_execute(port=product.output_ports.get()).checks.get(rule_kind="schema")
    assert check.passed is True


def test_sql_rules_on_a_real_port_may_not_read_a_neighbouring_file(make_product, data_dir, settings):
    secret = data_dir / "secret.csv"
    secret.write_text("token\nhunter2\n")
    settings.MESHPORT_QUERY_TIME_LIMIT = 0.5
    rules = [
        {"type": "sql", "name": "peek", "query": f"SELECT count(*) FROM read_csv('{secret}')", "mustBe": 0},
        {"type": "sql", "name": "peek by path", "query": f"SELECT count(*) FROM '{secret}'", "mustBe": 0},
        {"type": "sql", "name": "slow", "query": "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r "
                                                 "WHERE n < 100000000) SELECT count(*) FROM r", "mustBe": 0},
        {"type": "sql", "name": "fine", "query": "SELECT count(*) FROM customers WHERE status = 'frozen'",
         "mustBe": 1},
    ]
    product = make_product(document=contract(object_quality=rules, properties=[("id", "integer", [])]))
    run = quality_run_execute(port=product.output_ports.get())
    checks = {c.name: c for c in run.checks.all()}
    assert checks["peek"].error == "refused: the query calls the table function read_csv(); a rule may read only port_data"
    assert checks["peek by path"].error.startswith(f"refused: the query reads '{secret}'")
    assert checks["slow"].error == "stopped: the query ran past its 0.5 s time limit"
    assert checks["fine"].passed is True
    assert {checks[n].passed for n in ("peek", "peek by path", "slow")} == {None}


def test_drift_flagged_for_another_port_is_not_this_ports(make_product):
    product = make_product()
    product.flags = {"schema_drift": {"archive@2.0.0": {"missing": ["phone"]}}}
    product.save()
    assert quality_run_execute(port=product.output_ports.get()).checks.get(rule_kind="schema").passed is True
