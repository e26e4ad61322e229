"""Policy writes: save (API, admin, files), apply a folder, grant an exception, evaluate, summarise the day.

Every write is one transaction; saving a policy or an exception re-evaluates what it applies to
after commit. Bad input raises ``PolicyInputError`` naming each field and why, before any write.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from audit.services import Event, Subject, record, record_many
from catalog.models import DataProduct, Domain, DomainMembership
from catalog.permissions import is_steward
from governance.policies.context import product_contexts
from governance.policies.engine import PolicySet, PolicySpec
from governance.policies.files import read_policies
from governance.policies.models import ComplianceDaily, Policy, PolicyEvaluation, PolicyException
from governance.policies.rules import RuleError, rule_validate

logger = logging.getLogger(__name__)
EDITABLE = ("title", "rationale", "scope", "domain", "severity", "applies_to", "selector", "rule", "message", "path",
            "enabled", "waivable")
WEIGHTS = {"info": 1, "warning": 2, "blocking": 3}
MAX_EXCEPTION_DAYS = 366


class PolicyInputError(ValueError):
    """Input a policy write refuses: ``errors`` maps each field to its reasons."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


# --- who may write -------------------------------------------------------------------------------


def domain_owner(user, domain) -> bool:
    return bool(user and user.is_authenticated and domain is not None and DomainMembership.objects.filter(
        user=user, domain=domain, role=DomainMembership.Role.OWNER).exists())


def can_write_policy(user, *, domain=None) -> bool:
    """Stewards write every policy; a domain's owners write that domain's policies."""
    return is_steward(user) or (domain is not None and domain_owner(user, domain))


# --- saving one policy ---------------------------------------------------------------------------


def policy_clean(data: dict, *, current: Policy | None = None) -> dict:
    """Validated field values (``data`` may omit fields ``current`` has); raises ``PolicyInputError``."""
    values = {f: getattr(current, f) for f in EDITABLE} if current else {
        "rationale": "", "scope": "global", "domain": None, "severity": "warning", "applies_to": "product",
        "selector": None, "message": "", "path": "", "enabled": True, "waivable": False}
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        if name in ("key", "domain"):
            continue
        if name not in EDITABLE:
            errors.setdefault(name, []).append(f"Unknown field; allowed: key, {', '.join(EDITABLE)}.")
            continue
        values[name] = value
    if "domain" in data:
        values["domain"] = _domain(data["domain"], errors)
        if values["domain"] is not None and "scope" not in data:
            values["scope"] = Policy.Scope.DOMAIN
    _check_choices(values, errors)
    for name in ("title", "rationale", "message", "path"):
        if not isinstance(values.get(name) or "", str):
            errors.setdefault(name, []).append("Must be text.")
    if not (values.get("title") or "").strip():
        errors.setdefault("title", []).append("A policy needs a title.")
    for name in ("enabled", "waivable"):
        if not isinstance(values[name], bool):
            errors.setdefault(name, []).append("Must be true or false.")
    if "rule" not in values:
        errors.setdefault("rule", []).append("A policy needs a rule.")
    elif "applies_to" not in errors:
        _check_rule(values, errors)
    if errors:
        raise PolicyInputError(errors)
    return values


def _domain(value, errors: dict) -> Domain | None:
    if value in (None, ""):
        return None
    if isinstance(value, Domain):
        return value
    domain = Domain.objects.filter(slug=str(value)).first()
    if domain is None:
        errors.setdefault("domain", []).append(f"No domain {value!r}.")
    return domain


def _check_choices(values: dict, errors: dict) -> None:
    for name, choices in (("scope", Policy.Scope), ("severity", Policy.Severity), ("applies_to", Policy.AppliesTo)):
        if values.get(name) not in choices.values:
            errors.setdefault(name, []).append(f"{values.get(name)!r} is not one of {', '.join(choices.values)}.")
    if values.get("scope") == Policy.Scope.DOMAIN and values.get("domain") is None and "domain" not in errors:
        errors.setdefault("domain", []).append("A domain policy names its domain.")
    if values.get("scope") == Policy.Scope.GLOBAL and values.get("domain") is not None:
        errors.setdefault("scope", []).append("A policy with a domain has the scope domain.")


def _check_rule(values: dict, errors: dict) -> None:
    for name in ("rule", "selector"):
        if name == "selector" and values.get(name) in (None, {}):
            values[name] = None
            continue
        try:
            rule_validate(values[name], applies_to=values["applies_to"], field=name)
        except RuleError as exc:
            errors.setdefault(name, []).extend(f"at {p['position'] or '/'}: {p['message']}" for p in exc.problems)


