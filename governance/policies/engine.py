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
from itertools import chain
from operator import itemgetter

import datalogic_py

from governance.policies.context import ProductContext
from governance.policies.rules import ITERATORS, engine, rule_paths, rule_reads

NOUNS = {"output_port": "output ports", "column": "columns", "contract": "contracts"}
ROOTS = {"output_port": ("product", "port"), "column": ("product", "port", "column"), "contract": ("product", "contract")}
LISTED = 10
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)  # one encoder, not one a message
_encode_string = json.encoder.encode_basestring  # what _ENCODER does to a str, without its dispatch
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
        engine().compile(body)  # refused here, once, if it cannot compile
        self.reads = [r for r in rule_reads(spec.rule) if r]
        self.read_parts = [(r, tuple(int(x) if x.isdigit() else x for x in r.split("."))) for r in self.reads]
        # every path the rule and selector read at their root ("" when one reads a whole scope)
        self.paths = rule_reads(spec.rule) + rule_reads(spec.selector or {})
        # most results are these two: built once, shared (outcomes are read, never changed)
        self.passed = Outcome(spec, "passed")
        self.not_applicable = Outcome(spec, "not_applicable")
        self.path_parts = _parts(spec.path)
        self.on_product = spec.applies_to == "product"


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
    """The policies one domain's products meet, run as one program on a projection of the context: only the
    paths their rules read (``rules.rule_paths``), handed to the engine once.

    A port, column or contract policy whose rule reads only its own subject (``column.description``) runs
    as a ``map`` over the context's own lists (``ports``, each port's ``columns``, ``contracts``) with its
    paths made relative to the item; one that also reads the product or the port around its subject gets
    records (``{product, port, column}``) built for it under ``_s``."""

    def __init__(self, policies: list[CompiledPolicy]) -> None:
        self.policies = policies
        self.kinds: dict[str, set] = {}  # record kinds some policy needs, and which parts of each record
        self.nested: list[int] = []  # positions of column policies whose result is a list per port
        bodies, paths, record_paths = [], [], []
        for i, p in enumerate(policies):
            kind = p.spec.applies_to
            read = rule_paths(p.spec.rule) + rule_paths(p.spec.selector or {})
            if kind == "product":
                bodies.append(p.body)
                paths += read
                continue
            mapped = _mapped(p.spec, read)
            if mapped is not None:
                bodies.append(mapped)
                if kind == "column":
                    self.nested.append(i)
                paths += [SUBJECTS[kind] + path[len(ROOTS[kind][-1]):] for path in read] + LISTS[kind]
                continue
            bodies.append(p.body)
            record_paths += read
            firsts = {path.split(".")[0] for path in p.paths}
            self.kinds.setdefault(kind, set()).update(firsts if "" not in firsts else ROOTS[kind])
            paths += [path for path in read if path.split(".")[0] == "product"]
            if "product" in self.kinds[kind] and "" in firsts:
                paths.append("product")
        self.bodies = bodies
        self.program = engine().compile(bodies) if policies else None
        self._programs: list | None = None  # one program a policy: to find which one fails
        self.project = _projector(paths)
        # the port fields record-based rules read: a port's columns are handed over again only if read
        whole = any(path in ("", "port") or "?" in path.split(".")
                    or path.split(".")[0] not in ("product", "port", "column", "contract") for path in record_paths)
        self.port_fields = None if whole else tuple(
            sorted({path.split(".")[1] for path in record_paths if path.startswith("port.")}))

    def programs(self) -> list:
        if self._programs is None:
            self._programs = [engine().compile(body) for body in self.bodies]
        return self._programs

    def data(self, ctx: ProductContext) -> dict:
        full = ctx.data
        root = self.project(full)
        if self.kinds:
            product = root.get("product", {})
            root["_s"] = {kind: _records(full, kind, needed, product, self.port_fields)
                          for kind, needed in self.kinds.items()}
        return root


