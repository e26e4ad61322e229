"""Write to the audit log: ``record`` one event, ``record_many`` several, inside the writer's transaction.

The event is written by the transaction that made the change, so a rollback (an error, a dry
run) leaves no event and a committed change always has one. Appends are serialised so the hash
chain stays one line: on PostgreSQL by a transaction-level advisory lock taken before the last
hash is read (held until the writer commits: keep ``record`` near the end of long transactions);
SQLite runs one writing transaction at a time already (``transaction_mode: IMMEDIATE``). The
unique ``prev_hash`` makes a fork impossible even if both failed.

``MESHPORT_AUDIT_ENABLED = False`` turns recording off. Only ``bench/audit.py`` sets it, to
measure what recording costs; it is no deployment option (the log must be complete).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from audit import chain, context, sql
from audit.models import GENESIS, AuditEvent

# pg_advisory_xact_lock key: any constant bigint that no other Meshport lock uses ("audit" in ASCII).
LOCK_KEY = 0x6175646974
LAST_HASH_SQL = "SELECT hash FROM audit_auditevent ORDER BY id DESC LIMIT 1"
COLUMNS = (*chain.HASHED_FIELDS, "prev_hash", "hash")


class AuditError(RuntimeError):
    pass


@dataclass(frozen=True)
class Subject:
    """What an event is about: ``Subject("product", 12, "sales.orders", domain="sales")``."""

    type: str
    id: object
    label: str = ""
    domain: str = ""


@dataclass
class Event:
    action: str
    subject: Subject | models.Model
    actor: object = None  # a user, a label ("user:5", "task:expire"), an Actor, or None: the context's
    data: dict | None = field(default=None)


def record(*, action: str, subject: Subject | models.Model, actor=None, data: dict | None = None) -> AuditEvent | None:
    """Append one event; must run inside the transaction that made the change (else ``AuditError``)."""
    events = record_many(events=[Event(action=action, subject=subject, actor=actor, data=data)])
    return events[0] if events else None


def recording() -> bool:
    """False only where ``MESHPORT_AUDIT_ENABLED`` is off (the audit bench): writers skip what they
    prepare for the log alone (labels, snapshots) too, so the bench's baseline pays none of it."""
    return getattr(settings, "MESHPORT_AUDIT_ENABLED", True)


def record_many(*, events: Sequence[Event]) -> list[AuditEvent]:
    """Append events in order, chained, with one lock and one insert."""
    if not events or not recording():
        return []
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise AuditError("audit events are recorded inside the writer's transaction: call record() in transaction.atomic")
    with connection.cursor() as cursor:  # plain SQL: this runs on every write, the ORM's compiling is not free
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        cursor.execute(LAST_HASH_SQL)
        last = cursor.fetchone()
    prev = last[0] if last else GENESIS
    now, request_id = timezone.now(), context.request_id()
    rows = []
    for event in events:
        row = _row(event, occurred_at=now, request_id=request_id)
        row.prev_hash, row.hash = prev, chain.event_hash(row, prev)
        prev = row.hash
        rows.append(row)
    created = sql.insert(connection, rows, COLUMNS)
    for listener in _listeners:
        listener(created)
    return created


def _row(event: Event, *, occurred_at, request_id: str) -> AuditEvent:
    actor = context.resolve(event.actor)
    subject = subject_of(event.subject)
    if not subject.label:  # e.g. a product deleted before the event is written: its last known name
        subject = _last_known(subject)
    return AuditEvent(
        occurred_at=occurred_at, actor=actor.label[:120], actor_name=actor.name[:150], action=event.action,
        subject_type=subject.type, subject_id=str(subject.id)[:64], subject_label=subject.label[:200],
        domain=subject.domain[:64], request_id=request_id, data=chain.jsonable(event.data),
    )


def subject_of(subject: Subject | models.Model) -> Subject:
    """A model instance as a subject: its model name, primary key and ``str()``."""
    if isinstance(subject, Subject):
        return subject
    return Subject(subject._meta.model_name, subject.pk, str(subject))


def _last_known(subject: Subject) -> Subject:
    last = (AuditEvent.objects.filter(subject_type=subject.type, subject_id=str(subject.id))
            .order_by("-id").values_list("subject_label", "domain").first())
    return Subject(subject.type, subject.id, last[0], subject.domain or last[1]) if last else subject


# --- listeners ----------------------------------------------------------------------------------
# Apps above audit (notifications) hear each recorded batch inside the writer's transaction, so
# what they write (an outbox) commits or rolls back with the event. Audit imports none of them.

_listeners: list[Callable[[list[AuditEvent]], None]] = []


def register_listener(listener: Callable[[list[AuditEvent]], None]) -> None:
    """Call ``listener(events)`` after each batch is appended, in the same transaction (idempotent)."""
    if listener not in _listeners:
        _listeners.append(listener)
