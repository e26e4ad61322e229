"""Search at scale: bulk indexing rate and API latency with facets, each against the raw engine.

    python bench/search.py                      # database backend at 100,000 products, then
                                                # Elasticsearch (emulator or ELASTICSEARCH_URL) at 5,000
    python bench/search.py --engine database --products 100000 [--database-url postgres://…]
    python bench/search.py --engine elasticsearch --products 5000
    python bench/search.py --engine database --products 20000 --modes lexical,hybrid --synthetic-vectors

The baseline is the same query run directly on the engine in the same run: for SQLite a plain
FTS5 MATCH ranked by bm25 with count and facet counts, for PostgreSQL the same with
``to_tsquery``/``ts_rank``, for Elasticsearch the very request body our backend sends, timed as
a bare client round trip. The ratio (API ÷ engine) is our overhead.

``--modes`` times the API per search mode (search by meaning, ``?mode=``), the modes interleaved
query by query so that the load of a shared machine falls on each alike, and prints each mode's
p95 as a ratio of lexical's. ``hybrid-cold`` is hybrid with the query's vector embedded every time
(``hybrid`` reuses the vectors of recent queries, as a server does for a query typed again or paged).
With ``--synthetic-vectors`` every product gets random unit vectors (as many as its passages, tagged
with the current model and its text's real hash, so a rebuild reuses them) instead of being embedded,
so vector search and fusion are timed at scale without hours of embedding; the query itself is
embedded by the real model. The embedding throughput is measured on a sample of real product texts,
and the rebuild is timed with search by meaning off (the baseline) and on with every vector reused.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
# The project root first: this file is named like the search app, whose package must win.
sys.path.insert(0, str(ROOT))
QUERIES = 200
EMULATOR_QUERIES = 20  # the emulator scans (≈10 s per query at 5,000 products): a smaller sample


def configure(args) -> None:
    os.environ.setdefault("SECRET_KEY", "meshport-bench-only-key-" + "x" * 40)  # base refuses to run keyless
    os.environ.update(DJANGO_SETTINGS_MODULE="meshport.settings.base", SECURE_SSL_REDIRECT="false",
                      DEBUG="false", LOG_LEVEL="WARNING", MESHPORT_SEARCH_INDEX=f"bench-products-{args.products}")
    db = args.database_url or f"sqlite:///{ROOT / 'var' / 'bench' / f'search-{args.products}.sqlite3'}"
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = db
    from searchkit.pgdb import ensure_database

    ensure_database(db)
    if args.engine == "database":
        os.environ.pop("ELASTICSEARCH_URL", None)
    import django

    django.setup()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(values: list[float]) -> str:
    return f"p50 {percentile(values, 50) * 1000:6.1f} ms  p95 {percentile(values, 95) * 1000:6.1f} ms"


def ensure_mesh(n: int) -> None:
    from django.core.management import call_command

    from catalog.models import DataProduct

    call_command("migrate", verbosity=0)
    if DataProduct.objects.count() == n:
        print(f"mesh: {n} products already generated")
        return
    from searchkit.generate import generate

    started = time.perf_counter()
    generate(n)
    print(f"mesh: generated {n} products in {time.perf_counter() - started:.1f} s")


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def cpu_timed(fn) -> tuple[float, float]:
    """Wall and CPU seconds of this process (CPU is what a shared, loaded machine disturbs least)."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def bench_rebuild(n: int) -> float:
    from search.indexing import rebuild

    seconds, cpu = cpu_timed(rebuild)
    print(f"rebuild: {n} products in {seconds:.1f} s = {n / seconds:,.0f} products/s wall "
          f"(CPU {cpu:.1f} s = {n / cpu:,.0f} products/s; full rebuild, all chunks)")
    return seconds


