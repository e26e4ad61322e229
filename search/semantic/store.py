"""Vectors as derived data: embedded from what every viewer may see, re-embedded only on change.

The embedded text is a product's name, identifier words, domain, tags, description and purpose,
its ports' descriptions, and its columns' names and descriptions *unless the product is
restricted*: a restricted product's column text must never shape what a viewer without access
finds, and one vector serves every viewer.
"""
from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Iterator

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Max

from search.documents import ProductDoc
from search.models import SearchVector
from search.semantic.embeddings import get_embedder

EMBED_BATCH = 32
MAX_COLUMNS = 60  # e5 reads 512 tokens: the first columns say what the product holds


def enabled() -> bool:
    return getattr(settings, "MESHPORT_SEARCH_SEMANTIC", True)


def semantic_text(doc: ProductDoc) -> str:
    parts = [doc.name, doc.identifier.replace(".", " ").replace("_", " "), doc.domain_name, ", ".join(doc.tags),
             doc.description, *(p["description"] for p in doc.ports if p.get("description"))]
    if doc.visibility != "restricted":
        parts.append(", ".join(f"{c['name'].replace('_', ' ')} {c['description']}".strip()
                               for c in doc.columns[:MAX_COLUMNS]))
    return "\n".join(p for p in parts if p)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def sync(docs: Iterable[ProductDoc]) -> int:
    """Embed the documents whose text or model changed since their stored vector; returns how many."""
    docs = list(docs)
    if not enabled() or not docs:
        return 0
    embedder = get_embedder()
    texts = {d.id: semantic_text(d) for d in docs}
    hashes = {pk: text_hash(t) for pk, t in texts.items()}
    held = dict(SearchVector.objects.filter(product_id__in=list(texts), model=embedder.key)
                .values_list("product_id", "text_hash"))
    todo = [pk for pk in texts if held.get(pk) != hashes[pk]]
    for start in range(0, len(todo), EMBED_BATCH):
        batch = todo[start : start + EMBED_BATCH]
        vectors = embedder.embed([texts[pk] for pk in batch])
        SearchVector.objects.filter(product_id__in=batch).delete()
        SearchVector.objects.bulk_create([
            SearchVector(product_id=pk, model=embedder.key, text_hash=hashes[pk], vector=vectors[i].tobytes())
            for i, pk in enumerate(batch)
        ])
    return len(todo)


def synced(docs: Iterable[ProductDoc], chunk: int = 500) -> Iterator[ProductDoc]:
    """Pass documents through (a rebuild's stream), embedding each chunk's changed ones on the way."""
    pending: list[ProductDoc] = []
    for doc in docs:
        pending.append(doc)
        if len(pending) >= chunk:
            sync(pending)
            yield from pending
            pending = []
    sync(pending)
    yield from pending


def held_hashes() -> dict[int, str]:
    """Every stored vector's product id and text hash; a vector of another model counts as none."""
    key = get_embedder().key
    return {pk: (h if model == key else "") for pk, h, model in
            SearchVector.objects.values_list("product_id", "text_hash", "model")}


def remove(product_ids: Iterable[int]) -> None:
    SearchVector.objects.filter(product_id__in=list(product_ids)).delete()


# --- the vectors in memory -------------------------------------------------------------------------
# One float32 matrix per process, re-read when the table changes (its newest write differs):
# 100,000 × 384 is 150 MB of reads once, then a scoped dot product per query.
_lock = threading.Lock()
_cache: dict = {}


def matrix() -> tuple[np.ndarray, np.ndarray]:
    """(product ids, their vectors) of the current model, ids ascending."""
    key_model = get_embedder().key
    rows = SearchVector.objects.filter(model=key_model)
    # The newest write (an index read) says whether the matrix is current. A deleted product's row may
    # linger in it until the next write: harmless, the scope's ids come from the search entries.
    stamp = (connection.settings_dict["NAME"], key_model, rows.aggregate(last=Max("updated"))["last"])
    with _lock:
        if _cache.get("stamp") == stamp:
            return _cache["ids"], _cache["vectors"]
    pairs = list(rows.order_by("product_id").values_list("product_id", "vector"))
    ids = np.fromiter((p for p, _ in pairs), dtype=np.int64, count=len(pairs))
    vectors = (np.frombuffer(b"".join(bytes(v) for _, v in pairs), dtype=np.float32).reshape(len(pairs), -1)
               if pairs else np.zeros((0, get_embedder().dimensions), dtype=np.float32))
    with _lock:
        _cache.update(stamp=stamp, ids=ids, vectors=vectors)
    return ids, vectors


def nearest(query: np.ndarray, allowed_ids: Iterable[int] | None, k: int) -> list[tuple[int, float]]:
    """The k products nearest to the query vector among ``allowed_ids`` (the viewer's scope)."""
    ids, vectors = matrix()
    if not len(ids):
        return []
    if allowed_ids is not None:
        allowed = np.fromiter(allowed_ids, dtype=np.int64)
        keep = np.isin(ids, allowed, assume_unique=False)
        ids, vectors = ids[keep], vectors[keep]
        if not len(ids):
            return []
    scores = vectors @ query
    k = min(k, len(ids))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(ids[i]), float(scores[i])) for i in top]
