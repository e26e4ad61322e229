"""Provisioning use cases: start when a grant starts, undo when it ends, run an attempt, take a platform's
report, and sweep what is due. Each write is one transaction.

A decision is never lost to a provisioning failure: the grant is written (and announced) first,
provisioning follows after commit, and a failure leaves the row ``failed`` with the reason and a
``next_attempt_at`` the sweep retries at, up to ``MESHPORT_PROVISIONING_MAX_ATTEMPTS``.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from catalog.locations import port_refusal
from catalog.models import OutputPort
from catalog.permissions import is_steward
from governance.access.errors import AccessConflict, AccessForbidden, AccessInvalid
from governance.access.models import AccessEvent, AccessGrant
from governance.access.provisioning.base import Outcome, Target, TransientError, kind_for, provisioner_named
from governance.access.provisioning.models import Provisioning
from governance.access.provisioning.postgres import role_name
from governance.access.selectors import live_grants
from governance.access.services import access_event_record

logger = logging.getLogger(__name__)
PROVISIONERS_GROUP = "provisioners"
State, Action = Provisioning.State, Provisioning.Action
IN_PROGRESS = {Action.PROVISION: State.PROVISIONING, Action.DEPROVISION: State.DEPROVISIONING}
DONE = {Action.PROVISION: State.PROVISIONED, Action.DEPROVISION: State.DEPROVISIONED}
STEP = {  # (action, state) → the history's kind
    (Action.PROVISION, State.PROVISIONING): AccessEvent.Kind.PROVISIONING,
    (Action.PROVISION, State.PROVISIONED): AccessEvent.Kind.PROVISIONED,
    (Action.PROVISION, State.FAILED): AccessEvent.Kind.PROVISIONING_FAILED,
    (Action.DEPROVISION, State.DEPROVISIONING): AccessEvent.Kind.DEPROVISIONING,
    (Action.DEPROVISION, State.DEPROVISIONED): AccessEvent.Kind.DEPROVISIONED,
    (Action.DEPROVISION, State.FAILED): AccessEvent.Kind.DEPROVISIONING_FAILED,
}
REPORTABLE = {State.PROVISIONED, State.DEPROVISIONED, State.FAILED}


def target_for(grant: AccessGrant, port: OutputPort) -> Target:
    return Target(
        grant_id=grant.pk, grantee=grant.grantee.get_username(), role=role_name(grant.grantee.get_username()),
        product=grant.product.identifier, domain=grant.product.domain.slug, port_id=port.pk, port_name=port.name,
        server_type=(port.server_type or port.server.get("type") or "").lower(), server=dict(port.server or {}),
        location=port.location or "", contract_role=grant.role,
        valid_until=grant.valid_until.isoformat() if grant.valid_until else "",
    )


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """When a failed action is tried again: 30 s, 1 min, 2 min … at most 6 h apart; None past the limit."""
    if attempts >= settings.MESHPORT_PROVISIONING_MAX_ATTEMPTS:
        return None
    return now + timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


# --- the grant starts and ends ----------------------------------------------------------------------


@transaction.atomic
def provisioning_start(*, grant_id: int) -> list[Provisioning]:
    """A grant started: one row per port it covers, each queued for provisioning after commit. Idempotent."""
    grant = (AccessGrant.objects.select_for_update(of=("self",)).select_related("product__domain", "grantee", "port")
             .filter(pk=grant_id).first())
    if grant is None or grant.state != AccessGrant.State.ACTIVE:
        return []
    ports = [grant.port] if grant.port_id else list(grant.product.output_ports.all())
    started = []
    for port in ports:
        row, created = Provisioning.objects.get_or_create(
            grant=grant, port=port, defaults={"target": target_for(grant, port).as_dict(),
                                              "provisioner": kind_for(port.server_type, port_kind=port.kind)})
        if created:
            refusal = port_refusal(port)  # data belongs to a domain: never grant outside it
            if refusal:
                _move(row, Action.PROVISION, State.FAILED, diagnostics=f"refused: {refusal}", retry=False)
            else:
                _move(row, Action.PROVISION, State.PROVISIONING)
                started.append(row)
    return started


@transaction.atomic
def provisioning_end(*, grant_id: int) -> list[Provisioning]:
    """A grant ended (expired or revoked): undo every row that may have given access. Idempotent."""
    rows = list(Provisioning.objects.select_for_update().filter(grant_id=grant_id).select_related("grant"))
    ending = []
    for row in rows:
        if row.action == Action.DEPROVISION:
            continue  # already on its way out
        if row.state == State.NOT_STARTED:
            _move(row, Action.DEPROVISION, State.DEPROVISIONED, diagnostics="nothing was provisioned")
        else:
            _move(row, Action.DEPROVISION, State.DEPROVISIONING)
            ending.append(row)
    return ending


# --- one attempt ------------------------------------------------------------------------------------


def provisioning_run(*, provisioning_id: int, final_attempt: bool = True) -> Provisioning | None:
    """Run the row's current action on its platform once and record what came of it.

    Not one transaction on purpose: the platform call (a connection, an HTTP POST) must not hold a
    row lock or an open transaction. Claiming the attempt and recording its outcome are each one.
    A transient error is re-raised for the task to retry unless this is its ``final_attempt``.
    """
    claimed = _claim(provisioning_id)
    if claimed is None:
        return None
    row, target = claimed
    provisioner = provisioner_named(row.provisioner)
    try:
        if row.action == Action.DEPROVISION:
            keeper = _still_needed(row, target) if provisioner.shared_privileges else None
            outcome = (Outcome(State.DEPROVISIONED, row.reference, f"kept: grant {keeper} still covers this port")
                       if keeper else provisioner.deprovision(target))
        else:
            outcome = provisioner.provision(target)
    except TransientError as exc:
        if not final_attempt:
            provisioning_attempt_failed(provisioning_id=row.pk, action=row.action, reason=str(exc))
            raise
        outcome = Outcome(State.FAILED, "", str(exc))
    except Exception as exc:  # a refusal, a missing table, a bad setting: the row says why
        logger.warning("provisioning %s (%s) failed", row.pk, row.action, exc_info=True)
        outcome = Outcome(State.FAILED, "", f"{type(exc).__name__}: {exc}"[:2000])
    return provisioning_record(provisioning_id=row.pk, action=row.action, outcome=outcome)


@transaction.atomic
def _claim(provisioning_id: int) -> tuple[Provisioning, Target] | None:
    row = Provisioning.objects.select_for_update().filter(pk=provisioning_id).first()
    if row is None or not row.in_progress or row.accepted_at is not None:
        return None  # done, failed, or accepted by its platform already: nothing to send
    row.attempts += 1
    row.next_attempt_at = timezone.now() + timedelta(seconds=settings.MESHPORT_PROVISIONING_LEASE_SECONDS)
    row.save(update_fields=["attempts", "next_attempt_at", "updated"])
    return row, Target.from_dict(row.target)


def _still_needed(row: Provisioning, target: Target) -> int | None:
    """Another live grant of the same grantee covering the same port (a renewal): its id, else None."""
    others = (live_grants().exclude(pk=row.grant_id)
              .filter(grantee__username=target.grantee, product__identifier=target.product)
              .filter(Q(port__isnull=True) | Q(port_id=target.port_id)))
    return others.values_list("pk", flat=True).first()


@transaction.atomic
def provisioning_attempt_failed(*, provisioning_id: int, action: str, reason: str) -> None:
    """A transient failure the task retries: the row stays in progress and says what went wrong."""
    row = Provisioning.objects.select_for_update().get(pk=provisioning_id)
    if row.action != action or not row.in_progress:
        return
    row.diagnostics = f"attempt {row.attempts}: {reason}"[:2000]
    row.save(update_fields=["diagnostics", "updated"])


@transaction.atomic
def provisioning_record(*, provisioning_id: int, action: str, outcome: Outcome) -> Provisioning | None:
    """Record an attempt's outcome, unless the row has since turned the other way (the grant ended)."""
    row = Provisioning.objects.select_for_update().select_related("grant__request").get(pk=provisioning_id)
    if row.action != action or not row.in_progress:
        return row
    if outcome.state == IN_PROGRESS[action]:  # accepted: the platform will report the result
        row.accepted_at, row.next_attempt_at = timezone.now(), None
        row.reference, row.diagnostics = outcome.reference or row.reference, outcome.diagnostics
        row.save(update_fields=["accepted_at", "next_attempt_at", "reference", "diagnostics", "updated"])
        return row
    _move(row, action, outcome.state, reference=outcome.reference, diagnostics=outcome.diagnostics)
    return row