@transaction.atomic
def policy_save(*, key: str, data: dict, actor, origin: str | None = None, evaluate: bool = True) -> tuple[Policy, bool]:
    """Create or update the policy ``key``; its version increments on every change. (policy, changed)."""
    if not isinstance(key, str) or not key or len(key) > 100 or not all(c.isalnum() or c in "-_" for c in key):
        raise PolicyInputError({"key": ["A key is 1–100 letters, digits, - or _."]})
    policy = Policy.objects.select_for_update(of=("self",)).filter(key=key).order_by("pk").first()
    values = policy_clean(data, current=policy)
    if actor is not None and not (can_write_policy(actor, domain=values["domain"])
                                  and (policy is None or can_write_policy(actor, domain=policy.domain))):
        raise PermissionDenied("Only stewards write global policies; a domain's owners write that domain's policies.")
    if origin is not None:
        values["origin"] = origin
    if policy is not None:
        changed = {f: v for f, v in values.items() if getattr(policy, f) != v}
        if not changed:
            return policy, False
        for name, value in changed.items():
            setattr(policy, name, value)
        policy.version += 1
    else:
        policy, changed = Policy(key=key, **values), values
    policy.updated_by = actor if getattr(actor, "pk", None) else None
    policy.save()
    record(action=f"policy.{'created' if policy.version == 1 else 'changed'}", subject=policy, actor=actor,
           data={"version": policy.version, "fields": sorted(set(changed) - {"origin"})})
    if evaluate:
        _evaluate_after_commit(policy.pk)
    return policy, True


def _evaluate_after_commit(policy_id: int) -> None:
    from governance.policies.tasks import policy_evaluate_task

    transaction.on_commit(lambda: policy_evaluate_task.delay(policy_id))


# --- policies as code ----------------------------------------------------------------------------


@dataclass
class ApplyReport:
    created: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)  # key → changed fields
    disabled: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.disabled)


def origin_of(path: Path) -> str:
    path = Path(path).resolve()
    base = Path(settings.BASE_DIR).resolve()
    return str(path.relative_to(base)) if path.is_relative_to(base) else str(path)


@transaction.atomic
def policies_apply(*, path: Path, actor=None, dry_run: bool = False) -> ApplyReport:
    """Sync a folder of policy files: create, update by key, disable the ones this folder applied before
    and no longer has. ``dry_run`` validates and reports, then rolls back."""
    origin = origin_of(path)
    documents = read_policies(Path(path))
    report = ApplyReport()
    for doc in documents:
        data = {k: v for k, v in doc.data.items() if k != "key"}
        data.setdefault("enabled", True)
        before = Policy.objects.filter(key=doc.data["key"]).first()
        try:
            policy, changed = policy_save(key=doc.data["key"], data=data, actor=actor, origin=origin, evaluate=False)
        except PolicyInputError as exc:
            raise PolicyInputError({f"{doc.file}: {doc.data['key']}.{k}": v for k, v in exc.errors.items()}) from exc
        if before is None:
            report.created.append(policy.key)
        elif changed:
            report.updated[policy.key] = sorted(f for f in (*EDITABLE, "origin")
                                                if f != "domain" and getattr(before, f) != getattr(policy, f))
        else:
            report.unchanged.append(policy.key)
    keys = [d.data["key"] for d in documents]
    for policy in Policy.objects.filter(origin=origin, enabled=True).exclude(key__in=keys):
        policy_save(key=policy.key, data={"enabled": False}, actor=actor, evaluate=False)
        report.disabled.append(policy.key)
    if dry_run:
        transaction.set_rollback(True)
    elif report.changed:
        transaction.on_commit(_evaluate_all_later)
    return report


def _evaluate_all_later() -> None:
    from governance.policies.tasks import policies_evaluate_all_task

    policies_evaluate_all_task.delay()


# --- exceptions ----------------------------------------------------------------------------------


