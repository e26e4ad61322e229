"""Vectors as derived data: embedded from what every viewer may see, re-embedded only on change.

A product is embedded as a few passages ("chunks"), each its own vector, and a query scores a
product by its best chunk (max pooling): the first passage is the product's name, domain, tags,
description and purpose; each next one a group of its columns' names and descriptions, *unless the
product is restricted* — a restricted product's column text must never shape what a viewer without
access finds, and one set of vectors serves every viewer. One long passage of everything let the
column list drown the description (the model reads 512 tokens and averages them); on the judged
questions, passages and the weighted fusion lifted hybrid success@1 from 0.81 to 0.91 (SQLite, BENCHMARKS.md).
"""
from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Max
from threadpoolctl import ThreadpoolController

from search.documents import ProductDoc
from search.models import SearchVector
from search.semantic.embeddings import get_embedder

EMBED_BATCH = 32
COLUMNS_PER_CHUNK = 6  # a passage of column names and descriptions stays well inside e5's 512 tokens
MAX_CHUNKS = 8  # the first passage and up to 7 groups of columns (42 columns say what a product holds)
CHUNK_SEP = "\n\x1e\n"  # between chunks in the hashed text: a change of chunking re-embeds
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def enabled() -> bool:
    return getattr(settings, "MESHPORT_SEARCH_SEMANTIC", True)


def _plain(markdown: str) -> str:
    """Description markdown as the words a reader sees (links' text, no emphasis or code marks)."""
    return _LINK.sub(r"\1", markdown).replace("**", "").replace("`", "")


def semantic_chunks(doc: ProductDoc) -> list[str]:
    """The passages embedded for a product, each its own vector; the product scores its best one."""
    head = "\n".join(p for p in (doc.name, doc.domain_name, ", ".join(doc.tags), _plain(doc.description)) if p)
    chunks = [head]
    if doc.visibility != "restricted":
        columns = doc.columns[: COLUMNS_PER_CHUNK * (MAX_CHUNKS - 1)]
        for start in range(0, len(columns), COLUMNS_PER_CHUNK):
            group = columns[start : start + COLUMNS_PER_CHUNK]
            chunks.append(f"{doc.name}: " + ", ".join(
                f"{c['name'].replace('_', ' ')}: {c['description']}".strip().rstrip(":") for c in group))
    return chunks


def semantic_text(doc: ProductDoc) -> str:
    """Every embedded passage, as hashed: a vector is current while this text is unchanged."""
    return CHUNK_SEP.join(semantic_chunks(doc))


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def sync(docs: Iterable[ProductDoc]) -> int:
    """Embed the documents whose text or model changed since their stored vector; returns how many."""
    docs = list(docs)
    if not enabled() or not docs:
        return 0
    embedder = get_embedder()
    chunks = {d.id: semantic_chunks(d) for d in docs}
    hashes = {pk: text_hash(CHUNK_SEP.join(c)) for pk, c in chunks.items()}
    held = dict(SearchVector.objects.filter(product_id__in=list(chunks), model=embedder.key)
                .values_list("product_id", "text_hash"))
    todo = [pk for pk in chunks if held.get(pk) != hashes[pk]]
    batch: list[int] = []
    for pk in todo:  # batches of about EMBED_BATCH passages, a product's chunks never split
        batch.append(pk)
        if sum(len(chunks[p]) for p in batch) >= EMBED_BATCH:
            _store(embedder, batch, chunks, hashes)
            batch = []
    if batch:
        _store(embedder, batch, chunks, hashes)
    return len(todo)


def _store(embedder, batch: list[int], chunks: dict[int, list[str]], hashes: dict[int, str]) -> None:
    vectors = embedder.embed([text for pk in batch for text in chunks[pk]])
    rows, at = [], 0
    for pk in batch:  # a product's chunk vectors, one after the other in one value
        n = len(chunks[pk])
        rows.append(SearchVector(product_id=pk, model=embedder.key, text_hash=hashes[pk],
                                 vector=vectors[at : at + n].tobytes()))
        at += n
    SearchVector.objects.filter(product_id__in=batch).delete()
    SearchVector.objects.bulk_create(rows)


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


def vectors_of(product_ids: list[int]) -> dict[int, np.ndarray]:
    """These products' current passage vectors (rows of float32), for a backend that stores them itself."""
    dims = get_embedder().dimensions
    rows = SearchVector.objects.filter(product_id__in=product_ids, model=get_embedder().key).values_list("product_id", "vector")
    return {pk: np.frombuffer(bytes(blob), dtype=np.float32).reshape(-1, dims) for pk, blob in rows}


def remove(product_ids: Iterable[int]) -> None:
    SearchVector.objects.filter(product_id__in=list(product_ids)).delete()


# --- the vectors in memory -------------------------------------------------------------------------
# One float32 matrix of every chunk vector per process, re-read when the table changes (its newest write
# differs): at 100,000 products of ~2.5 chunks it is ~370 MB read once, then one dot product a query.
_lock = threading.Lock()
_cache: dict = {}
# The scan runs on one BLAS thread: on two busy cores OpenBLAS's threads (and the embedding engine's)
# spun against each other, 517 → 387 ms median for 244,000 × 384 under load (BENCHMARKS.md).
_threads = ThreadpoolController()


