"""The rule language: JSON Logic (evaluated by datalogic-py's Rust engine), an operator allowlist, named
helpers, and the check a rule passes when it is saved.

A rule sees only the context it is given: no operator reads the clock, the network or Python
objects. ``rule_problems`` refuses, with a JSON pointer into the rule and the reason, syntax errors,
operators outside the allowlist and ``var`` paths the context schema does not have — so none of
them is found at evaluation time.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from functools import lru_cache

import datalogic_py

from governance.policies.context_schema import SUBJECT_SCHEMAS

SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
SEMVER = re.compile(r"v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+].*)?")


class RuleError(ValueError):
    """A rule that cannot be saved; ``problems`` are ``{"position", "message"}`` (position: a JSON pointer)."""

    def __init__(self, problems: list[dict], field: str = "rule") -> None:
        self.problems = problems
        self.field = field
        super().__init__("; ".join(f"{field}{p['position'] or '/'}: {p['message']}" for p in problems))


# --- named helpers (custom operators: arguments arrive as a JSON array, the answer leaves as JSON) ----


def _semver(text) -> tuple[int, int, int] | None:
    match = SEMVER.fullmatch(str(text or "").strip())
    return tuple(int(g or 0) for g in match.groups()) if match else None


def semver_cmp(a, b) -> int | None:
    """-1, 0 or 1 comparing two semantic versions; null when either is not one."""
    left, right = _semver(a), _semver(b)
    if left is None or right is None:
        return None
    return (left > right) - (left < right)


def snake_case(value) -> bool:
    """A name, or every name in a list, is snake_case."""
    names = value if isinstance(value, list) else [value]
    return all(isinstance(n, str) and SNAKE_CASE.fullmatch(n) is not None for n in names)


def is_date(value) -> bool:
    """An ISO date (YYYY-MM-DD)."""
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


HELPERS = {"semver_cmp": semver_cmp, "snake_case": snake_case, "is_date": is_date}
HELPER_DOCS = {
    "semver_cmp": "[a, b] → -1, 0, 1 comparing semantic versions (null if either is not one)",
    "snake_case": "[name or list of names] → true if every name is snake_case",
    "is_date": "[text] → true if it is an ISO date (YYYY-MM-DD)",
}
ITERATORS = {"all", "some", "none", "map", "filter", "reduce"}
OPERATORS = {
    "var", "missing", "missing_some", "if", "and", "or", "!", "!!", "==", "===", "!=", "!==", "<", "<=", ">", ">=",
    "+", "-", "*", "/", "%", "min", "max", "abs", "ceil", "floor", "in", "cat", "substr", "length", "lower", "upper",
    "trim", "starts_with", "ends_with", "??", "merge", *ITERATORS, *HELPERS,
}


def _operator(fn):
    def call(args_json: str) -> str:
        return json.dumps(fn(*json.loads(args_json)))

    return call


@lru_cache(maxsize=1)
def engine() -> datalogic_py.Engine:
    return datalogic_py.Engine(custom_operators={name: _operator(fn) for name, fn in HELPERS.items()})


# --- checking a rule when it is saved -----------------------------------------------------------


def rule_problems(rule, *, applies_to: str) -> list[dict]:
    """Every reason ``rule`` cannot be saved for a policy applying to ``applies_to``; [] if none."""
    if isinstance(rule, bool):
        return []
    if not isinstance(rule, dict | list):
        return [{"position": "", "message": "A rule is a JSON Logic object, e.g. {\"!=\": [{\"var\": \"product.name\"}, \"\"]}."}]
    problems: list[dict] = []
    _walk(rule, SUBJECT_SCHEMAS[applies_to], "", problems)
    if problems:
        return problems
    checked = engine().check(rule, mode="strict")
    return [{"position": p["pointer"], "message": p["message"]} for p in checked if p["severity"] == "error"]


def rule_validate(rule, *, applies_to: str, field: str = "rule") -> None:
    problems = rule_problems(rule, applies_to=applies_to)
    if problems:
        raise RuleError(problems, field)


def rule_reads(rule) -> list[str]:
    """The context paths a rule reads at its root (what the message quotes as deciding values)."""
    found: list[str] = []
    _reads(rule, found, top=True)
    return list(dict.fromkeys(found))


def _reads(node, found: list[str], top: bool) -> None:
    if isinstance(node, list):
        for item in node:
            _reads(item, found, top)
    elif isinstance(node, dict) and len(node) == 1:
        (op, args), = node.items()
        if op == "var":
            path = args[0] if isinstance(args, list) and args else args
            if top:
                found.append(path if isinstance(path, str) else "")  # "": reads the whole scope
            return
        if op in ("missing", "missing_some") and top:
            names = args[-1] if op == "missing_some" and isinstance(args, list) and args else args
            found.extend(n if isinstance(n, str) else "" for n in (names if isinstance(names, list) else [names]))
            return
        args = args if isinstance(args, list) else [args]
        for i, arg in enumerate(args):
            _reads(arg, found, top and not (op in ITERATORS and i >= 1))


def rule_paths(rule) -> list[str]:
    """Every context path a rule reads, followed into iterators: ``ports.*.columns.*.masked`` for a ``masked``
    read inside ``some`` over ``columns`` inside ``none`` over ``ports``, and ``ports.*.#`` for the lists iterated.
    A path ending in ``*`` (or "") reads whole items (or the whole scope); an iterator over anything but a
    ``var`` reads its items' paths as "?"."""
    found: list[str] = []
    _paths(rule, "", found)
    return list(dict.fromkeys(found))


