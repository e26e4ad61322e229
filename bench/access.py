"""Access grants and search: does holding grants slow the search API down?

    python bench/access.py [--products 100000] [--grants 10000] [--mine 1000] [--database-url postgres://…]

Two signed-in consumers with no domain run the same mixed queries against ``/api/search/``, query
by query, alternating who goes first: one holds no grant, the other holds ``--mine`` live grants on
restricted products (their columns and details open to it, ``catalog.visibility``), while the mesh
holds ``--grants`` live grants in all. The baseline is the grant-less consumer in the same run;
the ratio of the two p95s is the cost of grants. The grants are bulk-inserted rows (the fixture of a
benchmark, not a use case: ``governance.access.services`` writes them one decision at a time).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
QUERIES = 200
GRANTEES = 90  # the rest of the grants are spread over this many other people


def configure(args) -> None:
    os.environ.setdefault("SECRET_KEY", "meshport-bench-only-key-" + "x" * 40)
    os.environ.update(DJANGO_SETTINGS_MODULE="meshport.settings.base", SECURE_SSL_REDIRECT="false",
                      DEBUG="false", LOG_LEVEL="WARNING")
    os.environ.pop("ELASTICSEARCH_URL", None)
    db = args.database_url or f"sqlite:///{ROOT / 'var' / 'bench' / f'access-{args.products}.sqlite3'}"
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = db
    from searchkit.pgdb import ensure_database

    ensure_database(db)
    import django

    django.setup()


def ensure_index(n: int) -> None:
    from search.indexing import rebuild
    from search.models import SearchEntry

    if SearchEntry.objects.count() != n:
        started = time.perf_counter()
        rebuild()
        print(f"index: rebuilt {n} products in {time.perf_counter() - started:.1f} s")


def ensure_grants(total: int, mine: int) -> tuple:
    """Two consumers (``plain``, ``granted``) and ``total`` live grants, ``mine`` of them the granted one's."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from catalog.models import DataProduct
    from governance.access.models import AccessGrant, AccessRequest

    users = get_user_model()
    plain, _ = users.objects.get_or_create(username="bench-plain")
    granted, _ = users.objects.get_or_create(username="bench-granted")
    if AccessGrant.objects.filter(state="active").count() == total:
        print(f"grants: {total} already live")
        return plain, granted
    restricted = list(DataProduct.objects.filter(visibility="restricted").order_by("pk").values_list("pk", flat=True))
    assert len(restricted) >= mine, f"only {len(restricted)} restricted products for {mine} grants"
    others = [users.objects.get_or_create(username=f"bench-grantee-{i}")[0] for i in range(GRANTEES)]
    holders = [granted] * mine + [others[i % GRANTEES] for i in range(total - mine)]
    until = timezone.now() + dt.timedelta(days=365)
    with transaction.atomic():
        AccessGrant.objects.all().delete()
        AccessRequest.objects.all().delete()
        requests = AccessRequest.objects.bulk_create([
            AccessRequest(requester=user, product_id=restricted[i % len(restricted)], purpose="benchmark grant",
                          duration_days=365, state="approved") for i, user in enumerate(holders)], batch_size=2000)
        AccessGrant.objects.bulk_create([
            AccessGrant(request=r, product_id=r.product_id, grantee=r.requester, valid_until=until)
            for r in requests], batch_size=2000)
    print(f"grants: {total} live, {mine} held by the granted consumer (on as many restricted products)")
    return plain, granted


def _search_bench():
    """bench/search.py, whose mesh and helpers this bench shares (its name is the search app's)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_search", ROOT / "bench" / "search.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--grants", type=int, default=10_000)
    parser.add_argument("--mine", type=int, default=1_000)
    parser.add_argument("--queries", type=int, default=QUERIES)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    configure(args)
    from django.db import connection
    from django.test import Client
    from searchkit.mesh import mixed_queries

    search_bench = _search_bench()
    ensure_mesh, percentile, sample_identifiers = (
        search_bench.ensure_mesh, search_bench.percentile, search_bench.sample_identifiers)

    print(f"engine: {connection.vendor} ({connection.settings_dict['NAME']}), database backend")
    ensure_mesh(args.products)
    ensure_index(args.products)
    plain_user, granted_user = ensure_grants(args.grants, args.mine)
    plain, granted = Client(), Client()
    plain.force_login(plain_user)
    granted.force_login(granted_user)
    queries = mixed_queries(args.queries, sample_identifiers())
    times = {"plain": [], "granted": []}
    hits = {"plain": 0, "granted": 0}
    for k, params in enumerate(queries * 2):  # the first pass warms the caches the same way for both
        order = [("plain", plain), ("granted", granted)]
        for name, client in order if k % 2 == 0 else order[::-1]:
            started = time.perf_counter()
            response = client.get("/api/search/", params)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.content[:300]
            if k >= len(queries):
                times[name].append(elapsed)
                hits[name] += response.json()["count"]
    for name in ("plain", "granted"):
        values = times[name]
        print(f"{name:8} ({len(values)} queries): p50 {percentile(values, 50) * 1000:6.1f} ms  "
              f"p95 {percentile(values, 95) * 1000:6.1f} ms  hits {hits[name]:,}")
    print(f"ratio granted/plain: p50 {percentile(times['granted'], 50) / percentile(times['plain'], 50):.2f}x  "
          f"p95 {percentile(times['granted'], 95) / percentile(times['plain'], 95):.2f}x")


if __name__ == "__main__":
    main()