# the lists a mapped policy iterates (kept in the projection even when its rule reads no field)
LISTS = {"output_port": ["ports.*.#"], "column": ["ports.*.#", "ports.*.columns.*.#"], "contract": ["contracts.*.#"]}
_CANNOT = object()


def _mapped(spec: PolicySpec, read: list[str]):
    """The body of a port, column or contract policy as a ``map`` over the context's own lists, when its
    rule and selector read nothing but fields of their subject (else None: it needs records)."""
    subject = ROOTS[spec.applies_to][-1]
    if any(path.partition(".")[0] != subject or path == subject or "?" in path.split(".") for path in read):
        return None
    body = _relative(spec.rule, subject)
    if spec.selector not in (None, {}, True):
        body = {"if": [_relative(spec.selector, subject), body, None]}
    if _has(body, _CANNOT):
        return None
    if spec.applies_to == "column":
        return {"map": [{"var": "ports"}, {"map": [{"var": "columns"}, body]}]}
    return {"map": [{"var": "ports" if spec.applies_to == "output_port" else "contracts"}, body]}


def _has(node, marker) -> bool:
    if node is marker:
        return True
    if isinstance(node, list):
        return any(_has(n, marker) for n in node)
    return isinstance(node, dict) and any(_has(n, marker) for n in node.values())


def _relative(node, subject: str):
    """``node`` with its root-scope ``var`` paths ``<subject>.x`` read as ``x`` (an iterator's body reads its
    items, not the root: it stays as it is); ``_CANNOT`` where a root-scope read is not one of the subject."""
    if isinstance(node, list):
        return [_relative(item, subject) for item in node]
    if not isinstance(node, dict) or len(node) != 1:
        return node
    (op, args), = node.items()
    if op == "var":
        path = args[0] if isinstance(args, list) and args else args
        if not isinstance(path, str) or not path.startswith(subject + "."):
            return _CANNOT
        rest = path[len(subject) + 1:]
        return {"var": [rest, *(_relative(a, subject) for a in args[1:])]} if isinstance(args, list) else {"var": rest}
    if op in ("missing", "missing_some"):
        return _CANNOT
    listed = isinstance(args, list)
    items = args if listed else [args]
    out = [arg if op in ITERATORS and i == 1 else _relative(arg, subject) for i, arg in enumerate(items)]
    return {op: out if listed else out[0]}


def _projector(paths: list[str]):
    """A function keeping of the context only the top-level values ``paths`` read, and of the product only
    its fields read (each kept whole). Lists are handed over whole: building their items' projections in
    Python cost more than the engine then saved reading them (measured, ``bench/policies.py``)."""
    if any(path == "" or "?" in path.split(".") for path in paths):
        return dict
    roots: dict[str, set | None] = {}
    for path in paths:
        first, _, rest = path.partition(".")
        field = rest.partition(".")[0]
        if first == "product" and field and field not in ("*", "#"):
            if roots.get("product", set()) is not None:
                roots.setdefault("product", set()).add(field)
        else:
            roots[first] = None  # read whole
    whole = tuple(name for name, fields in roots.items() if fields is None)
    fields = tuple(sorted(roots["product"])) if roots.get("product") else ()
    many = itemgetter(*fields) if len(fields) > 1 else None

    def project(data):
        out = {name: data[name] for name in whole if name in data}
        if fields:
            product = data["product"]
            try:
                out["product"] = dict(zip(fields, many(product), strict=True)) if many else {
                    fields[0]: product[fields[0]]}
            except KeyError:  # a context without some field: keep the ones it has
                out["product"] = {name: product[name] for name in fields if name in product}
        return out
    return project


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
            values = [_run(program, handle) for program in plan.programs()]  # find the one that fails
        for i in plan.nested:  # a column policy mapped over ports: one list of results per port
            if values[i].__class__ is list:
                values[i] = list(chain.from_iterable(values[i]))
        names: dict = {}
        out = []
        for policy, value in zip(plan.policies, values, strict=True):  # most pass: no call for those
            if value is True or value is None:
                if policy.on_product:
                    out.append(policy.passed if value else policy.not_applicable)
                    continue
            elif value.__class__ is list:  # counted in C: each subject true or not applicable
                none = value.count(None)
                if none == len(value):
                    out.append(policy.not_applicable)
                    continue
                if value.count(True) + none == len(value):
                    out.append(policy.passed)
                    continue
            out.append(_judged(policy, ctx, value, names))
        return out


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


