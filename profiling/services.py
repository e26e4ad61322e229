"""Profiling use cases: request, run, sweep and schedule profiles of output ports.

A run moves queued → running → succeeded | failed. The move to running is a conditional
UPDATE guarded by a partial unique index (one running run per port), so two workers can
never profile one port at once, on SQLite as on PostgreSQL. A failed run leaves the last
good profile in place; a run whose worker died is found by its stale heartbeat and failed.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from audit.services import Subject, record
from catalog.changes import Kind, product_changes_announce
from catalog.models import DataProduct, OutputPort
from profiling.drift import FLAG as DRIFT_FLAG
from profiling.drift import port_key, schema_drift
from profiling.errors import ProfilingError
from profiling.models import PiiSuggestion, ProfileRun
from profiling.readers import FILE_FORMATS, port_connection, time_limit, translated_errors
from standards import servers

logger = logging.getLogger(__name__)
State = ProfileRun.State


class PortBusy(Exception):
    """Another run of the same port is running; try again later."""


class RetryLater(Exception):
    """A transient failure (the source is unavailable); the run is queued again."""


def profilable(port: OutputPort) -> bool:
    """Whether the profiler reads this port: not on a server it cannot read ("not profiled: …")."""
    if servers.unread_reason(port.server_type, port.format):
        return False
    return (port.format or "").lower() in FILE_FORMATS or port.format == "table" or port.kind == "table"


def stale_after() -> dt.timedelta:
    """How long a running run may go without a heartbeat: a query's limit plus one interval."""
    return dt.timedelta(seconds=settings.MESHPORT_PROFILE_TIME_LIMIT + settings.MESHPORT_PROFILE_HEARTBEAT_SECONDS)


def _enqueue(run: ProfileRun) -> None:
    from profiling.tasks import output_port_profile_task

    output_port_profile_task.apply_async(args=[run.port_id], kwargs={"run_id": run.pk}, task_id=run.task_id)


@transaction.atomic
def profile_run_request(*, port: OutputPort, trigger: str = ProfileRun.Trigger.CHANGE, user=None) -> ProfileRun:
    """Queue a profile of ``port``; a run already queued is reused (requests are idempotent)."""
    queued = ProfileRun.objects.select_for_update().filter(port=port, state=State.QUEUED).order_by("created").first()
    if queued and queued.created > timezone.now() - stale_after():
        return queued
    run = queued or ProfileRun.objects.create(
        port=port, trigger=trigger, requested_by=user if user and user.is_authenticated else None,
        task_id=str(uuid.uuid4()),
    )
    transaction.on_commit(lambda: _enqueue(run))  # a stale queued run (lost message) is sent again
    return run


def product_profile(*, product_id: int, trigger: str = ProfileRun.Trigger.CHANGE, user=None) -> list[ProfileRun]:
    """Queue a profile of every output port of a product that points at readable data."""
    ports = OutputPort.objects.filter(product_id=product_id).order_by("pk")
    return [profile_run_request(port=p, trigger=trigger, user=user) for p in ports if profilable(p)]


def _orphaned(run: ProfileRun, task_id: str, now: dt.datetime) -> bool:
    """A running run whose worker is gone: silent past the limit, or its own message delivered again
    (a pool process killed under acks_late is requeued at once; the visibility timeout exceeds any run)."""
    return (run.heartbeat or now) < now - stale_after() or bool(task_id and task_id == run.task_id)


def _claim(run_id: int, task_id: str) -> ProfileRun | None:
    """Move the run to running; None when there is nothing to do (done already, or taken)."""
    run = ProfileRun.objects.filter(pk=run_id).first()
    if run is None:
        return None
    now = timezone.now()
    claimable = Q(state=State.QUEUED)
    if run.state == State.RUNNING and _orphaned(run, task_id, now):
        claimable = Q(state=State.RUNNING, heartbeat=run.heartbeat)  # redelivered after its worker died
    elif run.state != State.QUEUED:
        return None
    try:
        with transaction.atomic():
            claimed = ProfileRun.objects.filter(claimable, pk=run_id).update(
                state=State.RUNNING, started=now, heartbeat=now, finished=None, reason="",
                attempt=F("attempt") + 1, task_id=task_id or run.task_id,
            )
    except IntegrityError as exc:
        raise PortBusy(f"another profile of port {run.port_id} is running") from exc
    return ProfileRun.objects.select_related("port__product").get(pk=run_id) if claimed else None


