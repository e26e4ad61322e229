"""Freshness against the product's SLO: how old is the newest data a consumer can read?

Where the age comes from, first match wins:

1. the column a ``latency``/``freshness`` SLA ``element`` points at (the contract says so);
2. the port file's modification time — when it was last delivered. Without an element we do
   not guess from the data: a date such as ``opened_date`` describes the business, not the
   delivery, and would call a fine file stale;
3. with neither (tables), the newest value of any timestamp or date column.

A DATE value covers its whole day, so its age counts from the end of that day: yesterday's
daily figures are complete, not 37 hours old, at 13:00.
"""
from __future__ import annotations

import glob
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from governance.quality import sqlguard
from governance.quality.engine import Outcome
from governance.quality.sqlguard import VIEW, Deadline, quote

_TIME_TYPES = ("TIMESTAMP", "DATE")
_DAY = 86_400.0


def freshness_check(
    con, *, slo_hours: float | None, element: str = "", contract_columns=(), mtime: datetime | None = None,
    now: datetime | None = None, timeout: float = 30.0, deadline: Deadline | None = None,
) -> Outcome:
    """A timeliness check: data age in hours against ``slo_hours`` (not evaluated without an SLO).

    Its queries stop after ``timeout`` seconds each, or at the run's ``deadline``.
    """
    deadline = deadline or Deadline(None, per_query=timeout)
    outcome = Outcome(name="freshness", rule_kind="freshness", dimension="timeliness", severity="error", unit="hours")
    if not slo_hours:
        outcome.message = "no freshness SLO: not evaluated"
        return outcome
    newest, source = _newest(con, [element], deadline) if con is not None and element else (None, "")
    if newest is None and mtime is not None:
        newest, source = mtime, "file modified"
    if newest is None and con is not None:
        newest, source = _newest(con, [*contract_columns, None], deadline)
    if newest is None:
        spent = deadline.remaining() <= 0
        outcome.error = str(deadline.spent()) if spent else "no timestamp column with values and no file modification time"
        outcome.message = f"not evaluated: {outcome.error}"
        return outcome
    age = max(0.0, ((now or datetime.now(UTC)) - newest).total_seconds() / 3600)
    outcome.measured, outcome.expected = round(age, 3), {"mustBeLessOrEqualTo": slo_hours}
    outcome.passed = age <= slo_hours
    outcome.column = "" if source == "file modified" else source.removeprefix("newest ")
    outcome.message = f"data is {format_age(age)} old, SLO is {slo_hours:g} h ({source} {newest:%Y-%m-%d %H:%M} UTC)"
    return outcome


def format_age(hours: float) -> str:
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} h"


def _newest(con, columns: list, deadline: Deadline) -> tuple[datetime | None, str]:
    """The newest value among ``columns`` (None: every timestamp/date column of the data too)."""
    try:
        types = {name: str(kind).upper() for name, kind, *_ in con.execute(f"DESCRIBE {VIEW}").fetchall()}
    except duckdb.Error:
        return None, ""
    candidates = [c for c in columns if c in types]
    if None in columns:
        candidates += [c for c, t in types.items() if t.startswith(_TIME_TYPES) and c not in candidates]
    found = [(v, c) for c in candidates if (v := _max_epoch(con, c, types[c], deadline)) is not None]
    if not found:
        return None, ""
    epoch, column = max(found)
    return datetime.fromtimestamp(epoch, UTC), f"newest {column}"


def _max_epoch(con, column: str, kind: str, deadline: Deadline) -> float | None:
    col = quote(column)
    value = col if "TIME ZONE" in kind else f"TRY_CAST({col} AS TIMESTAMP)"
    try:
        row = sqlguard.fetch_one(con, f"SELECT epoch(max({value})) FROM {VIEW}", deadline=deadline)  # noqa: S608 (quoted identifiers; values are parameters)
    except (duckdb.Error, sqlguard.QueryTimeout):
        return None
    if not row or row[0] is None:
        return None
    return float(row[0]) + (_DAY if kind == "DATE" else 0)


def location_mtime(location: str) -> datetime | None:
    """Modification time of a file port: the file, the newest file of a folder or of a glob."""
    if not location or "://" in location:
        return None
    path = Path(location)
    if path.is_dir():
        files = [p for p in path.rglob("*") if p.is_file()]
    elif any(ch in location for ch in "*?["):
        files = [Path(p) for p in glob.glob(location, recursive=True) if os.path.isfile(p)]
    else:
        files = [path] if path.is_file() else []
    if not files:
        return None
    return datetime.fromtimestamp(max(p.stat().st_mtime for p in files), UTC)