def _join(scope: str, path: str) -> str:
    return f"{scope}.{path}" if scope and path else scope or path


def _paths(node, scope: str, found: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _paths(item, scope, found)
        return
    if not isinstance(node, dict) or len(node) != 1:
        return
    (op, args), = node.items()
    if op == "var":
        path = args[0] if isinstance(args, list) and args else args
        found.append(_join(scope, str(path)) if isinstance(path, str | int) else _join(scope, "?"))
        if isinstance(args, list) and len(args) > 1:
            _paths(args[1], scope, found)
        return
    if op in ("missing", "missing_some"):
        names = args[-1] if op == "missing_some" and isinstance(args, list) and args else args
        for name in names if isinstance(names, list) else [names]:
            found.append(_join(scope, name) if isinstance(name, str) else _join(scope, "?"))
        return
    args = args if isinstance(args, list) else [args]
    if op in ITERATORS and args:
        first = args[0]
        source = first.get("var") if isinstance(first, dict) and len(first) == 1 and "var" in first else None
        source = source[0] if isinstance(source, list) and source else source
        items = _join(_join(scope, source), "*") if isinstance(source, str) and source else _join(scope, "?")
        if op == "filter" or not items.endswith("*"):
            _paths(first, scope, found)  # filter returns whole items
        else:
            found.append(f"{items}.#")  # the list itself (its items' fields: what the body reads)
        for i, arg in enumerate(args[1:], start=1):
            if i == 1 and op == "reduce":
                _paths(arg, "?", found)  # current / accumulator: not a context path
            else:
                _paths(arg, items if i == 1 else scope, found)
        return
    for arg in args:
        _paths(arg, scope, found)


def _pointer(base: str, part) -> str:
    return f"{base}/{str(part).replace('~', '~0').replace('/', '~1')}"


def _walk(node, scope: dict | None, at: str, problems: list[dict]) -> dict | None:
    """Check ``node`` in ``scope`` (a JSON Schema, None: unknown); return the schema of its value if known."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            _walk(item, scope, _pointer(at, i), problems)
        return None
    if not isinstance(node, dict):
        return None
    if len(node) != 1:
        problems.append({"position": at, "message": f"An operation has exactly one key (the operator); found {len(node)}: "
                                                    f"{', '.join(map(str, node)) or 'none'}."})
        return None
    (op, args), = node.items()
    here = _pointer(at, op)
    if op not in OPERATORS:
        problems.append({"position": here, "message": f"Unknown operator {op!r}; allowed: {', '.join(sorted(OPERATORS))}."})
        return None
    if op == "var":
        return _var(args, scope, here, problems)
    if op in ("missing", "missing_some"):
        names = args[-1] if op == "missing_some" and isinstance(args, list) and args else args
        for i, name in enumerate(names if isinstance(names, list) else [names]):
            if isinstance(name, str):
                _resolve(name, scope, _pointer(here, i), problems)
        return None
    single = not isinstance(args, list)
    args = [args] if single else args

    def at_arg(i: int) -> str:
        return here if single else _pointer(here, i)

    if op in ITERATORS and args:
        items = _walk(args[0], scope, at_arg(0), problems)
        inner = (items or {}).get("items") if items else None
        if op == "reduce":
            inner = {"type": "object", "properties": {"current": inner or {}, "accumulator": {}}} if inner else None
        for i, arg in enumerate(args[1:], start=1):
            _walk(arg, inner if i == 1 else scope, at_arg(i), problems)
        return items if op == "filter" else None
    for i, arg in enumerate(args):
        _walk(arg, scope, at_arg(i), problems)
    return None


def _var(args, scope, here: str, problems: list[dict]) -> dict | None:
    path = args[0] if isinstance(args, list) and args else args
    if isinstance(args, list) and len(args) > 1:
        _walk(args[1], scope, _pointer(here, 1), problems)
    if isinstance(path, int):
        path = str(path)
    if not isinstance(path, str):
        problems.append({"position": here, "message": "var takes a dotted path (a string), e.g. product.status."})
        return None
    return _resolve(path, scope, here, problems)


def _resolve(path: str, scope: dict | None, here: str, problems: list[dict]) -> dict | None:
    if scope is None or path == "":
        return scope
    schema = scope
    walked = []
    for part in path.split("."):
        schema = _object_branch(schema)
        if schema.get("type") == "array" and part.isdigit():
            schema = schema.get("items", {})
        elif schema.get("type") == "object" and part in schema.get("properties", {}):
            schema = schema["properties"][part]
        elif schema.get("type") == "object" and schema.get("additionalProperties", True) is not False:
            return None  # open objects (custom properties, dimensions): any key may be there
        else:
            known = sorted(schema.get("properties", {})) if schema.get("type") == "object" else []
            where = ".".join(walked) or ("the context" if "product" in scope.get("properties", {}) else "each item")
            hint = f"; {where} has: {', '.join(known)}" if known else f"; {where} is a {schema.get('type', 'value')}"
            problems.append({"position": here, "message": f"Unknown field {path!r}: no {part!r}{hint}."})
            return None
        walked.append(part)
    return _object_branch(schema)


def _object_branch(schema: dict) -> dict:
    """A ``oneOf`` of null and an object reads as the object (a missing value is null anyway)."""
    for branch in schema.get("oneOf", ()):
        if branch.get("type") in ("object", "array"):
            return branch
    return schema
