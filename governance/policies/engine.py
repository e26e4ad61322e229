"""Evaluate a set of policies on product contexts: passed, failed or not applicable, with the values that
decided it, a readable message and where in the descriptors each failure sits.

Pure: no database. Rules are compiled once per (policy, version) into a ``CompiledPolicy``; a product's
context is handed to the Rust engine once (a ``DataHandle``) and every policy runs on it. Policies on
ports, columns and contracts map their rule over the product's subjects of that kind, each subject
seen as ``{product, port, column}`` (only the parts the set's rules read are handed over).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import datalogic_py

from governance.policies.context import ProductContext
from governance.policies.rules import engine, rule_paths, rule_reads

NOUNS = {"output_port": "output ports", "column": "columns", "contract": "contracts"}
ROOTS = {"output_port": ("product", "port"), "column": ("product", "port", "column"), "contract": ("product", "contract")}
LISTED = 10
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)  # one encoder, not one a message
# where each kind of subject sits in the context (a rule on columns reads ports.*.columns.*.<field>)
SUBJECTS = {"output_port": "ports.*", "port": "ports.*", "column": "ports.*.columns.*", "contract": "contracts.*"}
NAMED = {"output_port": "ports.*.name", "column": "ports.*.columns.*.name", "contract": "contracts.*.id"}


@dataclass(frozen=True)
class PolicySpec:
    """What the engine needs of a policy (a ``Policy`` row, or one read from a file)."""

    key: str
    title: str
    applies_to: str
    rule: object
    selector: object = None
    severity: str = "warning"
    message: str = ""
    path: str = ""
    domain: str = ""  # a domain policy's domain slug; empty for global ones
    version: int = 1
    pk: int | None = None

    @classmethod
    def of(cls, policy) -> PolicySpec:
        return cls(key=policy.key, title=policy.title, applies_to=policy.applies_to, rule=policy.rule,
                   selector=policy.selector, severity=policy.severity, message=policy.message, path=policy.path,
                   domain=policy.domain.slug if policy.domain_id else "", version=policy.version, pk=policy.pk)


@dataclass
class Outcome:
    spec: PolicySpec
    result: str  # passed | failed | not_applicable
    message: str = ""
    values: dict = field(default_factory=dict)
    failures: list[dict] = field(default_factory=list)


class CompiledPolicy:
    def __init__(self, spec: PolicySpec) -> None:
        self.spec = spec
        body = {"if": [spec.selector, spec.rule, None]} if spec.selector not in (None, {}, True) else spec.rule
        if spec.applies_to != "product":
            body = {"map": [{"var": f"_s.{spec.applies_to}"}, body]}
        self.body = body
        self.program = engine().compile(body)
        self.reads = [r for r in rule_reads(spec.rule) if r]
        # every path the rule and selector read at their root ("" when one reads a whole scope)
        self.paths = rule_reads(spec.rule) + rule_reads(spec.selector or {})
        # most results are these two: built once, shared (outcomes are read, never changed)
        self.passed = Outcome(spec, "passed")
        self.not_applicable = Outcome(spec, "not_applicable")
        self.path_parts = _parts(spec.path)


_compiled: dict[tuple, CompiledPolicy] = {}


def compiled(spec: PolicySpec) -> CompiledPolicy:
    """One compilation per policy version and process."""
    key = (spec.key, spec.version, spec.pk, json.dumps([spec.rule, spec.selector, spec.applies_to], sort_keys=True))
    found = _compiled.get(key)
    if found is None:
        if len(_compiled) > 2000:
            _compiled.clear()
        found = _compiled[key] = CompiledPolicy(spec)
    return found


class _Plan:
    """The policies one domain's products meet, run as one program on only the context parts they read."""

    def __init__(self, policies: list[CompiledPolicy]) -> None:
        self.policies = policies
        self.program = engine().compile([p.body for p in policies]) if policies else None
        self.kinds: dict[str, set] = {}
        top: set[str] = set()
        product_keys: set[str] = set()
        for p in policies:
            kind = p.spec.applies_to
            firsts = {path.split(".")[0] for path in p.paths}
            if kind == "product":
                top |= firsts
            else:
                self.kinds.setdefault(kind, set()).update(firsts if "" not in firsts else ROOTS[kind])
            product_keys |= {path.split(".")[1] if "." in path else "*" for path in p.paths
                             if path.split(".")[0] in ("product", "")}
        self.whole = "" in top or "*" in product_keys
        self.top = top - {"product"}
        self.product_keys = product_keys
        # the port fields port and column rules read: a port's columns are handed over again only if read
        subject_paths = [path for p in policies if p.spec.applies_to != "product"
                         for path in rule_paths(p.spec.rule) + rule_paths(p.spec.selector or {})]
        whole = any(path in ("", "port") or "?" in path.split(".")
                    or path.split(".")[0] not in ("product", "port", "column", "contract") for path in subject_paths)
        self.port_fields = None if whole else tuple(
            sorted({path.split(".")[1] for path in subject_paths if path.startswith("port.")}))

    def data(self, ctx: ProductContext) -> dict:
        full = ctx.data
        if self.whole:
            root = dict(full)
            product = full["product"]
        else:
            product = {k: full["product"][k] for k in self.product_keys if k in full["product"]}
            root = {k: full[k] for k in self.top if k in full}
            root["product"] = product
        if self.kinds:
            root["_s"] = {kind: _records(full, kind, needed, product, self.port_fields)
                          for kind, needed in self.kinds.items()}
        return root


