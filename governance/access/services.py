"""Access use cases: ask, decide (approve, deny), cancel, revoke, expire; each in one transaction.

Every step appends to the request's history. A grant that starts or ends is announced after
commit (``signals.grant_activated`` / ``grant_ended``) for provisioning; visibility needs no
announcement, since each request's ``Viewer`` reads the grants afresh.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import Event, Subject, record, record_many
from catalog.models import DataProduct, OutputPort
from catalog.permissions import member_domain_ids
from catalog.visibility import Viewer
from governance.access import policy
from governance.access.errors import AccessConflict, AccessForbidden, AccessInvalid
from governance.access.models import AccessEvent, AccessGrant, AccessRequest
from governance.access.signals import grant_activated, grant_ended

PURPOSE_MIN_CHARS = 10
TEXT_MAX_CHARS = 4000
EXPIRY_CHUNK = 500
PROVISIONING_KINDS = frozenset({
    AccessEvent.Kind.PROVISIONING, AccessEvent.Kind.PROVISIONED, AccessEvent.Kind.PROVISIONING_FAILED,
    AccessEvent.Kind.DEPROVISIONING, AccessEvent.Kind.DEPROVISIONED, AccessEvent.Kind.DEPROVISIONING_FAILED,
})
Pending, Approved = AccessRequest.State.PENDING, AccessRequest.State.APPROVED
Active = AccessGrant.State.ACTIVE


@transaction.atomic
def access_request_create(
    *, requester, product: DataProduct, purpose: str, port: OutputPort | None = None,
    duration_days: int | None = None, consumer_product: DataProduct | None = None, role: str = "",
    now: datetime | None = None,
) -> AccessRequest:
    """Ask for a product's port (or all its ports) for oneself or a consumer product of one's domain.

    A public or internal product the requester may already read is granted at once (the request
    is still recorded, with its purpose); a restricted one waits for a decider.
    """
    now = now or timezone.now()
    viewer = Viewer.of(requester)
    if not viewer.authenticated:
        raise AccessForbidden("Sign in to ask for access.")
    if not viewer.lists(product):
        raise AccessInvalid("No such data product, or you may not see it.", field="product")
    purpose = _purpose_checked(purpose)
    _port_checked(product, port)
    days = _duration_checked(duration_days)
    _consumer_checked(requester, product, consumer_product)
    role = _role_checked(product, port, role)
    DataProduct.objects.select_for_update().filter(pk=product.pk).first()  # one asker at a time per product
    _not_open_or_held(requester, product, port, consumer_product, now)
    request = _request_insert(requester=requester, product=product, port=port, consumer_product=consumer_product,
                              purpose=purpose, duration_days=days, role=role, created=now)
    _event(request, AccessEvent.Kind.REQUESTED, actor=requester, at=now)
    if product.visibility != DataProduct.Visibility.RESTRICTED and viewer.reads(product):
        note = f"Granted at once: this {product.visibility} product is open to you."
        _decide(request, actor=None, state=Approved, note=note, now=now)
        _grant_create(request, now=now, valid_until=now + timedelta(days=days))
    return request


@transaction.atomic
def access_request_approve(*, request: AccessRequest, actor, valid_until: datetime | None = None, note: str = "",
                           now: datetime | None = None) -> AccessRequest:
    """A decider approves a pending request; the grant runs until ``valid_until`` or for the days asked."""
    now = now or timezone.now()
    request = _locked(request)
    _decider_checked(actor, request)
    _pending_checked(request, "approved")
    if valid_until is None:
        valid_until = now + timedelta(days=request.duration_days)
    _valid_until_checked(valid_until, now)
    _decide(request, actor=actor, state=Approved, note=_text(note, "note"), now=now)
    _grant_create(request, now=now, valid_until=valid_until)
    return request


@transaction.atomic
def access_request_deny(*, request: AccessRequest, actor, note: str, now: datetime | None = None) -> AccessRequest:
    """A decider denies a pending request, saying why."""
    note = _text(note, "note")
    if not note:
        raise AccessInvalid("Say why the request is denied: the requester reads it.", field="note")
    request = _locked(request)
    _decider_checked(actor, request)
    _pending_checked(request, "denied")
    _decide(request, actor=actor, state=AccessRequest.State.DENIED, note=note, now=now or timezone.now())
    return request


@transaction.atomic
def access_request_cancel(*, request: AccessRequest, actor, note: str = "", now: datetime | None = None) -> AccessRequest:
    """The requester withdraws a pending request."""
    request = _locked(request)
    if actor is None or request.requester_id != actor.pk:
        raise AccessForbidden("Only the requester may cancel a request.")
    _pending_checked(request, "cancelled")
    now = now or timezone.now()
    request.state = AccessRequest.State.CANCELLED
    request.save(update_fields=["state"])
    _event(request, AccessEvent.Kind.CANCELLED, actor=actor, note=_text(note, "note"), at=now)
    return request


@transaction.atomic
def access_grant_revoke(*, grant: AccessGrant, actor, note: str, now: datetime | None = None) -> AccessGrant:
    """A steward (any grant) or an owner of the product's domain ends an active grant, saying why."""
    note = _text(note, "note")
    if not note:
        raise AccessInvalid("Say why the grant is revoked: the grantee reads it.", field="note")
    grant = AccessGrant.objects.select_for_update(of=("self",)).select_related("product", "request").get(pk=grant.pk)
    if not policy.may_revoke(actor, grant):
        raise AccessForbidden("Only a steward or an owner of the product's domain may revoke this grant.")
    if grant.state != Active:
        raise AccessConflict(f"This grant is already {grant.state}.")
    now = now or timezone.now()
    grant.state, grant.ended_at, grant.revoked_by, grant.revoke_note = AccessGrant.State.REVOKED, now, actor, note
    grant.save(update_fields=["state", "ended_at", "revoked_by", "revoke_note"])
    _event(grant.request, AccessEvent.Kind.REVOKED, actor=actor, note=note, grant=grant, at=now)
    _announce(grant_ended, [grant.pk])
    return grant


