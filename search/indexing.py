"""Index maintenance: keep the search backend in step with the database, which stays the truth.

Every product change marks ``DataProduct.search_dirty`` in the writer's transaction and, after
commit, calls ``index_products``. The flag is cleared *before* the documents are read, so an
edit that lands meanwhile marks it again; a failed write marks it again too. ``reconcile``
(beat) re-indexes whatever is still dirty and, with ``full=True``, whatever ``drift`` finds.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from catalog.models import DataProduct
from search.backends import get_backend
from search.backends.base import SearchBackend
from search.documents import CHUNK_SIZE, product_documents
from search.semantic import store as semantic

log = logging.getLogger(__name__)
RECONCILE_BATCH = 500


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
    DataProduct.objects.filter(pk__in=ids).update(search_dirty=False)
    try:
        _write(backend, ids)
    except Exception:
        DataProduct.objects.filter(pk__in=ids).update(search_dirty=True)
        if not backend.swallow_index_errors:
            raise
        log.warning("search index write failed for %d product(s); left dirty for reconciliation", len(ids),
                    exc_info=True)
        return False
    return True


def _write(backend: SearchBackend, ids: list[int]) -> None:
    docs = list(product_documents(ids))
    backend.upsert(docs)
    semantic.sync(docs)
    gone = set(ids) - {d.id for d in docs}
    if gone:
        backend.remove(sorted(gone))
        semantic.remove(gone)


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


def reconcile(*, full: bool = False, backend: SearchBackend | None = None) -> int:
    """Index what is dirty (and, when ``full``, what drifted); returns how many ids were fixed."""
    backend = backend or get_backend()
    ids = set(DataProduct.objects.filter(search_dirty=True).values_list("pk", flat=True))
    if full:
        found = drift(backend=backend)
        ids |= {*found.missing, *found.stale, *found.orphaned}
    ordered, fixed = sorted(ids), 0
    for start in range(0, len(ordered), RECONCILE_BATCH):
        batch = ordered[start : start + RECONCILE_BATCH]
        if index_products(batch, backend=backend):
            fixed += len(batch)
    return fixed


def rebuild(*, backend: SearchBackend | None = None, chunk_size: int = CHUNK_SIZE,
            progress: Callable[[int], None] | None = None) -> int:
    """Build a fresh index from every product and swap it in; then catch up edits made meanwhile."""
    backend = backend or get_backend()
    # Cleared first and not in one long transaction (that would block writers for the whole
    # build): an edit made while the new index fills marks its product dirty again.
    DataProduct.objects.filter(search_dirty=True).update(search_dirty=False)
    # Vectors are reused where the embedded text and model are unchanged: only edits are re-embedded.
    docs = semantic.synced(product_documents(None, chunk_size=chunk_size))
    written = backend.rebuild(docs, total=DataProduct.objects.count(), progress=progress)
    reconcile(backend=backend)
    return written