def _run(program, handle):
    try:
        return program.evaluate_data(handle)
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
        data = ctx.data
        values = {path: _lookup(data, parts) for path, parts in policy.read_parts}
        shown = ", ".join([f"{k} = {_short(v)}" for k, v in values.items()])
        message = f"{spec.message or spec.title} ({shown})" if shown else spec.message or spec.title
        return Outcome(spec, "failed", message, values, [{"subject": data["product"]["identifier"],
                                                           "where": ["product", None, list(policy.path_parts)]}])
    return _element_outcome(policy, ctx, value, names)


def _element_outcome(policy: CompiledPolicy, ctx: ProductContext, values: list, cache: dict) -> Outcome:
    spec = policy.spec
    applicable = len(values) - values.count(None)
    if not applicable:
        return policy.not_applicable
    failing = [i for i, v in enumerate(values) if v is not None and not v]  # JSON values: Python's truthiness
    if not failing:
        return policy.passed
    kind = spec.applies_to
    subjects = cache.get(kind) or cache.setdefault(kind, _subjects(ctx, kind))
    names = [subjects[0](i) for i in failing[:50]]
    listed = ", ".join([f"`{n}`" for n in names[:LISTED]])
    more = f" and {len(failing) - LISTED} more" if len(failing) > LISTED else ""
    what = spec.message or f"fail “{spec.title}”"
    message = f"{len(failing)} of {applicable} {NOUNS[kind]} {what}: {listed}{more}"
    tail = policy.path_parts
    wheres = subjects[1]
    failures = [{"subject": names[j] if j < 50 else subjects[0](i),
                 "where": [w[0], w[1] if len(w) > 2 else None, [*w[-1], *tail]]}
                for j, i in enumerate(failing) for w in (wheres[i],)]
    return Outcome(spec, "failed", message, {"failing": names, "of": applicable}, failures)


def _subjects(ctx: ProductContext, kind: str) -> tuple:
    """The name of the i-th subject of ``kind`` (a function: only failing ones are named) and where each sits."""
    ports = ctx.data["ports"]
    if kind == "output_port":
        return (lambda i: ports[i]["name"]), ctx.port_paths
    if kind == "column":
        if len(ports) == 1:
            columns = ports[0]["columns"]
            return (lambda i: columns[i]["name"]), ctx.column_paths[0]
        pairs = [(p["name"], c["name"]) for p in ports for c in p["columns"]]
        return (lambda i: "{}.{}".format(*pairs[i])), list(chain.from_iterable(ctx.column_paths))
    contracts = ctx.data["contracts"]
    return (lambda i: contracts[i]["id"]), [("contract", c["id"], ()) for c in contracts]


def _parts(path: str) -> list:
    return [int(p) if p.isdigit() else p for p in path.split(".")] if path else []


def lookup(data, path: str):
    return _lookup(data, tuple(int(x) if x.isdigit() else x for x in path.split(".")))


def _lookup(data, parts: tuple):
    for part in parts:
        if data.__class__ is dict:
            data = data.get(part if part.__class__ is str else str(part))
        elif data.__class__ is list and part.__class__ is int and part < len(data):
            data = data[part]
        else:
            return None
    return data


_SCALARS = {None: "null", True: "true", False: "false"}


def _short(value) -> str:
    if value is None or value.__class__ is bool:
        return _SCALARS[value]
    if value.__class__ is int:
        return str(value)
    text = _encode_string(value) if value.__class__ is str else _ENCODER.encode(value)
    return text if len(text) <= 80 else text[:77] + "…"