@transaction.atomic
def access_grants_expire(*, now: datetime | None = None) -> list[int]:
    """Expire every active grant whose end has passed; idempotent. Returns the ids it expired."""
    now = now or timezone.now()
    due = AccessGrant.objects.filter(state=Active, valid_until__lte=now).order_by("pk")
    expired: list[int] = []
    while chunk := list(due.select_for_update().values_list("pk", "request_id")[:EXPIRY_CHUNK]):
        ids = [pk for pk, _ in chunk]
        AccessGrant.objects.filter(pk__in=ids).update(state=AccessGrant.State.EXPIRED, ended_at=now)
        note = "The grant reached its end date."
        AccessEvent.objects.bulk_create(
            AccessEvent(request_id=request_id, grant_id=pk, kind=AccessEvent.Kind.EXPIRED, at=now, note=note)
            for pk, request_id in chunk)
        _expiries_record(ids, note)
        expired += ids
    _announce(grant_ended, expired)
    return expired


@transaction.atomic
def access_event_record(*, grant: AccessGrant, kind: str, note: str = "", actor=None) -> AccessEvent:
    """Append a provisioning step (``provisioning``, ``provisioned``, ``…_failed`` …) or the expiry notice
    to the grant's history."""
    if kind not in PROVISIONING_KINDS | {AccessEvent.Kind.EXPIRY_NOTICE}:
        raise AccessInvalid(f"{kind!r} is not a provisioning step.", field="kind")
    return _event(grant.request, kind, actor=actor, note=note, grant=grant, at=timezone.now())


# --- checks ---------------------------------------------------------------------------------------


def _text(value, field: str) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise AccessInvalid("Must be text.", field=field)
    if len(text) > TEXT_MAX_CHARS:
        raise AccessInvalid(f"At most {TEXT_MAX_CHARS} characters.", field=field)
    return text


def _purpose_checked(purpose) -> str:
    purpose = _text(purpose, "purpose")
    if len(purpose) < PURPOSE_MIN_CHARS:
        raise AccessInvalid(f"Say what you will use the data for, in at least {PURPOSE_MIN_CHARS} characters: "
                            "the owners decide on it and it stays on the record.", field="purpose")
    return purpose


def _port_checked(product: DataProduct, port: OutputPort | None) -> None:
    if port is not None and port.product_id != product.pk:
        raise AccessInvalid(f"{product.identifier} has no such output port.", field="port")


def _duration_checked(days) -> int:
    longest = settings.MESHPORT_ACCESS_MAX_DAYS
    if days is None:
        return min(settings.MESHPORT_ACCESS_DEFAULT_DAYS, longest)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= longest:
        raise AccessInvalid(f"Ask for 1 to {longest} days; a renewal is a new request.", field="duration_days")
    return days


def _consumer_checked(requester, product: DataProduct, consumer: DataProduct | None) -> None:
    if consumer is None:
        return
    if consumer.domain_id not in member_domain_ids(requester):
        raise AccessInvalid("The consuming product must belong to a domain whose team you are on.",
                            field="consumer_product")
    if consumer.pk == product.pk:
        raise AccessInvalid("A product does not consume itself.", field="consumer_product")


def _role_checked(product: DataProduct, port: OutputPort | None, role) -> str:
    role = _text(role, "role")
    offered = policy.role_names(policy.port_contracts(product, port))
    if not offered:
        if role:
            raise AccessInvalid("This port's contract declares no roles; leave the role out.", field="role")
        return ""
    if role not in offered:
        raise AccessInvalid(f"Choose one of the contract's roles: {', '.join(offered)}.", field="role")
    return role


