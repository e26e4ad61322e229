"""Schema drift found by the profiler (``DataProduct.flags["schema_drift"]``) as a conformity check."""
from __future__ import annotations

from governance.quality.engine import Outcome

_MISSING = ("missing", "missing_columns", "removed")
_ADDED = ("added", "added_columns", "extra", "unexpected")
_CHANGED = ("type_changed", "changed", "type_mismatches", "types")


def drift_check(drift) -> Outcome:
    """Failed when the data's columns differ from the contract; the message lists each difference."""
    outcome = Outcome(
        name="schema matches contract", rule_kind="schema", dimension="validity", severity="error", unit="columns",
        expected={"mustBe": 0},
    )
    problems = drift_problems(drift)
    outcome.measured = float(len(problems))
    outcome.passed = not problems
    outcome.message = "; ".join(problems) if problems else "the data's columns match the contract"
    return outcome


def drift_problems(drift) -> list[str]:
    """``column `x` missing``, ```y` added``, ``column `z` is VARCHAR, contract says integer``."""
    if not drift or not isinstance(drift, dict):
        return []
    problems = [f"column `{_name(c)}` missing" for c in _pick(drift, _MISSING)]
    problems += [f"`{_name(c)}` added" for c in _pick(drift, _ADDED)]
    for change in _changes(_pick_raw(drift, _CHANGED)):
        problems.append(f"column `{change[0]}` is {change[2]}, contract says {change[1]}")
    return problems


def _pick_raw(drift: dict, keys):
    return next((drift[k] for k in keys if drift.get(k)), [])


def _pick(drift: dict, keys) -> list:
    value = _pick_raw(drift, keys)
    return list(value) if isinstance(value, list | tuple | set | dict) else [value]


def _name(item) -> str:
    if isinstance(item, dict):
        return str(item.get("column") or item.get("name") or item)
    return str(item)


def _changes(value) -> list[tuple[str, str, str]]:
    """(column, contract type, actual type) from a list of dicts or a {column: {...}} mapping."""
    if isinstance(value, dict):
        value = [{"column": k, **(v if isinstance(v, dict) else {"actual": v})} for k, v in value.items()]
    changes = []
    for item in value or []:
        if not isinstance(item, dict):
            continue
        expected = item.get("expected") or item.get("contract") or item.get("logical_type") or item.get("declared")
        actual = item.get("actual") or item.get("found") or item.get("observed") or item.get("data_type")
        changes.append((_name(item), str(expected or "?"), str(actual or "?")))
    return changes


# DuckDB type families each ODCS logical type accepts.
_COMPATIBLE = {
    "string": ("VARCHAR", "TEXT", "STRING", "UUID", "ENUM"),
    "integer": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                "UBIGINT", "UHUGEINT"),
    "number": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "REAL",
               "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"),
    "boolean": ("BOOLEAN",),
    "date": ("DATE", "TIMESTAMP"),
    "timestamp": ("TIMESTAMP", "DATE"),
    "time": ("TIME",),
}


def observed_drift(con, properties: list[dict]) -> dict:
    """Drift measured directly on ``port_data`` when the profiler has recorded none."""
    observed = {name: str(kind).upper() for name, kind, *_ in con.execute("DESCRIBE port_data").fetchall()}
    declared = {p["name"]: str(p.get("logicalType") or "").lower() for p in properties if p.get("name")}
    changed = [
        {"column": name, "expected": logical, "actual": observed[name]}
        for name, logical in declared.items()
        if name in observed and logical in _COMPATIBLE and not observed[name].startswith(_COMPATIBLE[logical])
    ]
    return {
        "missing": [n for n in declared if n not in observed],
        "added": [n for n in observed if n not in declared],
        "type_changed": changed,
    }