def _beat(run: ProfileRun) -> None:
    ProfileRun.objects.filter(pk=run.pk, state=State.RUNNING).update(heartbeat=timezone.now())


def _test_delay(run: ProfileRun) -> None:
    """A test-only pause (``MESHPORT_PROFILE_TEST_DELAY``) that keeps beating, so a test can kill us."""
    deadline = time.monotonic() + settings.MESHPORT_PROFILE_TEST_DELAY
    while time.monotonic() < deadline:
        time.sleep(min(0.5, deadline - time.monotonic()))
        _beat(run)


def _source_facts(port: OutputPort) -> dict:
    from profiling.locations import safe_path

    if (port.format or "").lower() not in FILE_FORMATS:
        return {}
    stat = safe_path(port.location or port.server.get("path", "")).stat()
    return {"source_bytes": stat.st_size,
            "source_modified": dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC)}


def _profile(run: ProfileRun):
    from profiling.profiler import profile_view

    limit = settings.MESHPORT_PROFILE_TIME_LIMIT
    with port_connection(run.port) as con, time_limit(con, limit), translated_errors("profiling failed"):
        facts = _source_facts(run.port)  # the file's size and age as read, not after the run
        _beat(run)
        _test_delay(run)
        result = profile_view(
            con, exact_distinct_limit=settings.MESHPORT_EXACT_DISTINCT_LIMIT,
            sample_rows=settings.MESHPORT_PII_SAMPLE_ROWS, on_progress=lambda: _beat(run),
        )
    return result, facts


def _fail(run: ProfileRun, reason: str, *, state: str = State.FAILED) -> None:
    finished = timezone.now() if state == State.FAILED else None
    ProfileRun.objects.filter(pk=run.pk, state=State.RUNNING).update(state=state, reason=reason[:2000], finished=finished)


@transaction.atomic
def _succeed(run: ProfileRun, result, facts: dict) -> None:
    from profiling.signals import port_profiled
    from profiling.store import store_result

    if not ProfileRun.objects.select_for_update().filter(pk=run.pk, state=State.RUNNING).exists():
        return  # swept as lost meanwhile: its result is not trusted
    drift = store_result(run, result)
    ProfileRun.objects.filter(port=run.port, is_latest_good=True).update(is_latest_good=False)
    ProfileRun.objects.filter(pk=run.pk).update(
        state=State.SUCCEEDED, finished=timezone.now(), row_count=result.row_count, engine=result.engine,
        drift=drift, is_latest_good=True, reason="", **facts,
    )
    product_drift_record(product_id=run.port.product_id, port_key=port_key(run.port), drift=drift)
    port_id, run_id = run.port_id, run.pk
    transaction.on_commit(lambda: port_profiled.send(sender=ProfileRun, port_id=port_id, run_id=run_id))


def profile_run_execute(*, run_id: int, task_id: str = "", retries_left: int = 0) -> ProfileRun | None:
    """Run a queued profile. Every outcome ends in a state a person can read; nothing escapes
    but ``PortBusy`` and ``RetryLater``, and those only while retries are left."""
    try:
        run = _claim(run_id, task_id)
    except PortBusy:
        if retries_left:
            ProfileRun.objects.filter(pk=run_id, state=State.QUEUED).update(reason="waiting for the running profile")
            raise
        ProfileRun.objects.filter(pk=run_id, state=State.QUEUED).update(
            state=State.FAILED, finished=timezone.now(), reason="another profile of this port was still running"
        )
        return None
    if run is None:
        return None
    try:
        result, facts = _profile(run)
    except ProfilingError as exc:
        if exc.transient and retries_left:
            _fail(run, f"will retry: {exc}", state=State.QUEUED)
            raise RetryLater(str(exc)) from exc
        _fail(run, str(exc))
    except Exception as exc:  # a bug must not leave the run "running" for ever
        logger.exception("profile run %s crashed", run.pk)
        _fail(run, f"internal error: {type(exc).__name__}: {exc}")
    else:
        _succeed(run, result, facts)
    return ProfileRun.objects.get(pk=run.pk)