def _not_open_or_held(requester, product, port, consumer, now: datetime) -> None:
    same = {"product": product, "port": port, "consumer_product": consumer}
    if AccessRequest.objects.filter(requester=requester, state=Pending, **same).exists():
        raise AccessConflict("You already have an open request for this; wait for its decision or cancel it.")
    renewable_from = now + timedelta(days=settings.MESHPORT_ACCESS_EXPIRY_WARNING_DAYS)
    held = AccessGrant.objects.filter(product=product, state=Active).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=renewable_from))
    held = held.filter(consumer_product=consumer) if consumer else held.filter(grantee=requester, consumer_product=None)
    held = held.filter(Q(port=port) | Q(port=None)) if port else held.filter(port=None)
    if held.exists():
        raise AccessConflict("This access is already granted; renew it in its last "
                             f"{settings.MESHPORT_ACCESS_EXPIRY_WARNING_DAYS} days.")


def _valid_until_checked(valid_until: datetime, now: datetime) -> None:
    if valid_until <= now:
        raise AccessInvalid("The end date must be in the future.", field="valid_until")
    if valid_until > now + timedelta(days=settings.MESHPORT_ACCESS_MAX_DAYS):
        raise AccessInvalid(f"A grant lasts at most {settings.MESHPORT_ACCESS_MAX_DAYS} days.", field="valid_until")


def _decider_checked(actor, request: AccessRequest) -> None:
    if actor is not None and request.requester_id == actor.pk:
        raise AccessForbidden("Nobody decides their own request: another decider must.")
    if not policy.may_decide(actor, request):
        raise AccessForbidden("Only the product's domain team, its contract's approvers or a steward decide this.")


def _pending_checked(request: AccessRequest, target: str) -> None:
    if request.state != Pending:
        raise AccessConflict(f"This request is {request.state}; only a pending request can be {target}.")


# --- writes ---------------------------------------------------------------------------------------


def _locked(request: AccessRequest) -> AccessRequest:
    return AccessRequest.objects.select_for_update(of=("self",)).select_related("product", "port").get(pk=request.pk)


def _request_insert(**fields) -> AccessRequest:
    try:
        with transaction.atomic():
            return AccessRequest.objects.create(**fields)
    except IntegrityError as exc:  # a concurrent twin got in first
        raise AccessConflict("You already have an open request for this.") from exc


def _decide(request: AccessRequest, *, actor, state: str, note: str, now: datetime) -> None:
    request.state, request.decided_by, request.decided_at, request.decision_note = state, actor, now, note
    request.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    kind = AccessEvent.Kind.APPROVED if state == Approved else AccessEvent.Kind.DENIED
    _event(request, kind, actor=actor, note=note, at=now)


def _grant_create(request: AccessRequest, *, now: datetime, valid_until: datetime) -> AccessGrant:
    grant = AccessGrant.objects.create(
        request=request, product=request.product, port=request.port, grantee=request.requester,
        consumer_product=request.consumer_product, role=request.role, valid_from=now, valid_until=valid_until)
    _event(request, AccessEvent.Kind.GRANTED, grant=grant, at=now,
           note=f"Valid until {valid_until.astimezone(UTC):%Y-%m-%d %H:%M} UTC.")
    _announce(grant_activated, [grant.pk])
    return grant


def _event(request: AccessRequest, kind: str, *, at: datetime, actor=None, note: str = "",
           grant: AccessGrant | None = None) -> AccessEvent:
    """One step of the request's history, and the same step in the audit log (same transaction)."""
    event = AccessEvent.objects.create(request=request, grant=grant, kind=kind, actor=actor, note=note, at=at)
    product = request.product
    record(action=f"access.{kind}", actor=actor or "system",
           subject=Subject("product", product.pk, product.identifier, domain=product.domain.slug),
           data={"request": request.pk, "grant": grant.pk if grant else None, "requester": request.requester.username,
                 "port": request.port.name if request.port_id else None, "note": note})
    return event


def _expiries_record(grant_ids: list[int], note: str) -> None:
    """The expired grants' steps in the audit log, as ``_event`` writes one step (one batch, same transaction)."""
    rows = (AccessGrant.objects.filter(pk__in=grant_ids).order_by("pk").values_list(
        "pk", "request_id", "request__product_id", "request__product__identifier", "request__product__domain__slug",
        "request__requester__username", "request__port__name"))
    record_many(events=[Event(action=f"access.{AccessEvent.Kind.EXPIRED}", actor="system",
                              subject=Subject("product", product_id, identifier, domain=domain),
                              data={"request": request_id, "grant": pk, "requester": requester, "port": port, "note": note})
                        for pk, request_id, product_id, identifier, domain, requester, port in rows])


def _announce(signal, grant_ids: list[int]) -> None:
    for pk in grant_ids:
        transaction.on_commit(lambda pk=pk: signal.send(sender=AccessGrant, grant_id=pk))
