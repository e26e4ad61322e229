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
