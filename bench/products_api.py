"""Throughput of GET /api/products/: the stored description HTML against rendering it per request.

    python bench/products_api.py [--products 300] [--clients 8] [--requests 600] [--workers 2]

One run, one database, one gunicorn configuration, three servers, hit in interleaved rounds by
the same concurrent clients walking the same pages (anonymous, 20 products a page):

- ``baseline``: ``description_html`` rendered on every request the way the serializer did
  before (``markdown.markdown()``, which builds a new parser per call, then ``nh3.clean``);
- ``per-request, reused parser``: rendered on every request by today's ``render_markdown``
  (one parser per thread, reset between texts), to show what the parser reuse alone gives;
- ``stored``: the code as it is, reading ``DataProduct.description_html``.

The ratio is stored ÷ baseline requests per second (medians of the rounds). Requests go to
127.0.0.1 only, a fixed number per server; the servers are stopped before the bench exits.
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
MODES = {
    "baseline": "products_api:baseline_app()",
    "per-request, reused parser": "products_api:reused_parser_app()",
    "stored": "products_api:stored_app()",
}


def configure(database: Path) -> None:
    os.environ.setdefault("SECRET_KEY", "meshport-bench-only-key-" + "x" * 40)  # base refuses to run keyless
    os.environ.update(DJANGO_SETTINGS_MODULE="meshport.settings.base", DEBUG="false", LOG_LEVEL="WARNING",
                      SECURE_SSL_REDIRECT="false", ALLOWED_HOSTS="127.0.0.1",
                      DATABASE_URL=f"sqlite:///{database}", STATIC_ROOT=str(database.parent / "static"))
    (database.parent / "static").mkdir(exist_ok=True)  # WhiteNoise warns about a missing one
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("ELASTICSEARCH_URL", None)
    sys.path.insert(0, str(ROOT))


# --- the servers (gunicorn imports this module and calls one of these) ----------------------------


def stored_app():
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def baseline_app():
    """Today's app with the serializer of before: a fresh Markdown parser for every description."""
    import markdown
    import nh3

    from catalog import markdown as ours

    def render_as_before(text):
        if not text:
            return ""
        html = markdown.markdown(text, extensions=ours.EXTENSIONS, output_format="html")
        return nh3.clean(html, tags=ours.ALLOWED_TAGS, attributes=ours.ALLOWED_ATTRIBUTES,
                         link_rel="noopener noreferrer", url_schemes={"http", "https", "mailto"})

    return _per_request_app(render_as_before)


def reused_parser_app():
    from catalog.markdown import render_markdown

    return _per_request_app(lambda text: str(render_markdown(text)))


def _per_request_app(render):
    app = stored_app()
    from rest_framework import serializers

    from catalog.api.serializers import ProductSerializer

    ProductSerializer._declared_fields["description_html"] = serializers.SerializerMethodField()
    ProductSerializer.get_description_html = lambda self, product: render(product.description)
    return app


# --- the data --------------------------------------------------------------------------------------

WORDS = ("orders customers revenue daily ledger churn invoices shipments returns margin forecast "
         "inventory supplier campaign sessions refunds cohort region currency settlement").split()


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def description(rng: random.Random, i: int) -> str:
    """A product description as domain teams write them: headings, lists, a table, links, code."""
    rows = "\n".join(f"| `{rng.choice(WORDS)}_{k}` | {rng.choice(['string', 'decimal', 'date'])} | {_words(rng, 6)} |"
                     for k in range(rng.randint(3, 7)))
    bullets = "\n".join(f"- **{rng.choice(WORDS).title()}**: {_words(rng, rng.randint(6, 14))}" for _ in range(4))
    return (
        f"# Product {i}\n\n{_words(rng, 40).capitalize()}. See the [runbook](https://wiki.example.com/p/{i}) "
        f"and *{_words(rng, 3)}*.\n\n## What is in it\n\n{bullets}\n\n## Columns\n\n"
        f"| column | type | meaning |\n| --- | --- | --- |\n{rows}\n\n"
        f"## Example\n\n```sql\nSELECT {rng.choice(WORDS)}, count(*) FROM p{i} GROUP BY 1;\n```\n\n"
        f"> {_words(rng, 20).capitalize()}.\n\n1. {_words(rng, 8)}\n2. {_words(rng, 8)}\n"
    )


