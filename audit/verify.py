"""The chain check behind ``manage.py audit_verify``.

Each event's hash must match its own content and its ``prev_hash`` the hash of the event before it
in id order (the first event's is the genesis hash). Ids alone prove nothing: a PostgreSQL
sequence skips the ids of rolled-back inserts, so a missing row shows as a ``prev_hash`` that
names no neighbour, never as a gap.
"""
from __future__ import annotations

from dataclasses import dataclass

from audit import chain
from audit.models import GENESIS, AuditEvent


@dataclass
class Verification:
    checked: int = 0
    problem: str = ""  # empty when the chain is whole
    event_id: int | None = None


def chain_verify(*, chunk_size: int = 2000) -> Verification:
    result, prev, prev_id = Verification(), GENESIS, None
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=chunk_size):
        if event.prev_hash != prev:
            after = f"event {prev_id}" if prev_id is not None else "the start of the log"
            result.problem = (f"Audit event {event.pk}: its prev_hash does not match {after}; "
                              f"an event between them was removed or altered (chain broken before event {event.pk}).")
        elif chain.event_hash(event, event.prev_hash) != event.hash:
            result.problem = f"Audit event {event.pk}: its hash does not match its content; the event was altered."
        if result.problem:
            result.event_id = event.pk
            return result
        result.checked += 1
        prev, prev_id = event.hash, event.pk
    return result