@transaction.atomic
def product_drift_record(*, product_id: int, port_key: str, drift: dict) -> bool:
    """Write one port's schema drift into ``DataProduct.flags["schema_drift"]``; True if it changed."""
    product = DataProduct.objects.select_for_update().get(pk=product_id)
    flags = dict(product.flags or {})
    by_port = schema_drift(product)
    before = by_port.get(port_key) or {}
    if drift:
        by_port[port_key] = drift
    else:
        by_port.pop(port_key, None)
    if (drift or {}) != before:  # found, changed or gone: the profile's finding is an audit event
        record(action=f"product.schema_drift_{'found' if drift else 'cleared'}",
               subject=Subject("product", product.pk, product.identifier, product.domain.slug),
               data={"port": port_key, "drift": drift or {}, "before": before})
    if by_port:
        flags[DRIFT_FLAG] = by_port
    else:
        flags.pop(DRIFT_FLAG, None)
    if flags == (product.flags or {}):
        return False
    DataProduct.objects.filter(pk=product_id).update(flags=flags)
    product_changes_announce([product_id], Kind.PROFILED, fields={DRIFT_FLAG})  # heard by search, governance
    return True


def profile_runs_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Fail running runs that stopped beating (their worker died); return their ids."""
    now = now or timezone.now()
    cutoff = now - stale_after()
    stale = ProfileRun.objects.filter(state=State.RUNNING).filter(
        Q(heartbeat__lt=cutoff) | Q(heartbeat__isnull=True, started__lt=cutoff)
    )
    swept = []
    for run in stale:
        seen = (run.heartbeat or run.started or run.created).isoformat(timespec="seconds")
        done = ProfileRun.objects.filter(pk=run.pk, state=State.RUNNING, heartbeat=run.heartbeat).update(
            state=State.FAILED, finished=now,
            reason=f"the worker stopped during the run (last sign of life {seen}); the last good profile is kept",
        )
        if done:
            swept.append(run.pk)
    return swept


def profile_due_ports(*, now: dt.datetime | None = None) -> list[int]:
    """Queue a run for each port whose last run is older than its schedule; return their ids."""
    now = now or timezone.now()
    ports = OutputPort.objects.annotate(last_run=Max("profile_runs__created")).order_by("pk")
    due = [p for p in ports if profilable(p) and (
        p.last_run is None or p.last_run <= now - dt.timedelta(hours=p.profile_schedule_hours))]
    return [profile_run_request(port=p, trigger=ProfileRun.Trigger.SCHEDULE).port_id for p in due]


@transaction.atomic
def pii_suggestion_decide(*, suggestion: PiiSuggestion, status: str, actor) -> PiiSuggestion:
    """The owner confirms or rejects a suggestion (rejecting unmasks the column from the next run)."""
    if status not in (PiiSuggestion.Status.CONFIRMED, PiiSuggestion.Status.REJECTED):
        raise ValueError(f"status must be confirmed or rejected, not {status!r}")
    before = PiiSuggestion.objects.filter(pk=suggestion.pk).values_list("status", flat=True).first()  # an admin form set it already
    suggestion.status, suggestion.decided_by, suggestion.decided_at = status, actor, timezone.now()
    with transaction.atomic():
        suggestion.save(update_fields=["status", "decided_by", "decided_at", "updated"])
        product = suggestion.port.product
        record(action=f"pii.{status}", actor=actor, subject=Subject("product", product.pk, product.identifier, product.domain.slug),
               data={"column": suggestion.column_name, "port": suggestion.port.name, "kind": suggestion.kind,
                     "status": [before, status]})
    return suggestion