def _records(data: dict, kind: str, needed: set, product: dict, port_fields) -> list[dict]:
    with_product = "product" in needed
    ports = data["ports"] if port_fields is None else [{k: p[k] for k in port_fields if k in p} for p in data["ports"]]
    if kind == "output_port":
        return [{"port": port, "product": product} if with_product else {"port": port} for port in ports]
    if kind == "column":
        with_port = "port" in needed
        out = []
        for port, read in zip(data["ports"], ports, strict=True):
            for col in port["columns"]:
                record = {"column": col}
                if with_port:
                    record["port"] = read
                if with_product:
                    record["product"] = product
                out.append(record)
        return out
    return [{"contract": c, "product": product} if with_product else {"contract": c} for c in data["contracts"]]


_plans: dict[tuple, _Plan] = {}


class PolicySet:
    """The policies to evaluate together; each product meets the global ones and its domain's."""

    def __init__(self, specs) -> None:
        self.policies = [compiled(s) for s in specs]
        self._plans: dict[str, _Plan] = {}

    def reads(self) -> set[str]:
        """Every context path the set's rules and selectors read (``rules.rule_paths``); a port, column or
        contract policy's subject paths are read as paths into the ports, their columns or the contracts."""
        found: set[str] = set()
        for p in self.policies:
            kind = p.spec.applies_to
            if kind != "product":
                found.add(NAMED[kind])  # the subjects it maps over, named in its messages
            for path in rule_paths(p.spec.rule) + rule_paths(p.spec.selector or {}):
                first, _, rest = path.partition(".")
                if kind == "product" or first == "product":
                    found.add(path)
                elif first in ROOTS[kind]:
                    found.add(f"{SUBJECTS[first]}.{rest}" if rest else SUBJECTS[first])
                else:
                    found.add("")  # the whole record: every fact
        return found

    def for_domain(self, domain: str) -> list[CompiledPolicy]:
        return [p for p in self.policies if not p.spec.domain or p.spec.domain == domain]

    def _plan(self, domain: str) -> _Plan:
        plan = self._plans.get(domain)
        if plan is None:
            policies = self.for_domain(domain)
            key = tuple(id(p) for p in policies)  # compiled policies are shared per process (``compiled``)
            plan = _plans.get(key)
            if plan is None:
                if len(_plans) > 500:
                    _plans.clear()
                plan = _plans[key] = _Plan(policies)
            self._plans[domain] = plan
        return plan

    def evaluate(self, ctx: ProductContext) -> list[Outcome]:
        plan = self._plan(ctx.data["product"]["domain"])
        if not plan.policies:
            return []
        handle = datalogic_py.DataHandle(plan.data(ctx))
        try:
            values = plan.program.evaluate_data(handle)
        except datalogic_py.DataLogicError:
            values = [_run(p, handle) for p in plan.policies]  # find the one that fails, evaluate the rest
        names: dict = {}
        return [_outcome(p, ctx, v, names) for p, v in zip(plan.policies, values, strict=True)]


