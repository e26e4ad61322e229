"""What changed between two versions of a thing, field by field: one function, used by every writer.

``diff(old, new)`` → ``{"added": {path: new}, "changed": {path: [old, new]}, "removed": {path: old}}``
with only the non-empty parts. Nested objects are walked into dotted paths
(``descriptor.description.purpose``); a list of objects that each have a ``name`` is keyed by it
(``outputPorts[orders].version``), so reordering is no change and one port's edit is one path;
other lists are compared whole.
"""
from __future__ import annotations

from collections.abc import Mapping

PARTS = ("added", "changed", "removed")


def flatten(value, prefix: str = "") -> dict:
    if isinstance(value, Mapping) and (value or not prefix):
        out = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if _named_list(value):
        out = {}
        for item in value:
            out.update(flatten({k: v for k, v in item.items() if k != "name"} or {"name": item["name"]},
                               f"{prefix}[{item['name']}]"))
        return out
    return {prefix: value}


def _named_list(value) -> bool:
    if not isinstance(value, list) or not value:
        return False
    names = [item.get("name") for item in value if isinstance(item, Mapping)]
    return len(names) == len(value) and all(isinstance(n, str) for n in names) and len(set(names)) == len(names)


def instance_values(instance, names) -> dict:
    """A model instance's values for the concrete fields among ``names`` (foreign keys as ids)."""
    fields = {f.name: f for f in instance._meta.concrete_fields}
    return {n: fields[n].value_from_object(instance) for n in names if n in fields}


def diff(old: Mapping | None, new: Mapping | None) -> dict:
    """The field-level difference of two JSON-like mappings (empty dict when they are the same)."""
    old, new = dict(old or {}), dict(new or {})
    for key in [k for k in old.keys() & new.keys() if old[k] == new[k]]:  # equal parts have no paths to compare
        del old[key], new[key]
    before, after = flatten(old), flatten(new)
    result = {
        "added": {k: v for k, v in after.items() if k not in before},
        "changed": {k: [before[k], v] for k, v in after.items() if k in before and before[k] != v},
        "removed": {k: v for k, v in before.items() if k not in after},
    }
    return {part: values for part, values in result.items() if values}


def fields_diff(old: Mapping, new: Mapping, *, ignore=()) -> dict:
    """The diff of the fields named in ``old`` (all of ``new``, as added, when ``old`` is empty)."""
    names = [n for n in (old or new) if n not in ignore]
    return diff({n: old[n] for n in names if n in old}, {n: new[n] for n in names})


def merge(first: Mapping | None, second: Mapping | None) -> dict:
    """Two diffs of the same thing one after the other, as one (a path changed back is dropped)."""
    if not first or not second:
        return dict(first or second or {})
    old = {**_side(second, 0), **_side(first, 0)}
    for path in first.get("added", {}):
        old.pop(path, None)  # absent before the first change
    new = {**_side(first, 1), **_side(second, 1)}
    for path in second.get("removed", {}):
        new.pop(path, None)  # absent after the second
    result = {"added": {}, "changed": {}, "removed": {}}
    for path in old.keys() | new.keys():
        was, now = old.get(path, _ABSENT), new.get(path, _ABSENT)
        if was is _ABSENT and now is not _ABSENT:
            result["added"][path] = now
        elif now is _ABSENT and was is not _ABSENT:
            result["removed"][path] = was
        elif was != now:
            result["changed"][path] = [was, now]
    return {part: dict(sorted(values.items())) for part, values in result.items() if values}


_ABSENT = object()


def _side(d: Mapping, index: int) -> dict:
    """One side of a diff: index 0 the old values, 1 the new ones (absent paths left out)."""
    values = {path: pair[index] for path, pair in d.get("changed", {}).items()}
    values.update(d.get("removed", {}) if index == 0 else d.get("added", {}))
    return values