# --- the platform reports back ------------------------------------------------------------------


def may_report(user) -> bool:
    """Platforms report with a token of a user in the ``provisioners`` group, or of a steward."""
    if user is None or not user.is_authenticated:
        return False
    return is_steward(user) or user.groups.filter(name=PROVISIONERS_GROUP).exists()


@transaction.atomic
def provisioning_report(*, grant: AccessGrant, actor, state: str, reference: str = "", diagnostics: str = "",
                        port_name: str = "") -> Provisioning:
    """A platform says how a (de)provisioning it accepted ended: ``provisioned``, ``deprovisioned`` or ``failed``."""
    if not may_report(actor):
        raise AccessForbidden("Only a provisioner (the 'provisioners' group) or a steward may report provisioning.")
    if state not in REPORTABLE:
        raise AccessInvalid(f"state must be one of {', '.join(sorted(REPORTABLE))}.", field="state")
    row = _reported_row(grant, port_name)
    if row.state == state and state != State.FAILED:
        return row  # the same report twice: nothing changes
    if not row.in_progress or (state != State.FAILED and state != DONE[row.action]):
        raise AccessConflict(f"Provisioning of grant {grant.pk} on port {row.target.get('port_name')} is {row.state} "
                             f"({row.action}); it cannot become {state}.")
    _move(row, row.action, state, reference=reference or row.reference, diagnostics=diagnostics, actor=actor)
    return row


