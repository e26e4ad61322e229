"""Facet merging as the spec says, made independent of the order events arrive in.

A facet is atomic: sent again under the same key it replaces the earlier one, and ``_deleted``
removes it. "Again" is decided by the event's time (then its digest, to break ties), not by
arrival, so a late START cannot overwrite what a COMPLETE already said.
"""
from __future__ import annotations

from datetime import UTC, datetime

Stamp = list  # [eventTime as fixed-width UTC text, event digest]

STATE_RANK = {"START": 1, "RUNNING": 2, "COMPLETE": 3, "FAIL": 3, "ABORT": 3}
TERMINAL = {"COMPLETE", "FAIL", "ABORT"}


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def make_stamp(event_time: datetime, digest: str) -> Stamp:
    return [event_time.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), digest]


def merge_facets(facets: dict, stamps: dict, incoming: dict | None, stamp: Stamp) -> tuple[set[str], bool]:
    """Apply ``incoming`` onto ``facets`` in place; the keys whose value changed, and whether anything did."""
    changed: set[str] = set()
    touched = False
    for key, facet in (incoming or {}).items():
        if not isinstance(facet, dict) or (key in stamps and list(stamps[key]) >= stamp):
            continue
        stamps[key] = stamp
        touched = True
        if facet.get("_deleted"):
            if facets.pop(key, None) is not None:
                changed.add(key)
        elif facets.get(key) != facet:
            facets[key] = facet
            changed.add(key)
    return changed, touched


def merge_state(run, event_type: str, event_time: datetime) -> bool:
    """Move a run's state and times by one event; the result is the same in any arrival order."""
    rank = STATE_RANK.get(event_type)
    changed = False
    if event_type == "START" and (run.started_at is None or event_time < run.started_at):
        run.started_at, changed = event_time, True
    if event_type in TERMINAL and (run.ended_at is None or event_time > run.ended_at):
        run.ended_at, changed = event_time, True
    if rank is None:
        return changed
    current = (STATE_RANK.get(run.state, 0), run.state_time or datetime.min.replace(tzinfo=UTC))
    if (rank, event_time) > current:
        run.state, run.state_time, changed = event_type, event_time, True
    return changed