@transaction.atomic
def policy_exception_create(*, policy: Policy, justification: str, expires, actor, product: DataProduct | None = None,
                            domain: Domain | None = None, now=None) -> PolicyException:
    """A steward waives a waivable policy for one product or a whole domain until ``expires``."""
    now = now or timezone.now()
    if not is_steward(actor):
        raise PermissionDenied("Only stewards approve policy exceptions.")
    errors: dict[str, list[str]] = {}
    if not policy.waivable:
        errors["policy"] = [f"{policy.key} is not waivable."]
    if (product is None) == (domain is None):
        errors["product"] = ["Name either a product or a domain, not both."]
    if not (justification or "").strip():
        errors["justification"] = ["Say why the policy may be broken."]
    if isinstance(expires, dt.date) and not isinstance(expires, dt.datetime):
        expires = dt.datetime.combine(expires, dt.time.min, tzinfo=dt.UTC)
    if not isinstance(expires, dt.datetime):
        errors["expires"] = ["An exception has an expiry date."]
    elif expires <= now:
        errors["expires"] = ["The expiry must be in the future."]
    elif expires > now + dt.timedelta(days=MAX_EXCEPTION_DAYS):
        errors["expires"] = [f"An exception lasts at most {MAX_EXCEPTION_DAYS} days."]
    scope_domain = domain or (product.domain if product else None)
    if policy.domain_id and scope_domain is not None and policy.domain_id != scope_domain.pk:
        errors["policy"] = [f"{policy.key} applies only to the {policy.domain.slug} domain."]
    if errors:
        raise PolicyInputError(errors)
    exception = PolicyException.objects.create(policy=policy, product=product, domain=domain,
                                               justification=justification.strip(), expires=expires, approved_by=actor)
    record(action="policy.exception_created", subject=policy, actor=actor,
           data={"product": product.identifier if product else None, "domain": domain.slug if domain else None,
                 "expires": expires.isoformat()})
    ids = [product.pk] if product else list(DataProduct.objects.filter(domain=domain).values_list("pk", flat=True))
    transaction.on_commit(lambda: product_policies_evaluate(product_ids=ids))
    return exception


@transaction.atomic
def policy_exceptions_withdraw(*, exceptions, actor) -> int:
    """A steward withdraws exceptions before they expire (the admin's delete); each one is an audit event."""
    if not is_steward(actor):
        raise PermissionDenied("Only stewards withdraw policy exceptions.")
    rows = list(PolicyException.objects.select_related("policy", "product", "domain").filter(
        pk__in=[e.pk for e in exceptions]))
    ids: set[int] = set()
    for exception in rows:
        product, domain = exception.product, exception.domain
        record(action="policy.exception_withdrawn", subject=exception.policy, actor=actor,
               data={"product": product.identifier if product else None, "domain": domain.slug if domain else None,
                     "expires": exception.expires.isoformat()})
        ids |= {product.pk} if product else set(DataProduct.objects.filter(domain=domain).values_list("pk", flat=True))
    PolicyException.objects.filter(pk__in=[e.pk for e in rows]).delete()
    transaction.on_commit(lambda: product_policies_evaluate(product_ids=sorted(ids)))
    return len(rows)


# --- evaluation ----------------------------------------------------------------------------------


def active_specs() -> list[PolicySpec]:
    return [PolicySpec.of(p) for p in Policy.objects.filter(enabled=True).select_related("domain")]


@transaction.atomic
def product_policies_evaluate(*, product_ids, now=None, specs: list[PolicySpec] | None = None) -> int:
    """Evaluate the enabled policies on these products and store the latest result of each; rows changed."""
    now = now or timezone.now()
    ids = list(product_ids)
    policy_set = PolicySet(active_specs() if specs is None else specs)
    domains = dict(DataProduct.objects.filter(pk__in=ids).values_list("pk", "domain_id"))
    waivers = _waivers(ids, set(domains.values()), now)
    existing = {(e.policy_id, e.product_id): e for e in PolicyEvaluation.objects.filter(product_id__in=ids)}
    keep, create, update, turned = set(), [], [], []
    for pk, ctx in product_contexts(ids, now=now).items():
        for outcome in policy_set.evaluate(ctx):
            row = _row(outcome, pk, waivers.get((outcome.spec.pk, pk)) or waivers.get((outcome.spec.pk, "d", domains[pk])))
            old = existing.get((outcome.spec.pk, pk))
            keep.add((outcome.spec.pk, pk))
            if old is None:
                create.append(PolicyEvaluation(policy_id=outcome.spec.pk, product_id=pk, evaluated_at=now, **row))
            elif any(getattr(old, k) != v for k, v in row.items()):
                if _turned(old.result, row["result"]):
                    turned.append((pk, outcome.spec, old.result, row))
                for k, v in row.items():
                    setattr(old, k, v)
                old.evaluated_at = now
                update.append(old)
    stale = [e.pk for key, e in existing.items() if key not in keep]
    PolicyEvaluation.objects.filter(pk__in=stale).delete()
    PolicyEvaluation.objects.bulk_create(create, batch_size=1000)
    PolicyEvaluation.objects.bulk_update(update, ["result", "values", "message", "failures", "policy_version",
                                                  "exception", "evaluated_at"], batch_size=1000)
    _record_turns(turned)
    return len(create) + len(update) + len(stale)