def _reported_row(grant: AccessGrant, port_name: str) -> Provisioning:
    rows = list(Provisioning.objects.select_for_update().select_related("grant__request")
                .filter(grant=grant, provisioner="webhook"))
    if port_name:
        rows = [r for r in rows if r.target.get("port_name") == port_name]
        if not rows:
            raise AccessInvalid(f"Grant {grant.pk} has no webhook provisioning for port {port_name!r}.", field="port")
    if not rows:
        raise AccessConflict(f"Grant {grant.pk} has no provisioning a platform reports on.")
    if len(rows) > 1:
        raise AccessInvalid("This grant covers several ports: name the port reported on.", field="port")
    return rows[0]


# --- the sweep ---------------------------------------------------------------------------------------


@transaction.atomic
def provisioning_sweep(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Queue again what is due: deliveries not accepted whose lease passed (their worker died or gave
    up), and failures whose retry time came. Returns the ids queued."""
    now = now or timezone.now()
    due = (Provisioning.objects.select_for_update(skip_locked=True).select_related("grant__request")
           .filter(next_attempt_at__lte=now, accepted_at__isnull=True,
                   state__in=[State.PROVISIONING, State.DEPROVISIONING, State.FAILED])
           .order_by("next_attempt_at", "pk")[:limit])
    queued = []
    for row in due:
        if row.state == State.FAILED:
            # attempts keep counting across retries: they stop at MESHPORT_PROVISIONING_MAX_ATTEMPTS
            _move(row, row.action, IN_PROGRESS[row.action], diagnostics=f"retrying: {row.diagnostics}"[:2000],
                  reset_attempts=False)
        else:
            row.next_attempt_at = now + timedelta(seconds=settings.MESHPORT_PROVISIONING_LEASE_SECONDS)
            row.save(update_fields=["next_attempt_at", "updated"])
            _enqueue(row.pk)
        queued.append(row.pk)
    return queued


# --- moving a row -----------------------------------------------------------------------------------


def _move(row: Provisioning, action: str, state: str, *, reference: str = "", diagnostics: str = "",
          actor=None, retry: bool = True, reset_attempts: bool = True) -> None:
    """Set the row's action and state, write the step to the grant's history, queue work if in progress."""
    now = timezone.now()
    turning = row.action != action
    row.action, row.state = action, state
    if turning or (state in IN_PROGRESS.values() and reset_attempts):
        row.attempts, row.accepted_at = 0, None
    if state in IN_PROGRESS.values():
        row.accepted_at = None
        row.next_attempt_at = now + timedelta(seconds=settings.MESHPORT_PROVISIONING_LEASE_SECONDS)
    elif state == State.FAILED:  # retried by the sweep: a new delivery, to be accepted again
        row.accepted_at = None
        row.next_attempt_at = retry_at(row.attempts, now) if retry else None
    else:
        row.next_attempt_at = None
    row.reference = reference or row.reference
    row.diagnostics = diagnostics
    row.save()
    note = diagnostics or f"{row.provisioner}: {row.target.get('port_name', '')}"
    access_event_record(grant=row.grant, kind=STEP[(action, state)], note=note, actor=actor)
    if state in IN_PROGRESS.values():
        _enqueue(row.pk)


def _enqueue(provisioning_id: int) -> None:
    from governance.access.provisioning.tasks import provisioning_run_later

    transaction.on_commit(lambda: provisioning_run_later(provisioning_id))