def ensure_catalogue(n: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from catalog.models import DataProduct, Domain, DomainMembership, ProductTeamMember, Tag

    call_command("migrate", verbosity=0)
    if DataProduct.objects.count() == n:
        print(f"catalogue: {n} products already generated")
        return
    from django.contrib.auth import get_user_model
    from django.db import transaction

    rng = random.Random(7)
    with transaction.atomic():
        DataProduct.objects.all().delete()
        domains = [Domain.objects.get_or_create(slug=s, defaults={"name": s.title()})[0]
                   for s in ("sales", "finance", "logistics", "marketing", "support")]
        users = [get_user_model().objects.get_or_create(username=f"owner{k}")[0] for k in range(len(domains))]
        for domain, user in zip(domains, users, strict=True):
            DomainMembership.objects.get_or_create(domain=domain, user=user, defaults={"role": "owner"})
        tags = [Tag.objects.get_or_create(name=w)[0] for w in WORDS[:10]]
        for i in range(n):  # through save(): each description is rendered and stored once, here
            product = DataProduct.objects.create(
                domain=domains[i % len(domains)], slug=f"p{i:04}", external_id=f"urn:bench:api:{i}",
                name=f"Product {i}", status="published", description=description(rng, i),
            )
            product.tags.set(rng.sample(tags, 3))
            ProductTeamMember.objects.create(product=product, username=f"owner{i % len(domains)}", role="owner")
    sizes = [len(d) for d in DataProduct.objects.values_list("description", flat=True)]
    print(f"catalogue: generated {n} products, descriptions {min(sizes)}-{max(sizes)} chars of Markdown")


# --- the load --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app: str, workers: int, port: int) -> subprocess.Popen:
    command = [str(Path(sys.executable).parent / "gunicorn"), app, "--workers", str(workers),
               "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "60"]
    # The project before bench/ on the path: bench/lineage.py must not hide the lineage app.
    server = subprocess.Popen(command, cwd=ROOT, env=os.environ | {"PYTHONPATH": f"{ROOT}:{HERE}"})  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if get(port, "/api/products/") == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"gunicorn ({app}) did not answer within 60 s")


def get(port: int, path: str, conn: http.client.HTTPConnection | None = None) -> int:
    connection = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    if conn is None:
        connection.close()
    return response.status


def load(port: int, clients: int, requests: int, pages: int) -> float:
    """Requests per second of ``clients`` threads sending ``requests`` GETs in all, on kept-alive connections."""
    per_client, errors = requests // clients, []

    def client(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for r in range(per_client):
            status = get(port, f"/api/products/?page={(k + r * clients) % pages + 1}", conn)
            if status != 200:
                errors.append(status)
        conn.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} requests failed: {sorted(set(errors))}")
    return per_client * clients / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=600, help="per server, after 40 warm-up requests")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (one per core here)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per server; the median counts")
    args = parser.parse_args()
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    configure(ROOT / "var" / "bench" / f"products-api-{args.products}.sqlite3")
    ensure_catalogue(args.products)
    pages = -(-args.products // 20)
    print(f"GET /api/products/?page=1..{pages} (20 a page), {args.clients} clients, {args.requests} requests "
          f"per server, gunicorn --workers {args.workers}, SQLite")
    servers, ports, rounds = {}, {}, {mode: [] for mode in MODES}
    try:
        for mode, app in MODES.items():  # all up at once; only the one under load uses the CPU
            ports[mode] = free_port()
            servers[mode] = serve(app, args.workers, ports[mode])
            load(ports[mode], args.clients, 40, pages)  # warm: imports, parsers, the database's pages
        for _ in range(args.rounds):  # interleaved, so a change in the machine's load hits every mode
            for mode in MODES:
                rounds[mode].append(load(ports[mode], args.clients, args.requests // args.rounds, pages))
    finally:
        for server in servers.values():
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    rates = {mode: statistics.median(values) for mode, values in rounds.items()}
    for mode, rate in rates.items():
        print(f"{mode:28} {rate:7.1f} req/s  (median of {args.rounds} rounds: "
              f"{', '.join(f'{v:.1f}' for v in rounds[mode])})")
    base = rates["baseline"]
    print(f"ratio stored / baseline: {rates['stored'] / base:.2f}x   "
          f"(per-request with the reused parser / baseline: {rates['per-request, reused parser'] / base:.2f}x)")


if __name__ == "__main__":
    main()
