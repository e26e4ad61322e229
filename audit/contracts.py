"""Whether a data contract's change breaks its consumers: one rule, read by the audit record and later by notifications.

Breaking: a schema object or column removed (a rename reads as removed plus added), a column's
type narrowed (any logical type change but integer → number; a physical type changed to
something not known to be wider), a column made required. Anything else (a column added,
descriptions, quality rules, servers) is not breaking.
"""
from __future__ import annotations

import re

from audit.diff import diff

WIDER_LOGICAL = {("integer", "number")}
WIDER_PHYSICAL = {("smallint", "integer"), ("smallint", "int"), ("smallint", "bigint"), ("int", "bigint"),
                  ("integer", "bigint"), ("real", "double"), ("float", "double"), ("real", "double precision"),
                  ("float", "double precision"), ("date", "timestamp")}
_LENGTH = re.compile(r"\s*(\w[\w ]*?)\s*\(\s*(\d+)\s*\)\s*")


def contract_change(old: dict | None, new: dict) -> dict:
    """``{"breaking": bool, "reasons": [...], "diff": ...}`` between two ODCS documents."""
    reasons = breaking_reasons(old or {}, new) if old else []
    return {"breaking": bool(reasons), "reasons": reasons, "diff": diff(old or {}, new)}


def breaking_reasons(old: dict, new: dict) -> list[str]:
    before, after = _objects(old), _objects(new)
    reasons = [f"schema object {name!r} removed" for name in before if name not in after]
    for name, columns in before.items():
        for column, was in columns.items():
            now = after.get(name, {}).get(column)
            if name in after and now is None:
                reasons.append(f"column {name}.{column} removed or renamed")
            elif now is not None:
                reasons += [f"column {name}.{column}: {why}" for why in _narrowed(was, now)]
    return reasons


def _objects(doc: dict) -> dict[str, dict[str, dict]]:
    objects = doc.get("schema") if isinstance(doc.get("schema"), list) else []
    return {o["name"]: {p["name"]: p for p in o.get("properties") or [] if isinstance(p, dict) and "name" in p}
            for o in objects if isinstance(o, dict) and "name" in o}


def _narrowed(was: dict, now: dict) -> list[str]:
    reasons = []
    old_type, new_type = was.get("logicalType"), now.get("logicalType")
    if old_type and old_type != new_type and (old_type, new_type) not in WIDER_LOGICAL:
        reasons.append(f"logical type {old_type} → {new_type}")
    old_physical, new_physical = (str(p.get("physicalType") or "").lower() for p in (was, now))
    if old_physical and old_physical != new_physical and not _wider(old_physical, new_physical):
        reasons.append(f"physical type {old_physical} → {new_physical or 'none'}")
    if now.get("required") is True and was.get("required") is not True:
        reasons.append("now required")
    return reasons


def _wider(old: str, new: str) -> bool:
    if (old, new) in WIDER_PHYSICAL:
        return True
    old_len, new_len = _LENGTH.fullmatch(old), _LENGTH.fullmatch(new)
    if old_len and new in ("text", "string"):
        return True
    return bool(old_len and new_len and old_len[1] == new_len[1] and int(new_len[2]) >= int(old_len[2]))
