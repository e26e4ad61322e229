"""Relevance on the demo mesh: the judged sets' success@1, success@3 and MRR, per backend and mode.

    python bench/search_relevance.py                       # database backend (SQLite), then Elasticsearch
    python bench/search_relevance.py --engine database --database-url postgres://…/meshport_bench
    python bench/search_relevance.py --engine elasticsearch   # noida-db emulator unless ELASTICSEARCH_URL

Two judged sets: ``judged_queries.yaml`` (names, identifiers, columns, typos) and
``judged_semantic.yaml`` (questions sharing no content word with the target), each measured in the
three search modes (lexical, semantic, hybrid) side by side; ``--sets``/``--modes`` narrow it.

The baseline, in the same run, is the engine's plain ranking of the same words (FTS5 bm25 on
SQLite, ts_rank on PostgreSQL, a plain ``multi_match`` on Elasticsearch) over the same index.
The report names the engine it ran on (the noida-db emulator unless ELASTICSEARCH_URL is set).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
# The project root first: this file is named like the search app, whose package must win.
sys.path.insert(0, str(ROOT))
JUDGED = Path(__file__).with_name("judged_queries.yaml")
JUDGED_SEMANTIC = Path(__file__).with_name("judged_semantic.yaml")
SETS = {"queries": JUDGED, "semantic": JUDGED_SEMANTIC}
MODES = ("lexical", "semantic", "hybrid")
DEPTH = 10


def configure(args, workdir: Path) -> None:
    os.environ.setdefault("SECRET_KEY", "meshport-bench-only-key-" + "x" * 40)  # base refuses to run keyless
    os.environ.update(DJANGO_SETTINGS_MODULE="meshport.settings.base", DEBUG="false", LOG_LEVEL="WARNING",
                      MESHPORT_DATA_ROOTS=str(workdir), MESHPORT_DEMO_DATA_DIR=str(workdir / "demo"),
                      MESHPORT_SEARCH_INDEX="bench-relevance")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir / 'relevance.sqlite3'}"
    from searchkit.pgdb import ensure_database

    ensure_database(os.environ["DATABASE_URL"], fresh=True)  # the demo loads into an empty database
    import django

    django.setup()


def load_demo() -> None:
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    call_command("load_demo", "--quick", stdout=open(os.devnull, "w"))  # noqa: SIM115
    from search.indexing import rebuild

    rebuild()


def rank_of(expected: str, found: list[str]) -> int | None:
    return found.index(expected) + 1 if expected in found else None


def score(ranks: list[int | None]) -> tuple[float, float]:
    mrr = sum(1 / r for r in ranks if r) / len(ranks)
    return sum(1 for r in ranks if r == 1) / len(ranks), mrr


def success_at(ranks: list[int | None], n: int) -> float:
    return sum(1 for r in ranks if r and r <= n) / len(ranks)


def run(args) -> None:
    import time

    from catalog.visibility import Viewer
    from search.backends import get_backend
    from search.selectors import search_products
    from search.types import SearchRequest

    backend = get_backend()
    backend.refresh()
    viewer = Viewer(authenticated=True)
    for name in args.sets.split(","):
        judged = yaml.safe_load(SETS[name].read_text())["queries"]
        print(f"-- {SETS[name].name}: {len(judged)} queries")
        kinds = [case.get("kind", "question") for case in judged]
        for mode in args.modes.split(","):
            ranks, started = [], time.perf_counter()
            for case in judged:
                page = search_products(SearchRequest(text=case["q"], viewer=viewer, page_size=DEPTH, facets=False,
                                                     mode=mode))
                found = [h.identifier for h in page.hits]
                ranks.append(rank_of(case["first"], found))
                if ranks[-1] != 1 and mode == "hybrid":
                    print(f"  miss: {case['q']!r:44} expected {case['first']} at rank {ranks[-1]}; first: {found[:2]}")
            per_query = (time.perf_counter() - started) / len(judged) * 1000
            report(f"{mode} ({per_query:.0f} ms/query)", ranks, kinds)
        if name == "queries":
            report("engine's plain ranking (baseline)", [rank_of(c["first"], plain_ranking(backend, c["q"]))
                                                         for c in judged], kinds)


def report(label: str, ranks: list, kinds: list[str]) -> None:
    s1, mrr = score(ranks)
    print(f"{label:36} queries {len(ranks)}  success@1 {s1:.3f}  success@3 {success_at(ranks, 3):.3f}  MRR {mrr:.3f}")
    by_kind: dict[str, list] = {}
    for rank, kind in zip(ranks, kinds, strict=True):
        by_kind.setdefault(kind, []).append(rank)
    print("    " + "  ".join(f"{k} {score(v)[0]:.2f}/{score(v)[1]:.2f}" for k, v in sorted(by_kind.items()))
          + "  (success@1/MRR by kind)")


def plain_ranking(backend, text: str) -> list[str]:
    """The engine's own ranking of the words, without our query building (the baseline)."""
    import re

    from django.db import connection

    words = re.findall(r"[^\W_]+", text.lower())
    if backend.name == "elasticsearch":
        body = {"query": {"multi_match": {"query": " ".join(words), "fields": ["name", "description", "tags.text",
                                                                              "identifier.text"]}}, "size": DEPTH}
        return [h["_source"]["identifier"] for h in backend.client.search(index=backend.alias, body=body)["hits"]["hits"]]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            match = " OR ".join(f'"{w}"' for w in words)
            cursor.execute("SELECT e.identifier FROM catalog_search_fts f JOIN catalog_searchentry e ON e.product_id = f.rowid "
                           "WHERE catalog_search_fts MATCH %s AND e.status NOT IN ('draft', 'retired') "
                           "ORDER BY bm25(catalog_search_fts) LIMIT %s", [match, DEPTH])
        else:
            cursor.execute("SELECT identifier FROM catalog_searchentry, plainto_tsquery('english', %s) q "
                           "WHERE search_vector @@ q AND status NOT IN ('draft', 'retired') "
                           "ORDER BY ts_rank(search_vector, q) DESC LIMIT %s", [" ".join(words), DEPTH])
        return [row[0] for row in cursor.fetchall()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["database", "elasticsearch"])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--sets", default="queries,semantic", help="Judged sets: queries, semantic.")
    parser.add_argument("--modes", default=",".join(MODES), help="Search modes, comma-separated.")
    parser.add_argument("--workdir", type=Path, help="Keep the demo database and data here (default: a temp dir).")
    args = parser.parse_args()
    if args.engine is None:
        for engine in ("database", "elasticsearch"):
            subprocess.run([sys.executable, __file__, "--engine", engine, "--sets", args.sets, "--modes", args.modes],
                           check=True)
        return
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="meshport-relevance-"))
    workdir.mkdir(parents=True, exist_ok=True)
    server = None
    if args.engine == "elasticsearch" and not os.environ.get("ELASTICSEARCH_URL"):
        from tests.search.emulator import EmulatedElasticsearch

        server = EmulatedElasticsearch(workdir / "noida")
        server.start()
        os.environ["ELASTICSEARCH_URL"] = server.url
    if args.engine == "database":
        os.environ.pop("ELASTICSEARCH_URL", None)
    try:
        configure(args, workdir)
        from django.db import connection

        where = f"{connection.vendor}" + (f" + {'noida-db emulator' if server else 'Elasticsearch'}"
                                          if args.engine == "elasticsearch" else "")
        print(f"== relevance: {args.engine} backend ({where}), judged set {JUDGED.name}")
        load_demo()
        run(args)
    finally:
        if server:
            server.stop()


if __name__ == "__main__":
    main()