def _outcome(policy: CompiledPolicy, ctx: ProductContext, value, names: dict) -> Outcome:
    if policy.spec.applies_to == "product":
        if value is True:
            return policy.passed
        if value is None:
            return policy.not_applicable
    elif value.__class__ is list:
        # counted in C: every element true (or 1) or not applicable -> passed; none applicable -> n/a
        none = value.count(None)
        if none == len(value):
            return policy.not_applicable
        if value.count(True) + none == len(value):
            return policy.passed
    return _judged(policy, ctx, value, names)


def _run(policy: CompiledPolicy, handle):
    try:
        return policy.program.evaluate_data(handle)
    except datalogic_py.DataLogicError as exc:
        return exc


def truthy(value) -> bool:
    return value not in (False, None, 0, "", [], {})


def _judged(policy: CompiledPolicy, ctx: ProductContext, value, names: dict) -> Outcome:
    spec = policy.spec
    if isinstance(value, Exception):
        return Outcome(spec, "failed", f"The rule could not be evaluated: {value}")
    if spec.applies_to == "product":
        if value is None:
            return policy.not_applicable
        if truthy(value):
            return policy.passed
        values = {path: lookup(ctx.data, path) for path in policy.reads}
        shown = ", ".join(f"{k} = {_short(v)}" for k, v in values.items())
        message = f"{spec.message or spec.title}" + (f" ({shown})" if shown else "")
        return Outcome(spec, "failed", message, values, [{"subject": ctx.data["product"]["identifier"],
                                                           "where": ["product", None, list(policy.path_parts)]}])
    return _element_outcome(policy, ctx, value, names)


def _element_outcome(policy: CompiledPolicy, ctx: ProductContext, values: list, cache: dict) -> Outcome:
    spec = policy.spec
    applicable = [i for i, v in enumerate(values) if v is not None]
    if not applicable:
        return policy.not_applicable
    failing = [i for i in applicable if not truthy(values[i])]
    if not failing:
        return policy.passed
    if spec.applies_to not in cache:
        cache[spec.applies_to] = _names(ctx, spec.applies_to)
    names, wheres = cache[spec.applies_to]
    listed = ", ".join(f"`{names[i]}`" for i in failing[:LISTED])
    more = f" and {len(failing) - LISTED} more" if len(failing) > LISTED else ""
    what = spec.message or f"fail “{spec.title}”"
    message = f"{len(failing)} of {len(applicable)} {NOUNS[spec.applies_to]} {what}: {listed}{more}"
    tail = policy.path_parts
    failures = [{"subject": names[i], "where": [w[0], w[1] if len(w) > 2 else None, [*w[-1], *tail]]}
                for i in failing for w in (wheres[i],)]
    return Outcome(spec, "failed", message, {"failing": [names[i] for i in failing[:50]], "of": len(applicable)},
                   failures)


def _names(ctx: ProductContext, kind: str) -> tuple[list[str], list[tuple]]:
    ports = ctx.data["ports"]
    if kind == "output_port":
        return [p["name"] for p in ports], list(ctx.port_paths)
    if kind == "column":
        several = len(ports) > 1
        names = [f"{p['name']}.{c['name']}" if several else c["name"] for p in ports for c in p["columns"]]
        return names, [w for paths in ctx.column_paths for w in paths]
    return [c["id"] for c in ctx.data["contracts"]], [("contract", c["id"], ()) for c in ctx.data["contracts"]]


def _parts(path: str) -> list:
    return [int(p) if p.isdigit() else p for p in path.split(".")] if path else []


def lookup(data, path: str):
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _short(value) -> str:
    if value is None or value.__class__ in (bool, int):
        return "null" if value is None else "true" if value is True else "false" if value is False else str(value)
    text = _ENCODER.encode(value)
    return text if len(text) <= 80 else text[:77] + "…"
