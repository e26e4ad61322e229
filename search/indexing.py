"""Index maintenance: keep the search backend in step with the database, which stays the truth.

Every product change marks ``DataProduct.search_dirty`` (and bumps ``search_version``) in the
writer's transaction and, after commit, calls ``index_products``. The flag is cleared only *after*
the documents are written, and only where ``search_version`` is still the one written: an edit that
landed meanwhile keeps it, and so does a write that failed, or a worker killed or a database gone
between reading and writing (when the flag was cleared first and set again on failure, a worker
killed, or a database restarting, in between left a product neither dirty nor indexed until the
nightly full pass). ``reconcile``
(beat) re-indexes whatever is still dirty, removes what the tombstones of deleted products name
(``SearchTombstone``, written in the deleting transaction) and, with ``full=True``, whatever
``drift`` finds. Reconciliation and rebuilds each run under a lease (``search.locks``): one at a time.
"""
from __future__ import annotations

import datetime
import logging
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce

from django.db.models import Q
from django.utils import timezone

from catalog.models import DataProduct
from search import locks
from search.backends import get_backend
from search.backends.base import IndexWriteFailed, SearchBackend
from search.documents import CHUNK_SIZE, product_documents
from search.models import SearchTombstone
from search.semantic import store as semantic

log = logging.getLogger(__name__)
RECONCILE_BATCH = 500
CLEAN_BATCH = 200  # products per conditional clear (an OR of (id, version) pairs; SQLite limits its depth)
RECONCILE_LEASE_SECONDS = 600
TOMBSTONE_KEEP = datetime.timedelta(days=1)  # processed tombstones, for rebuilds that read before the delete
REBUILD_LEASE_SECONDS = 300  # renewed as the rebuild goes: a crashed one frees it within five minutes


class RebuildRunning(locks.LeaseHeld):
    """Another rebuild of this index is under way."""


@dataclass
class Drift:
    """How the index differs from the database: products missing, stale, or no longer there."""

    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    orphaned: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.missing) + len(self.stale) + len(self.orphaned)

    def __str__(self) -> str:
        return f"{len(self.missing)} missing, {len(self.stale)} stale, {len(self.orphaned)} orphaned"


def index_products(product_ids: list[int], *, backend: SearchBackend | None = None) -> bool:
    """Re-index these products (removing deleted ones); False when a remote engine failed."""
    backend = backend or get_backend()
    ids = sorted(set(product_ids))
    if not ids:
        return True
    docs = list(product_documents(ids))
    try:
        _write(backend, ids, docs)
    except IndexWriteFailed as exc:  # the engine answered, but refused some documents: say which and why
        refused = set(exc.product_ids or ids)
        _written([d for d in docs if d.id not in refused])
        log.error("search index refused %d document(s), left dirty: %s", len(exc.failures), exc.failures[:20])
        if not backend.swallow_index_errors:
            raise
        return False
    except Exception:
        if not backend.swallow_index_errors:
            raise
        log.warning("search index write failed for %d product(s); left dirty for reconciliation", len(ids),
                    exc_info=True)
        return False
    _written(docs)
    return True


def _written(docs: list) -> None:
    """Clear the dirty flag of products whose copy was written, unless they changed since it was read."""
    for start in range(0, len(docs), CLEAN_BATCH):
        batch = docs[start : start + CLEAN_BATCH]
        if batch:
            same = reduce(operator.or_, (Q(pk=d.id, search_version=d.version) for d in batch))
            DataProduct.objects.filter(same, search_dirty=True).update(search_dirty=False)


def _write(backend: SearchBackend, ids: list[int], docs: list) -> None:
    semantic.sync(docs)  # first: a backend that stores the vectors itself (Elasticsearch) writes them with the copy
    backend.upsert(docs)
    alive = {d.id for d in docs}
    if alive:  # a product id used again (SQLite reuses the highest): its old tombstone is void
        SearchTombstone.objects.filter(product_id__in=alive).delete()
    gone = set(ids) - alive
    if gone:
        tombstones = dict(SearchTombstone.objects.filter(product_id__in=gone).values_list("product_id", "version"))
        backend.remove(sorted(gone), versions=tombstones)
        semantic.remove(gone)
        for pk, version in tombstones.items():  # processed: unless the product was deleted again meanwhile
            SearchTombstone.objects.filter(product_id=pk, version=version).update(pending=False)