def api_and_engine(queries: list[dict], raw, warm: bool = True) -> None:
    from django.test import Client

    client = Client()
    for params in queries if warm else ():  # warm caches the same way for both sides
        raw(params)
        client.get("/api/search/", params)
    api, engine, api_cpu, engine_cpu = [], [], [], []
    for params in queries:
        wall, cpu = cpu_timed(lambda p=params: raw(p))
        engine.append(wall)
        engine_cpu.append(cpu)
        response = None

        def call(p=params):
            nonlocal response
            response = client.get("/api/search/", p)

        wall, cpu = cpu_timed(call)
        api.append(wall)
        api_cpu.append(cpu)
        assert response.status_code == 200, response.content[:300]
    print(f"engine ({len(queries)} queries, with facets): {ms(engine)}   CPU {ms(engine_cpu)}")
    print(f"API    ({len(queries)} queries, with facets): {ms(api)}   CPU {ms(api_cpu)}")
    print(f"ratio API/engine: p50 {percentile(api, 50) / percentile(engine, 50):.2f}x  "
          f"p95 {percentile(api, 95) / percentile(engine, 95):.2f}x  (CPU: p50 "
          f"{percentile(api_cpu, 50) / max(percentile(engine_cpu, 50), 1e-9):.2f}x  "
          f"p95 {percentile(api_cpu, 95) / max(percentile(engine_cpu, 95), 1e-9):.2f}x; the engine's CPU is ours "
          "only when it runs in this process, as SQLite does)")
    suggest = [timed(lambda p=params: client.get("/api/search/suggest/", {"q": p["q"][:4]})) for params in queries]
    print(f"suggest ({len(queries)} prefixes): {ms(suggest)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["database", "elasticsearch"])
    parser.add_argument("--products", type=int)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--queries", type=int, help=f"How many mixed queries (default {QUERIES}).")
    parser.add_argument("--modes", default="", help="Search modes to time the API in, e.g. lexical,hybrid.")
    parser.add_argument("--synthetic-vectors", action="store_true", help="Random vectors instead of embedding.")
    parser.add_argument("--rebuild-only", action="store_true", help="Without --modes: time the rebuilds, no queries.")
    parser.add_argument("--no-rebuild", action="store_true",
                        help="With --modes: time the searches only, on the index and vectors an earlier run left.")
    args = parser.parse_args()
    if args.engine is None:  # the default run: both engines, each in its own process (settings differ)
        for engine, n in (("database", 100_000), ("elasticsearch", 5_000)):
            print(f"== {engine} backend, {n} products", flush=True)
            subprocess.run([sys.executable, __file__, "--engine", engine, "--products", str(n)], check=True)
        return
    args.products = args.products or (100_000 if args.engine == "database" else 5_000)
    if args.engine == "elasticsearch":
        run_elasticsearch(args)
    else:
        run_database(args)


def run_database(args) -> None:
    configure(args)
    from django.db import connection
    from django.test import override_settings
    from searchkit.engines import raw_database_search
    from searchkit.mesh import mixed_queries

    print(f"engine: {connection.vendor} ({connection.settings_dict['NAME']}), database backend")
    ensure_mesh(args.products)
    queries = mixed_queries(args.queries or QUERIES, sample_identifiers())
    if not args.modes:
        # The text index's rebuild (vectors are --modes'): embedding a fresh mesh's products would take hours.
        with override_settings(MESHPORT_SEARCH_SEMANTIC=False):
            if connection.vendor == "postgresql":
                print("-- in place, in one transaction, then VACUUM (the baseline: SHADOW_REBUILD off)")
                backend = {"BACKEND": "search.backends.database.DatabaseBackend", "SHADOW_REBUILD": False}
                with override_settings(SEARCH_BACKENDS={"default": backend}):
                    in_place = bench_rebuild(args.products)
                print("-- new tables filled beside the live ones and swapped in (the default)")
            shadow = bench_rebuild(args.products)
            if connection.vendor == "postgresql":
                print(f"rebuild beside and swapped ÷ in place: {shadow / in_place:.2f}x (target: <= 30 s)")
        if not args.rebuild_only:
            api_and_engine(queries, lambda p: raw_database_search(connection, p))
        return
    if args.no_rebuild:
        print("-- rebuilds not timed (--no-rebuild): the index and vectors an earlier run left")
    else:
        with override_settings(MESHPORT_SEARCH_SEMANTIC=False):
            print("-- search by meaning off (the baseline rebuild)")
            plain = bench_rebuild(args.products)
        if args.synthetic_vectors:
            synthetic_vectors()
        embedding_throughput()
    with override_settings(MESHPORT_SEARCH_SEMANTIC=True):
        if not args.no_rebuild:
            print("-- search by meaning on, every vector current (reused)")
            reused = bench_rebuild(args.products)
            print(f"rebuild with vectors reused ÷ without search by meaning: {reused / plain:.2f}x")
        api_by_mode(queries, args.modes.split(","), lambda p: raw_database_search(connection, p))


def embedding_throughput(sample: int = 32) -> float:
    """Products embedded a second (all their passages), on a sample of the mesh's real texts."""
    from search.documents import product_documents
    from search.semantic import store
    from search.semantic.embeddings import get_embedder

    docs = [d for _, d in zip(range(sample), product_documents(None), strict=False)]
    passages = [text for d in docs for text in store.semantic_chunks(d)]
    get_embedder().embed(passages[:2])  # the model loads
    seconds = timed(lambda: get_embedder().embed(passages))
    rate = len(docs) / seconds
    print(f"embedding: {len(docs)} products ({len(passages)} passages) in {seconds:.1f} s = {rate:.1f} products/s "
          f"({len(passages) / seconds:.1f} passages/s, {store.EMBED_BATCH} a batch, one engine thread)")
    return rate


def api_by_mode(queries: list[dict], modes: list[str], raw) -> None:
    """The API per mode, interleaved query by query (the load falls on every mode alike), and the engine."""
    from django.test import Client

    from search.semantic.embeddings import get_embedder

    client = Client()

    cpu: dict[str, list[float]] = {mode: [] for mode in modes}

    def call(params: dict, mode: str) -> float:
        if mode == "hybrid-cold":
            get_embedder()._query_vector.cache_clear()
        started, on_cpu = time.perf_counter(), time.process_time()
        response = client.get("/api/search/", {**params, "mode": mode.removesuffix("-cold")})
        elapsed = time.perf_counter() - started
        cpu[mode].append(time.process_time() - on_cpu)  # this process's, its worker threads' included
        assert response.status_code == 200, response.content[:300]
        return elapsed

    for params in queries:  # warm up: the matrix loads once per process, the caches fill alike
        raw(params)
        for mode in modes:
            call(params, mode)
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    for values in cpu.values():
        values.clear()
    engine = []
    for params in queries:
        engine.append(timed(lambda p=params: raw(p)))
        for mode in modes:
            times[mode].append(call(params, mode))
    print(f"engine ({len(queries)} queries, with facets): {ms(engine)}")
    base = times.get("lexical")
    for mode, values in times.items():
        ratio = f"  ÷ lexical p95 {percentile(values, 95) / percentile(base, 95):.2f}x" if base else ""
        print(f"API {mode:12} ({len(values)} queries): {ms(values)}{ratio}")
        cpu_ratio = f"  ÷ lexical p95 {percentile(cpu[mode], 95) / percentile(cpu['lexical'], 95):.2f}x" if base else ""
        print(f"    CPU {mode:8} (this process): {ms(cpu[mode])}{cpu_ratio}")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def synthetic_vectors() -> None:
    """Random unit vectors, as many per product as it has passages, stored as current (its text's hash)."""
    import numpy as np

    from search.documents import product_documents
    from search.models import SearchVector
    from search.semantic import store
    from search.semantic.embeddings import get_embedder

    embedder, rng = get_embedder(), np.random.default_rng(7)
    SearchVector.objects.all().delete()
    products = passages = 0
    pending: list = []
    for doc in product_documents(None):
        chunks = store.semantic_chunks(doc)
        vectors = rng.standard_normal((len(chunks), embedder.dimensions)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        pending.append(SearchVector(product_id=doc.id, model=embedder.key, text_hash=store.text_hash(store.CHUNK_SEP.join(chunks)),
                                    vector=vectors.tobytes()))
        products, passages = products + 1, passages + len(chunks)
        if len(pending) >= 5000:
            SearchVector.objects.bulk_create(pending)
            pending = []
    SearchVector.objects.bulk_create(pending)
    print(f"vectors: {passages} synthetic unit vectors of {embedder.dimensions} dimensions for {products} products "
          f"({passages / max(products, 1):.2f} passages a product)")


def sample_identifiers() -> list[str]:
    from catalog.models import DataProduct

    return list(DataProduct.objects.published().filter(visibility="public").values_list("identifier", flat=True)[:50])


def run_elasticsearch(args) -> None:
    server = None
    if not os.environ.get("ELASTICSEARCH_URL"):
        from tests.search.emulator import EmulatedElasticsearch

        server = EmulatedElasticsearch(Path(tempfile.mkdtemp(prefix="bench-noida-")))
        server.start()
        os.environ.update(ELASTICSEARCH_URL=server.url, ELASTICSEARCH_TIMEOUT="600")
    try:
        configure(args)
        from searchkit.engines import elasticsearch_body, raw_elasticsearch_search
        from searchkit.mesh import mixed_queries

        from search.backends import get_backend

        backend = get_backend()
        info = backend.client.info()
        kind = "noida-db emulator" if server else "Elasticsearch cluster"
        print(f"engine: {kind} at {backend.url}, version {info['version']['number']}")
        ensure_mesh(args.products)
        bench_rebuild(args.products)
        backend.refresh()
        queries = mixed_queries(args.queries or (EMULATOR_QUERIES if server else QUERIES), sample_identifiers())
        for params in queries:
            elasticsearch_body(params)
        api_and_engine(queries, lambda p: raw_elasticsearch_search(backend, p), warm=not server)
    finally:
        if server:
            server.stop()


if __name__ == "__main__":
    main()
