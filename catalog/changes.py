"""The change fan-out: what a service changed, recorded in its transaction, told once after commit.

A service collects what it did in a ``ChangeSet`` — which products, what kind of change, which
fields and ports, who acted — and calls ``changes_announce`` inside its transaction. Nothing
leaves before the commit; a rollback (or a dry run) tells nothing. After commit one signal is sent
per kind of change, each product in exactly one of them, and every app subscribes to the kinds
it cares for in its own ``ready()``:

==================  =================================================  ============================
signal              sent when                                          heard by
==================  =================================================  ============================
product_created     a product was created                              search, profiling, governance, lineage
product_updated     fields, status, ports, contracts or columns         search, profiling (changed ports
                    changed (``fields`` names them)                    only), governance, lineage
product_deleted     a product was deleted                              search, lineage
product_profiled    a profile finished and changed what it records      search, governance
product_scored      a derived signal changed (quality score, usage)    search
==================  =================================================  ============================

An app never hears its own kind: profiling sends ``product_profiled`` and listens to neither it
nor ``product_scored``; governance and lineage write scores and usage, which only search hears.
The values are plain and typed, so the audit trail and notifications can consume them later.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

from django.db import transaction
from django.dispatch import Signal


class Kind(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    PROFILED = "profiled"
    SCORED = "scored"


@dataclass(frozen=True)
class ProductChange:
    """One product's change in one transaction."""

    product_id: int
    kind: Kind
    fields: frozenset[str] = frozenset()  # what changed: "status", "description", "ports", "contract" …
    port_ids: frozenset[int] = frozenset()  # ports whose data or contract changed (to profile again)
    actor: str = ""  # "user:<id>", "system" …


# Sent after commit, with ``changes`` (a tuple of ProductChange of that kind).
product_created = Signal()
product_updated = Signal()
product_deleted = Signal()
product_profiled = Signal()
product_scored = Signal()
SIGNALS = {
    Kind.CREATED: product_created, Kind.UPDATED: product_updated, Kind.DELETED: product_deleted,
    Kind.PROFILED: product_profiled, Kind.SCORED: product_scored,
}
# A product changed in two ways in one transaction is told once, by the strongest kind.
_STRENGTH = [Kind.DELETED, Kind.CREATED, Kind.UPDATED, Kind.PROFILED, Kind.SCORED]


def actor_label(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "system"
    return f"user:{user.pk}"


@dataclass
class ChangeSet:
    """What one service call changed, merged per product."""

    actor: str = "system"
    changes: dict[int, ProductChange] = field(default_factory=dict)

    def add(self, product_id: int, kind: Kind, *, fields=(), port_ids=()) -> None:
        before = self.changes.get(product_id)
        if before is not None:
            kind = min(kind, before.kind, key=_STRENGTH.index)
            fields, port_ids = {*before.fields, *fields}, {*before.port_ids, *port_ids}
        self.changes[product_id] = ProductChange(
            product_id=product_id, kind=kind, fields=frozenset(fields), port_ids=frozenset(port_ids), actor=self.actor,
        )

    def __bool__(self) -> bool:
        return bool(self.changes)


def changes_announce(changeset: ChangeSet) -> None:
    """Inside the writer's transaction: mark the products for re-indexing and tell them after commit."""
    if not changeset:
        return
    from catalog.models import DataProduct

    changes = tuple(changeset.changes.values())
    alive = [c.product_id for c in changes if c.kind != Kind.DELETED]
    if alive:
        DataProduct.objects.filter(pk__in=alive).update(search_dirty=True)
    transaction.on_commit(lambda: _send(changes))


def _send(changes: tuple[ProductChange, ...]) -> None:
    from catalog.models import DataProduct

    for kind in _STRENGTH:
        of_kind = tuple(c for c in changes if c.kind == kind)
        if of_kind:
            SIGNALS[kind].send(sender=DataProduct, changes=of_kind)


def product_changes_announce(product_ids, kind: Kind, *, actor: str = "system", fields=()) -> None:
    """Shorthand for services that change several products the same way."""
    changeset = ChangeSet(actor=actor)
    for pk in product_ids:
        changeset.add(pk, kind, fields=fields)
    changes_announce(changeset)