def drift(*, backend: SearchBackend | None = None) -> Drift:
    """Compare every product's content hash with its indexed copy."""
    backend = backend or get_backend()
    indexed = backend.indexed_hashes()
    vectors = semantic.held_hashes() if semantic.enabled() else None
    found = Drift()
    for doc in product_documents(None):
        held = indexed.pop(doc.id, None)
        if held is None:
            found.missing.append(doc.id)
        elif held != doc.content_hash:
            found.stale.append(doc.id)
        elif vectors is not None and vectors.get(doc.id) != semantic.text_hash(semantic.semantic_text(doc)):
            found.stale.append(doc.id)  # no vector yet, or one of other text or of another model
        if vectors is not None:
            vectors.pop(doc.id, None)
    found.orphaned = sorted(set(indexed) | set(vectors or ()))
    return found


def _lease_name(kind: str, backend: SearchBackend) -> str:
    return f"search-{kind}:{backend.name}:{getattr(backend, 'alias', '')}"[:100]


def reconcile(*, full: bool = False, backend: SearchBackend | None = None) -> int:
    """Index what is dirty and remove what is tombstoned (and, when ``full``, what drifted); returns
    how many ids were fixed. One reconciliation at a time: a second one returns 0 at once."""
    backend = backend or get_backend()
    try:
        lease = locks.acquire(_lease_name("reconcile", backend), RECONCILE_LEASE_SECONDS, "reconciling")
    except locks.LeaseHeld as exc:
        log.info("search reconcile skipped: %s", exc)
        return 0
    try:
        return _reconcile(backend, full, lease)
    finally:
        lease.release()


def _reconcile(backend: SearchBackend, full: bool, lease: locks.Lease) -> int:
    ids = set(DataProduct.objects.filter(search_dirty=True).values_list("pk", flat=True))
    ids |= set(SearchTombstone.objects.filter(pending=True).values_list("product_id", flat=True))
    SearchTombstone.objects.filter(pending=False, deleted__lt=timezone.now() - TOMBSTONE_KEEP).delete()
    if full:
        found = drift(backend=backend)
        ids |= {*found.missing, *found.stale, *found.orphaned}
    ordered, fixed = sorted(ids), 0
    for start in range(0, len(ordered), RECONCILE_BATCH):
        batch = ordered[start : start + RECONCILE_BATCH]
        if index_products(batch, backend=backend):
            fixed += len(batch)
        lease.renew()
    return fixed


def rebuild(*, backend: SearchBackend | None = None, chunk_size: int = CHUNK_SIZE,
            progress: Callable[[int], None] | None = None) -> int:
    """Build a fresh index from every product and swap it in, losing no write made meanwhile.

    One rebuild at a time (``RebuildRunning`` otherwise). While the new index fills, every write
    reaches it too (the Elasticsearch backend writes through ``<alias>-building``, the database backend
    on PostgreSQL into its ``<table>_building`` shadow; on SQLite, whose rebuild is one transaction, the
    writers wait for it); what stayed dirty is replayed after the swap.
    """
    backend = backend or get_backend()
    try:
        lease = locks.acquire(_lease_name("rebuild", backend), REBUILD_LEASE_SECONDS, "a rebuild")
    except locks.LeaseHeld as exc:
        raise RebuildRunning(f"A search index rebuild is already running ({exc}).") from None

    def advance(count: int) -> None:
        lease.renew()
        if progress:
            progress(count)

    try:
        # Cleared first and not in one long transaction (that would block writers for the whole
        # build): an edit made while the new index fills marks its product dirty again.
        DataProduct.objects.filter(search_dirty=True).update(search_dirty=False)
        # A product read by the build and deleted before its copy is written would come back: deletes
        # since the start (with a margin for long transactions) are applied to the new index before the swap.
        since = timezone.now() - datetime.timedelta(minutes=5)

        def deleted() -> dict[int, int]:
            return dict(SearchTombstone.objects.filter(deleted__gte=since).values_list("product_id", "version"))

        # Vectors are reused where the embedded text and model are unchanged: only edits are re-embedded.
        docs = semantic.synced(product_documents(None, chunk_size=chunk_size))
        written = backend.rebuild(docs, total=DataProduct.objects.count(), progress=advance, deleted=deleted)
        reconcile(backend=backend)
    finally:
        lease.release()
    return written
