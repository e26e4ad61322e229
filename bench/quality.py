"""Quality-check benchmark: the contract rules as governance runs them, against one hand-written scan.

Generates a 1,000,000-row Parquet table (bench/profiling/datagen.py) and checks ten ODCS rules on it
(nulls, missing, valid values, pattern, duplicates, row count, SQL) through the production
path: locked-down DuckDB connection, guarded SQL, one query per rule. The baseline computes
the same ten numbers in a single aggregate query on the same kind of connection, the fastest
way DuckDB can answer them. The ratio is the price of running rules one by one (and safely).

    python bench/quality.py [--rows 1000000]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGET_RATIO = 3.0  # ten rules mean ten scans of the columns they read; a columnar file keeps that cheap

RULES = {
    "quantity": [{"metric": "nullValues", "mustBeLessThan": 5, "unit": "percent"}],
    "amount": [{"metric": "nullValues", "mustBe": 0}],
    "status": [{"metric": "invalidValues", "arguments": {"validValues": ["new", "paid", "shipped", "returned",
                                                                          "cancelled"]}, "mustBe": 0},
               {"metric": "missingValues", "mustBeLessThan": 5, "unit": "percent"}],
    "email": [{"metric": "invalidValues", "arguments": {"pattern": r"user[0-9]+@example\.org"}, "mustBe": 0}],
    "id": [{"metric": "duplicateValues", "mustBe": 0}],
    "country": [{"metric": "invalidValues", "arguments": {"validValues": ["DE", "FR", "NL"]},
                 "mustBeLessThan": 90, "unit": "percent"}],
}
OBJECT_RULES = [
    {"metric": "rowCount", "mustBeGreaterThan": 0},
    {"type": "sql", "query": "SELECT count(*) FROM bench WHERE amount < 0", "mustBeLessThan": 100},
    {"type": "sql", "query": "SELECT max(quantity) FROM {object}", "mustBeBetween": [1, 100]},
]
BASELINE = """
SELECT count(*) FILTER (WHERE quantity IS NULL), count(*) FILTER (WHERE amount IS NULL),
       count(*) FILTER (WHERE status IS NOT NULL AND status NOT IN ('new','paid','shipped','returned','cancelled')),
       count(*) FILTER (WHERE status IS NULL OR lower(trim(status)) IN ('', 'n/a', 'null')),
       count(*) FILTER (WHERE NOT regexp_full_match(email, 'user[0-9]+@example\\.org')),
       count(id) - count(DISTINCT id),
       count(*) FILTER (WHERE country NOT IN ('DE', 'FR', 'NL')),
       count(*), count(*) FILTER (WHERE amount < 0), max(quantity)
FROM port_data
"""


def setup_django(path: Path) -> None:
    os.environ.setdefault("SECRET_KEY", "meshport-bench-only-key-" + "x" * 40)  # base refuses to run keyless
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meshport.settings.base")
    os.environ["MESHPORT_DATA_ROOTS"] = str(path.parent)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def connection(path: Path):
    from profiling.readers import attach_file, lock_down, new_connection

    con = new_connection()
    lock_down(con, [attach_file(con, location=str(path), fmt="parquet")])
    return con


def contract() -> dict:
    props = [{"name": name, "logicalType": "string", "quality": rules} for name, rules in RULES.items()]
    return {"schema": [{"name": "bench", "quality": OBJECT_RULES, "properties": props}]}


def best_of(runs: int, fn) -> tuple[float, object]:
    timings, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        timings.append(time.perf_counter() - started)
    return min(timings), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE / "profiling"))  # the profiling bench's table generator
    import datagen

    path = Path(tempfile.mkdtemp(prefix="meshport-bench-quality-")).resolve() / "bench.parquet"
    datagen.generate(path, args.rows)
    setup_django(path)
    from governance.quality.engine import run_rules
    from governance.quality.rules import contract_rules

    rules = contract_rules(contract())
    con = connection(path)
    ours, outcomes = best_of(3, lambda: run_rules(con, rules, object_names=["bench"], timeout=120))
    base, row = best_of(3, lambda: con.execute(BASELINE).fetchone())
    errors = [o.error for o in outcomes if o.error]
    if errors:
        raise SystemExit(f"rules errored: {errors}")
    print(f"rows {args.rows:,}, rules {len(outcomes)} ({sum(bool(o.passed) for o in outcomes)} passed)")
    print(f"meshport rules, one query each : {ours * 1000:8.1f} ms")
    print(f"baseline, one aggregate scan    : {base * 1000:8.1f} ms")
    ratio = ours / base
    print(f"ratio meshport/baseline         : {ratio:8.2f}  (target ≤ {TARGET_RATIO})")
    by_name = {o.name: o for o in outcomes}
    same = (by_name["duplicateValues on id"].rows_failed == row[5] and by_name["rowCount on bench"].measured == row[7]
            and by_name["invalidValues on email"].rows_failed == row[4])
    if not same:
        raise SystemExit("the rules and the baseline disagree on what they measured")


if __name__ == "__main__":
    main()
