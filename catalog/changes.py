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
The values are plain and typed. Inside the transaction each created, updated or deleted product is
also written to the audit log (``audit``), with its field-level ``diff`` where the service knew
both versions; profiled and scored are derived signals, rebuilt from the database, and not audited.
"""
from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F
from django.dispatch import Signal

from audit.access import register_product_access, register_reader_scope
from audit.diff import merge
from audit.panels import history_panel
from catalog.panels import register_product_panel


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
    diff: dict | None = field(default=None, compare=False)  # audit.diff.diff(old, new) of the product's fields


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

    def add(self, product_id: int, kind: Kind, *, fields=(), port_ids=(), diff: dict | None = None) -> None:
        before = self.changes.get(product_id)
        if before is not None:
            kind = min(kind, before.kind, key=_STRENGTH.index)
            fields, port_ids = {*before.fields, *fields}, {*before.port_ids, *port_ids}
            diff = merge(before.diff, diff)
        self.changes[product_id] = ProductChange(
            product_id=product_id, kind=kind, fields=frozenset(fields), port_ids=frozenset(port_ids), actor=self.actor,
            diff=diff or None,
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
        DataProduct.objects.filter(pk__in=alive).update(search_dirty=True, search_version=F("search_version") + 1)
    _audit([c for c in changes if c.kind in (Kind.CREATED, Kind.UPDATED, Kind.DELETED)])
    transaction.on_commit(lambda: _send(changes))


def _audit(changes: list[ProductChange]) -> None:
    from audit.services import Event, Subject, record_many, recording
    from audit.versions import Snapshot, versions_record

    if not changes or not recording():
        return  # recording off (only the audit bench turns it off): no label to look up either
    found = _products_read([c.product_id for c in changes])
    events = [Event(action=f"product.{'status_changed' if 'status' in c.fields and c.kind == Kind.UPDATED else c.kind}",
                    subject=Subject("product", c.product_id, *found.get(c.product_id, ("", ""))[:2]), actor=c.actor,
                    data={"fields": sorted(c.fields), "diff": c.diff or {}}) for c in changes]
    with transaction.atomic(savepoint=False):  # the writer's; its own only where a writer has none (admin bulk delete)
        recorded = record_many(events=events)
        event_ids = {e.subject_id: e.pk for e in recorded}
        alive = {c.product_id: c for c in changes if c.kind != Kind.DELETED}
        versions_record(snapshots=[
            Snapshot(pk, label, slug, _json(descriptor), {cid: _json(doc) for cid, doc in contracts.items()},
                     alive[pk].actor, event_ids.get(str(pk)))
            for pk, (label, slug, descriptor, contracts) in found.items() if pk in alive])


def _products_read(product_ids: list[int]) -> dict[int, tuple[str, str, object, dict]]:
    """Each product's identifier and domain (the events' subjects) and, still encoded, its descriptor
    and its ports' contracts' documents (its version's snapshot, ``audit.versions``).

    One query in plain SQL: this runs on every publish, and the ORM's compiling of a query with
    ordered joins cost more than reading the rows. A deleted product is not found: its events
    take their subject's last known name (``audit.services``).
    """
    from catalog.models import Contract, DataProduct, Domain, OutputPort

    sql = (f"SELECT p.id, p.identifier, d.slug, p.descriptor, c.external_id, c.document "  # noqa: S608 - our tables
           f"FROM {DataProduct._meta.db_table} p JOIN {Domain._meta.db_table} d ON d.id = p.domain_id "
           f"LEFT JOIN {OutputPort._meta.db_table} o ON o.product_id = p.id AND o.contract_id IS NOT NULL "
           f"LEFT JOIN {Contract._meta.db_table} c ON c.id = o.contract_id "
           f"WHERE p.id IN ({', '.join(['%s'] * len(product_ids))})")
    found: dict[int, tuple] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, product_ids)
        for pk, label, slug, descriptor, cid, document in cursor.fetchall():
            if pk not in found:
                found[pk] = (label, slug, descriptor, {})
            if cid is not None:
                found[pk][3][cid] = document
    return found


def _json(value):
    """A JSON column read by plain SQL: text on SQLite and (as Django configures psycopg) on PostgreSQL."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def _send(changes: tuple[ProductChange, ...]) -> None:
    from catalog.models import DataProduct

    for kind in _STRENGTH:
        of_kind = tuple(c for c in changes if c.kind == kind)
        if of_kind:
            SIGNALS[kind].send(sender=DataProduct, changes=of_kind)


def _audit_readers(user) -> set[str] | None:
    """The audit log's readers (``audit.access``): stewards read it all, domain owners their domains' events."""
    from catalog.models import DomainMembership
    from catalog.permissions import is_steward

    owned = DomainMembership.objects.filter(user=user, role=DomainMembership.Role.OWNER)
    return None if is_steward(user) else set(owned.values_list("domain__slug", flat=True))


def _product_access(user, **lookup) -> dict[int, bool]:
    """Audit's feed and history (``audit.access``): the products in ``lookup`` the user may know → whether it reads each."""
    from catalog.models import DataProduct
    from catalog.visibility import Viewer

    viewer, known = Viewer.of(user), DataProduct.objects.known_to(user).filter(**lookup)
    return {p.pk: viewer.reads(p) for p in known.only("pk", "status", "visibility", "domain_id")}


register_reader_scope(_audit_readers)
register_product_access(_product_access)
register_product_panel("history", "History", history_panel, order=40, tab="history")  # product versions, kept by audit


def product_changes_announce(product_ids, kind: Kind, *, actor: str = "system", fields=()) -> None:
    """Shorthand for services that change several products the same way."""
    changeset = ChangeSet(actor=actor)
    for pk in product_ids:
        changeset.add(pk, kind, fields=fields)
    changes_announce(changeset)
