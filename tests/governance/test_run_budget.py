"""One time budget per quality run of a port: slow rules cannot hold a worker for rule × limit seconds."""
import time

import pytest

from governance.services import quality_run_execute
from tests.governance.conftest import contract

pytestmark = pytest.mark.django_db

# a recursive CTE of a hundred million steps: minutes of work unless it is stopped
SLOW = ("WITH RECURSIVE r(n) AS (SELECT max(id) FROM customers UNION ALL SELECT n + 1 FROM r WHERE n < 100000000) "
        "SELECT count(*) FROM r")


def slow_contract(rules: int):
    quality = [{"type": "sql", "name": f"slow {i}", "query": SLOW, "mustBe": 0} for i in range(1, rules + 1)]
    return contract(object_quality=[*quality, {"metric": "rowCount", "mustBeGreaterThan": 0}],
                    properties=[("id", "integer", [])])


def test_a_run_of_slow_rules_stops_at_the_run_budget(settings, make_product):
    settings.MESHPORT_QUERY_TIME_LIMIT = 3.0  # per query: three slow rules would hold the worker 9 s
    settings.MESHPORT_QUALITY_RUN_TIME_LIMIT = 0.5
    port = make_product(document=slow_contract(3)).output_ports.get()
    started = time.monotonic()
    run = quality_run_execute(port=port)
    elapsed = time.monotonic() - started
    assert elapsed < 2.5
    assert run.state == "succeeded"
    checks = {c.name: c for c in run.checks.all()}
    spent = "not evaluated: the run's time budget of 0.5 s is spent"
    for name in ("slow 1", "slow 2", "slow 3", "rowCount on customers"):
        assert checks[name].passed is None, name
        assert checks[name].message == spent, name


def test_rules_within_the_budget_run_as_before(settings, make_product):
    settings.MESHPORT_QUALITY_RUN_TIME_LIMIT = 30.0
    port = make_product(document=contract(object_quality=[{"metric": "rowCount", "mustBe": 5}])).output_ports.get()
    run = quality_run_execute(port=port)
    [row_count] = [c for c in run.checks.all() if c.metric == "rowCount"]
    assert row_count.passed is True
    assert row_count.measured == 5


def test_within_a_larger_budget_a_slow_rule_stops_at_its_own_limit(port_db):
    from governance.quality.engine import run_rules
    from governance.quality.rules import contract_rules
    from governance.quality.sqlguard import Deadline

    rules = contract_rules(contract(object_quality=[{"type": "sql", "query": SLOW, "mustBe": 0},
                                                    {"metric": "rowCount", "mustBe": 10}]))
    slow, after = run_rules(port_db, rules, object_names=["customers"], deadline=Deadline(30, per_query=0.3))
    assert slow.error == "stopped: the query ran past its 0.3 s time limit"
    assert after.passed is True


def test_freshness_of_a_table_after_the_budget_is_spent_says_so(port_db):
    from datetime import UTC, datetime

    from governance.quality.freshness import freshness_check
    from governance.quality.sqlguard import Deadline

    outcome = freshness_check(port_db, slo_hours=24, mtime=None, now=datetime(2026, 11, 22, tzinfo=UTC),
                              deadline=Deadline(0, per_query=5))
    assert outcome.passed is None
    assert outcome.message == "not evaluated: the run's time budget of 0 s is spent"