class Matrix:
    """Every chunk vector of the current model; ``products`` ascending, ``starts`` each one's first row."""

    def __init__(self, products: np.ndarray, starts: np.ndarray, vectors: np.ndarray):
        self.products, self.starts, self.vectors = products, starts, vectors

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Each product's similarity to the query: that of its best chunk (max pooling)."""
        if not len(self.products):
            return np.zeros(0, dtype=np.float32)
        with _threads.limit(limits=1, user_api="blas"):
            similarities = self.vectors @ query
        return np.maximum.reduceat(similarities, self.starts)

    def vectors_of(self, product_id: int) -> np.ndarray | None:
        at = int(np.searchsorted(self.products, product_id))
        if at == len(self.products) or self.products[at] != product_id:
            return None
        end = self.starts[at + 1] if at + 1 < len(self.starts) else len(self.vectors)
        return self.vectors[self.starts[at] : end]


def matrix() -> Matrix:
    """The current model's vectors, cached per process while the table's newest write is unchanged."""
    key_model = get_embedder().key
    rows = SearchVector.objects.filter(model=key_model)
    # The newest write (an index read) says whether the matrix is current. A deleted product's row may
    # linger in it until the next write: harmless, the scope's ids come from the search entries.
    stamp = (connection.settings_dict["NAME"], key_model, rows.aggregate(last=Max("updated"))["last"])
    with _lock:
        if _cache.get("stamp") == stamp:
            return _cache["matrix"]
    dims = get_embedder().dimensions
    products, counts, blobs = [], [], []
    for pk, blob in rows.order_by("product_id").values_list("product_id", "vector").iterator(chunk_size=5000):
        blob = bytes(blob)
        products.append(pk)
        counts.append(len(blob) // (4 * dims))
        blobs.append(blob)
    vectors = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(-1, dims)
    starts = np.concatenate([[0], np.cumsum(counts[:-1])]).astype(np.int64) if counts else np.zeros(0, np.int64)
    built = Matrix(np.asarray(products, dtype=np.int64), starts, vectors)
    with _lock:
        _cache.update(stamp=stamp, matrix=built)
    return built


def nearest(query: np.ndarray, allowed_ids: Iterable[int] | None, k: int, *,
            excluded_ids: Iterable[int] = ()) -> list[tuple[int, float]]:
    """The k products nearest to the query vector among ``allowed_ids`` (the viewer's scope), or, when
    that is None, among all but ``excluded_ids`` (outside the scope or filters: usually the fewer to
    name). The scope applies before the top k are taken, so a narrow scope still gets k hits."""
    found = matrix()
    if not len(found.products):
        return []
    scores = found.scores(query)
    if allowed_ids is not None:
        keep = np.zeros(len(found.products), dtype=bool)
        keep[_positions(found.products, allowed_ids)] = True
        scores = np.where(keep, scores, -np.inf)
    scores[_positions(found.products, excluded_ids)] = -np.inf
    k = min(k, int(np.isfinite(scores).sum()))
    if k <= 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(found.products[i]), float(scores[i])) for i in top]


# The scope is checked on the best candidates first: a few hundred ids against the search entries, not
# the whole table. Each round that keeps fewer than k widens the candidates eightfold or, when few passed,
# to twice what their share says k needs; past this many,
# one read of every id the scope allows is cheaper than a list of ids.
FIRST_CANDIDATES = 100
MAX_CHECKED = 4000


def best_allowed(found: Matrix, scores: np.ndarray, k: int,
                 allowed: Callable[[list[int] | None], set[int]]) -> list[tuple[int, float]]:
    """The k best-scoring products that ``allowed`` keeps, best first. ``allowed(ids)`` says which of these
    ids the viewer's scope and filters let through (``allowed(None)``: every such id). The scope applies
    before the top k are taken, so a narrow scope still gets k hits; only the candidates are bounded."""
    n = len(scores)
    if not n or k <= 0:
        return []
    m = min(n, 2 * k + FIRST_CANDIDATES)
    while True:
        if m > MAX_CHECKED:
            keep = allowed(None)
            mask = np.zeros(n, dtype=bool)
            mask[_positions(found.products, keep)] = True
            top = np.flatnonzero(mask)
            top = top[np.argsort(-scores[top], kind="stable")][:k]
            return [(int(found.products[i]), float(scores[i])) for i in top]
        top = np.argpartition(-scores, m - 1)[:m] if m < n else np.arange(n)
        top = top[np.argsort(-scores[top], kind="stable")]
        ids = found.products[top].tolist()
        keep = allowed(ids)
        kept = [(pk, float(scores[i])) for pk, i in zip(ids, top, strict=True) if pk in keep]
        if len(kept) >= k or m >= n:
            return kept[:k]
        # as many again as this share of passes needs to reach k, twice over (at least 8 × as many)
        m = min(n, max(m * 8, 2 * k * m // max(len(kept), 1)))


_pool: ThreadPoolExecutor | None = None


def scan_later(found: Matrix, vector_of: Callable[[], np.ndarray]) -> Future:
    """Embed the query and score every product in a worker thread, beside the words' search in the
    caller's: the engine's C code and the BLAS scan release the interpreter's lock while they run, as
    SQLite and the PostgreSQL driver do while waiting for the database. Only numpy and the model run
    there (no database connection: a thread's connection would not see the caller's transaction)."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="meshport-vectors")
    return _pool.submit(lambda: found.scores(vector_of()))


def _positions(products: np.ndarray, ids: Iterable[int]) -> np.ndarray:
    """Where these product ids sit in ``products`` (ids without a vector are left out)."""
    wanted = np.fromiter(ids, dtype=np.int64)
    at = np.searchsorted(products, wanted)
    at = np.minimum(at, len(products) - 1)
    return at[products[at] == wanted]