FAILED, RECOVERED = "failed", ("passed", "not_applicable")


def _turned(before: str, after: str) -> bool:
    """A result that changed to failed, or from failed to passing: an audit event (re-evaluations that keep
    the result, first evaluations, and waivers — recorded as exceptions — are none)."""
    return (after == FAILED and before != FAILED) or (before == FAILED and after in RECOVERED)


def _record_turns(turned: list) -> None:
    """``policy.failed`` / ``policy.passed`` on each product whose result turned, in the evaluation's transaction."""
    if not turned:
        return
    products = {p.pk: p for p in DataProduct.objects.filter(pk__in={t[0] for t in turned}).select_related("domain")}
    events = []
    for pk, spec, before, row in turned:
        product = products.get(pk)
        if product is None:
            continue
        events.append(Event(
            action="policy.failed" if row["result"] == FAILED else "policy.passed",
            subject=Subject("product", product.pk, product.identifier, product.domain.slug),
            data={"policy": spec.key, "title": spec.title, "severity": spec.severity, "version": spec.version,
                  "result": [before, row["result"]], "message": row["message"] if row["result"] == FAILED else "",
                  "failures": row["failures"][:20] if row["result"] == FAILED else []}))
    record_many(events=events)


def _waivers(ids: list[int], domains: set[int], now) -> dict:
    """Live exceptions of waivable policies for these products or their domains."""
    live = PolicyException.objects.filter(expires__gt=now, policy__waivable=True).select_related("approved_by")
    found = {}
    for exc in live.filter(product_id__in=ids):
        found[(exc.policy_id, exc.product_id)] = exc
    for exc in live.filter(domain_id__in=domains):
        found.setdefault((exc.policy_id, "d", exc.domain_id), exc)
    return found


def _row(outcome, product_id: int, waiver: PolicyException | None) -> dict:
    result, message = outcome.result, outcome.message
    if result == "failed" and waiver is not None:
        result = "waived"
        message = (f"Waived until {waiver.expires:%Y-%m-%d} (approved by {waiver.approved_by.get_username()}: "
                   f"{waiver.justification}). {message}")
    return {"result": result, "message": message, "values": outcome.values, "failures": outcome.failures,
            "policy_version": outcome.spec.version, "exception": waiver if result == "waived" else None}


def policies_evaluate_all(*, now=None, chunk: int = 500) -> int:
    """Every product that is not retired, chunk by chunk (each its own transaction); rows changed."""
    now = now or timezone.now()
    specs = active_specs()
    ids = list(DataProduct.objects.listed().order_by("pk").values_list("pk", flat=True))
    changed = sum(product_policies_evaluate(product_ids=ids[i:i + chunk], now=now, specs=specs)
                  for i in range(0, len(ids), chunk))
    retired = PolicyEvaluation.objects.filter(product__status=DataProduct.Status.RETIRED)
    changed += retired.delete()[0]
    compliance_snapshot(day=timezone.localdate(now))
    return changed


def policy_products(policy: Policy) -> list[int]:
    products = DataProduct.objects.listed()
    if policy.domain_id:
        products = products.filter(domain_id=policy.domain_id)
    return list(products.order_by("pk").values_list("pk", flat=True))


def policy_evaluate(*, policy: Policy, chunk: int = 500) -> int:
    """After an edit: re-evaluate the products the policy applies to (all enabled policies on each)."""
    ids = policy_products(policy)
    if not policy.enabled:
        return PolicyEvaluation.objects.filter(policy=policy).delete()[0]
    specs = active_specs()
    return sum(product_policies_evaluate(product_ids=ids[i:i + chunk], specs=specs) for i in range(0, len(ids), chunk))


@transaction.atomic
def compliance_snapshot(*, day: dt.date | None = None) -> None:
    """Today's (or ``day``'s) compliance per domain and for the mesh, from the stored evaluations."""
    from governance.policies.selectors import compliance_counts

    day = day or timezone.localdate()
    for domain_id, counts in compliance_counts().items():
        ComplianceDaily.objects.update_or_create(day=day, domain_id=domain_id, defaults=counts)
