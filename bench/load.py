"""Load and faults: Meshport at scale (gunicorn, PostgreSQL, Redis workers, the Elasticsearch emulator).

    python bench/load.py                       # 60 s ramp at rising concurrency, then the fault table
    python bench/load.py --seconds 30 --levels 1,4,16 --no-faults
    python bench/load.py --products 200 --fault-concurrency 4

Everything runs on loopback on this machine, each service private to the run (never the machine's
shared PostgreSQL or Redis): a PostgreSQL cluster made by ``initdb`` in a scratch folder, its own
``redis-server``, ``noida-db`` (the Elasticsearch-protocol emulator the search tests use), gunicorn
with 4 sync workers, two Celery workers (one task at a time each) and beat. A second process (this
file with ``--drive``: asyncio, one HTTP/1.1 connection per request as gunicorn's sync workers
close them) sends the mixed traffic: search (API and page), product pages, API reads (product list
and detail, domains), descriptor publishes (a new product each) and OpenLineage events (one per
request, a run id each).

1. **Ramp**: ``--seconds`` split over the concurrency ``--levels``; per level throughput,
   p50/p95/p99 of reads and of writes, and errors. The baseline, measured in the same run, is
   the level of concurrency 1: each level's read p95 is printed as a ratio of it. The answer is
   the highest level whose read p95 is at most 300 ms with no error.
2. **Faults** at ``--fault-concurrency``, one after another with traffic running: SIGKILL a Celery
   worker (a new one starts 10 s later), restart Redis (no persistence: queued tasks are lost),
   stop the emulator for 20 s, restart PostgreSQL (``pg_ctl restart -m immediate``: a crash and
   recovery). A 503 is allowed only for a request made while a service it needs was down (plus
   2 s after it answered again); any 500, any other 5xx or dropped connection is a failure.
3. **No write lost**: after the traffic stops and the task queue is empty, reconciliation runs
   (``search.indexing.reconcile``, what beat runs every minute); every publish answered 2xx must
   be in the database and in the index with its current content, every event answered 2xx in the
   database.

Figures go to stdout (and ``--json``); the scratch folder is removed unless ``--keep``.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project (and tests.search.emulator, which starts noida-db), not bench/
READS = ("search_api", "search_page", "product_page", "api_list", "api_detail", "api_domains")
WRITES = ("publish", "event")
# Weights of the mix: what a portal serves most is reads; pipelines post lineage steadily.
MIX = {"search_api": 12, "search_page": 8, "product_page": 22, "api_list": 12, "api_detail": 18,
       "api_domains": 5, "publish": 8, "event": 15, "floor": 4}
# The same-run baseline: a static file through the same gunicorn workers (WhiteNoise, no database, no
# template): what a request costs on this machine at this concurrency before Meshport does anything.
FLOOR = "/static/css/meshport.css"
WORDS = ("orders", "customer", "revenue", "payments", "shipping", "inventory", "marketing", "churn", "events", "daily")
P95_TARGET = 0.300
GRACE = 2.0  # seconds after a service answers again during which its 503s still count as "down"
TASK_QUEUE = "load"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, what: str, timeout: float = 60.0) -> float:
    """Poll ``check`` until it is true; returns when it was (time.time())."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return time.time()
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


# --------------------------------------------------------------------------------------------- services

class Postgres:
    """A private cluster: initdb into the scratch folder, run as the ``postgres`` system user when root."""

    def __init__(self, folder: Path):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not bins:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
        self.bin, self.data, self.port = Path(bins[-1]), folder / "pg", free_port()
        self.log = folder / "pg.log"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True)  # noqa: S603

    def init(self) -> None:
        self.data.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
            self.log.touch()
            shutil.chown(self.log, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c max_connections=200 "
                   "-c shared_buffers=128MB")
        (self.data / "bench.opts").write_text(options)
        self.start()

    def start(self) -> None:
        options = (self.data / "bench.opts").read_text()
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/meshport_load"

    def ready(self) -> bool:
        return self._run("pg_isready", "-h", "127.0.0.1", "-p", str(self.port), check=False).returncode == 0


class Redis:
    def __init__(self, folder: Path):
        self.port, self.folder, self.process = free_port(), folder, None

    def start(self) -> None:
        # No persistence: a restart loses every queued task, the worst a broker can do to us.
        self.process = subprocess.Popen(  # noqa: S603
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_for(lambda: port_open(self.port), "redis-server", 20)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


class Group:
    """A command in its own process group (gunicorn, a Celery worker, beat): killed as a whole."""

    def __init__(self, name: str, command: list[str], env: dict, log: Path):
        self.name, self.command, self.env, self.log, self.process = name, command, env, log, None

    def start(self) -> None:
        with self.log.open("a") as out:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=out,  # noqa: S603
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def signal(self, sig: int) -> None:
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)

    def stop(self) -> None:
        self.signal(signal.SIGTERM)
        if self.process:
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.process.wait(10)


# ------------------------------------------------------------------------------------------------ driver

def event_body(run_id: str, rng: random.Random) -> dict:
    source, target = rng.sample(range(200), 2)
    return {
        "eventType": "COMPLETE", "eventTime": "2026-12-03T06:00:00Z", "producer": "https://example.org/load-bench",
        "run": {"runId": run_id}, "job": {"namespace": "load", "name": f"job{rng.randrange(50)}"},
        "inputs": [{"namespace": "file", "name": f"/data/load/t{source}.parquet"}],
        "outputs": [{"namespace": "file", "name": f"/data/load/t{target}.parquet"}],
    }


def descriptor_body(identifier: str, marker: str) -> dict:
    domain, slug = identifier.split(".", 1)
    return {"apiVersion": "v1.0.0", "kind": "DataProduct", "id": f"urn:load:{identifier}",
            "name": slug.replace("_", " ").capitalize(), "status": "active", "domain": domain,
            "description": {"purpose": f"Published under load ({marker}): daily orders and shipping figures."},
            "tags": ["load"], "outputPorts": [{"name": "main", "version": "1.0.0"}]}


class Driver:
    """Closed-loop clients: each sends a request, waits for the answer, sends the next."""

    def __init__(self, plan: dict):
        self.port, self.plan = plan["port"], plan
        self.products, self.domains = plan["products"], plan["domains"]
        self.rng = random.Random(plan.get("seed", 7))
        kinds, weights = zip(*MIX.items(), strict=True)
        self.kinds, self.weights = kinds, weights
        self.records: list[list] = []
        self.prefix = plan["prefix"]
        self.serial = 0

    def build(self, kind: str) -> tuple[str, str, dict, bytes, str]:
        """(method, path, headers, body, written key) of one request of this kind."""
        rng, token = self.rng, {"Authorization": f"Token {self.plan['token']}"}
        word = rng.choice(WORDS)
        if kind == "search_api":
            return "GET", f"/api/search/?q={word}", {}, b"", ""
        if kind == "search_page":
            return "GET", f"/search/?q={word}", {}, b"", ""
        if kind == "product_page":
            return "GET", f"/products/{rng.choice(self.products)}/", {}, b"", ""
        if kind == "api_list":
            return "GET", f"/api/products/?domain={rng.choice(self.domains)}", token, b"", ""
        if kind == "api_detail":
            return "GET", f"/api/products/{rng.choice(self.products)}/", token, b"", ""
        if kind == "api_domains":
            return "GET", "/api/domains/", token, b"", ""
        if kind == "floor":
            return "GET", FLOOR, {}, b"", ""
        self.serial += 1
        if kind == "publish":
            identifier = f"{rng.choice(self.domains)}.load_{self.prefix}_{self.serial}"
            body = json.dumps(descriptor_body(identifier, f"{self.prefix}-{self.serial}")).encode()
            return "POST", "/api/products/", token | {"Content-Type": "application/json"}, body, identifier
        run_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        body = json.dumps(event_body(run_id, rng)).encode()
        return "POST", "/api/v1/lineage", token | {"Content-Type": "application/json"}, body, run_id

    async def send(self, method: str, path: str, headers: dict, body: bytes) -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "Connection: close",
                    "User-Agent: meshport-load", f"Content-Length: {len(body)}"]
            head += [f"{k}: {v}" for k, v in headers.items()]
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
            await writer.drain()
            status_line = await reader.readline()
            if not status_line:
                return -1  # closed without an answer
            status = int(status_line.split()[1])
            while await reader.read(65536):
                pass
            return status
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def client(self, phase: str, until: float) -> None:
        stop = Path(self.plan["stop"])
        while time.time() < until and not stop.exists():
            kind = self.rng.choices(self.kinds, self.weights)[0]
            method, path, headers, body, key = self.build(kind)
            started = time.time()
            t0 = time.perf_counter()
            try:
                status = await asyncio.wait_for(self.send(method, path, headers, body), timeout=60)
            except (TimeoutError, OSError, ValueError, IndexError):
                status = -1
            self.records.append([phase, kind, started, time.perf_counter() - t0, status, key])
            if status == -1:
                await asyncio.sleep(0.05)  # refused: do not spin while the server is away

    async def run(self) -> None:
        for phase in self.plan["phases"]:
            until = time.time() + phase["seconds"]
            await asyncio.gather(*(self.client(phase["name"], until) for _ in range(phase["concurrency"])))


def drive(plan_file: str) -> None:
    plan = json.loads(Path(plan_file).read_text())
    driver = Driver(plan)
    asyncio.run(driver.run())
    Path(plan["out"]).write_text(json.dumps(driver.records))


def start_driver(plan: dict, folder: Path, name: str) -> tuple[subprocess.Popen, Path]:
    plan = dict(plan, out=str(folder / f"{name}.records.json"), stop=str(folder / f"{name}.stop"))
    plan_file = folder / f"{name}.plan.json"
    plan_file.write_text(json.dumps(plan))
    process = subprocess.Popen([sys.executable, __file__, "--drive", str(plan_file)], cwd=ROOT)  # noqa: S603
    return process, Path(plan["out"])


# --------------------------------------------------------------------------------------------- figures

def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def summary(records: list[list], seconds: float) -> dict:
    reads = [r[3] for r in records if r[1] in READS and 200 <= r[4] < 400]
    writes = [r[3] for r in records if r[1] in WRITES and 200 <= r[4] < 400]
    errors = [r for r in records if not 200 <= r[4] < 400]
    floor = [r[3] for r in records if r[1] == "floor" and 200 <= r[4] < 400]
    per_kind = {}
    for kind in MIX:
        ok = [r[3] for r in records if r[1] == kind and 200 <= r[4] < 400]
        per_kind[kind] = {"n": len(ok), "p95_ms": round(pct(ok, 95) * 1000, 1) if ok else None}
    statuses: dict[str, int] = {}
    for r in errors:
        statuses[str(r[4])] = statuses.get(str(r[4]), 0) + 1
    return {
        "requests": len(records), "rps": round(len(records) / seconds, 1),
        "reads": {q: round(pct(reads, q) * 1000, 1) for q in (50, 95, 99)},
        "writes": {q: round(pct(writes, q) * 1000, 1) for q in (50, 95, 99)},
        "floor_p95": round(pct(floor, 95) * 1000, 1),
        "errors": len(errors), "error_statuses": statuses, "per_kind": per_kind,
    }


# ------------------------------------------------------------------------------------------------ the run

class Bench:
    def __init__(self, args):
        self.args = args
        self.folder = Path(tempfile.mkdtemp(prefix="load-", dir=args.scratch))
        os.chmod(self.folder, 0o755)  # noqa: S103 - the postgres user must reach its data folder
        self.pg, self.redis = Postgres(self.folder), Redis(self.folder)
        from tests.search.emulator import EmulatedElasticsearch

        self.es = EmulatedElasticsearch(self.folder / "noida")
        self.web_port = free_port()
        self.groups: dict[str, Group] = {}
        self.env: dict = {}

    # --- set-up
    def start_services(self) -> None:
        self.pg.init()
        self.redis.start()
        self.es.start()
        self.env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "meshport.settings.base", "DEBUG": "false", "SECURE_SSL_REDIRECT": "false",
            "SECRET_KEY": "meshport-load-bench-only-" + "x" * 40, "DATABASE_URL": self.pg.url,
            "REDIS_URL": self.redis.url, "ELASTICSEARCH_URL": self.es.url, "ELASTICSEARCH_REPLICAS": "0",
            "MESHPORT_SEARCH_INDEX": "load-products", "MESHPORT_SEARCH_SEMANTIC": "false",
            "MESHPORT_VAR_DIR": str(self.folder / "var"), "MESHPORT_DATA_ROOTS": str(self.folder / "data"),
            "CELERY_TASK_DEFAULT_QUEUE": TASK_QUEUE, "LOG_LEVEL": "WARNING", "SEARCH_RECONCILE_SECONDS": "60",
            "MESHPORT_OPENLINEAGE_RATE": "1000000/min", "PYTHONPATH": str(ROOT),
            "CONN_MAX_AGE": str(self.args.conn_max_age),
        }
        (self.folder / "data").mkdir()
        subprocess.run([str(self.pg.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.pg.port), "-U", "postgres",
                        "meshport_load"], check=True)  # noqa: S603

    def django(self) -> None:
        os.environ.update(self.env)
        sys.path.insert(0, str(ROOT))
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)

    def seed(self) -> dict:
        from django.contrib.auth.models import User
        from rest_framework.authtoken.models import Token

        from catalog.descriptors.services import descriptors_import
        from catalog.models import DataProduct
        from meshport.celery import app
        from search.indexing import rebuild

        steward = User.objects.create_superuser("load-steward", "steward@example.org", "x" * 20)
        token = Token.objects.create(user=steward).key
        domains = [f"area{i}" for i in range(8)]
        docs = [descriptor_body(f"{domains[i % len(domains)]}.seed_{i}", f"seed-{i}") for i in range(self.args.products)]
        started = time.perf_counter()
        for i in range(0, len(docs), 50):
            descriptors_import(documents=docs[i:i + 50], source="load-bench")
        app.control.purge()  # the seed's own follow-up tasks: not what the load should measure
        rebuild()
        products = list(DataProduct.objects.values_list("identifier", flat=True))
        print(f"seeded {len(products)} products in {time.perf_counter() - started:.1f} s, indexed")
        return {"token": token, "products": products, "domains": domains}

    def start_app(self) -> None:
        python = sys.executable
        logs = self.folder
        self.groups["web"] = Group("web", [python, "-m", "gunicorn", "meshport.wsgi", "-w", "4", "-b",
                                           f"127.0.0.1:{self.web_port}", "--timeout", "60", "--graceful-timeout", "5",
                                           "--access-logfile", "-", "--error-logfile", "-"],
                                   self.env, logs / "gunicorn.log")
        for name in ("worker1", "worker2"):
            self.groups[name] = self.worker(name)
        self.groups["beat"] = Group("beat", [python, "-m", "celery", "-A", "meshport", "beat", "-s",
                                             str(logs / "beat-schedule"), "--loglevel", "WARNING"], self.env,
                                    logs / "beat.log")
        for group in self.groups.values():
            group.start()
        wait_for(lambda: port_open(self.web_port), "gunicorn", 60)

    def worker(self, name: str) -> Group:
        return Group(name, [sys.executable, "-m", "celery", "-A", "meshport", "worker", "-Q", TASK_QUEUE, "-c", "1",
                            "-n", f"{name}-{uuid.uuid4().hex[:6]}@%h", "--without-gossip", "--without-mingle",
                            "--loglevel", "WARNING"], self.env, self.folder / f"{name}.log")

    def stop_all(self) -> None:
        for group in self.groups.values():
            group.stop()
        self.es.stop()
        self.redis.stop()
        self.pg.stop()

    # --- phases
    def ramp(self, seed: dict) -> list[dict]:
        levels = [int(x) for x in self.args.levels.split(",")]
        each = self.args.seconds / len(levels)
        plan = {"port": self.web_port, "token": seed["token"], "products": seed["products"], "domains": seed["domains"],
                "prefix": "ramp", "phases": [{"name": f"c{c}", "concurrency": c, "seconds": each} for c in levels]}
        warm = dict(plan, prefix="warm", phases=[{"name": "warm", "concurrency": 4, "seconds": 10}])
        process, out = start_driver(warm, self.folder, "warm")  # every gunicorn worker loads its code and caches
        process.wait()
        self.accepted += [r for r in json.loads(out.read_text()) if r[1] in WRITES and 200 <= r[4] < 300]
        print(f"\nramp: {self.args.seconds:.0f} s over concurrency {levels} ({each:.0f} s each), mix {MIX}")
        process, out = start_driver(plan, self.folder, "ramp")
        loads = []
        while process.poll() is None:
            loads.append(os.getloadavg()[0])
            time.sleep(1)
        records = json.loads(out.read_text())
        self.accepted += [r for r in records if r[1] in WRITES and 200 <= r[4] < 300]
        rows = []
        for c in levels:
            got = summary([r for r in records if r[0] == f"c{c}"], each)
            got["concurrency"] = c
            rows.append(got)
        base = rows[0]["reads"][95]
        print(f"{'conc':>4} {'req/s':>7} {'read p50':>9} {'p95':>7} {'p99':>7} {'×c1':>5} {'write p50':>9} "
              f"{'p95':>7} {'p99':>7} {'floor p95':>9} {'read/floor':>10} {'errors':>6}")
        for row in rows:
            ratio = row["reads"][95] / base if base else float("nan")
            over_floor = row["reads"][95] / row["floor_p95"] if row["floor_p95"] else float("nan")
            print(f"{row['concurrency']:>4} {row['rps']:>7.1f} {row['reads'][50]:>9.0f} {row['reads'][95]:>7.0f} "
                  f"{row['reads'][99]:>7.0f} {ratio:>5.2f} {row['writes'][50]:>9.0f} {row['writes'][95]:>7.0f} "
                  f"{row['writes'][99]:>7.0f} {row['floor_p95']:>9.0f} {over_floor:>10.1f} {row['errors']:>6} "
                  f"{row['error_statuses'] or ''}")
        print("read p95 per kind (ms):")
        for row in rows:
            print(f"  c{row['concurrency']}: " + ", ".join(
                f"{k} {v['p95_ms']}" for k, v in row["per_kind"].items()))
        good = [r["concurrency"] for r in rows if r["reads"][95] <= P95_TARGET * 1000 and r["errors"] == 0]
        self.ramp_load = (round(min(loads), 1), round(max(loads), 1))
        print(f"highest concurrency with read p95 <= {P95_TARGET * 1000:.0f} ms and no error: "
              f"{max(good) if good else 'none'}; load average during the ramp {min(loads):.1f}-{max(loads):.1f}")
        return rows

    def faults(self, seed: dict) -> list[dict]:
        c = self.args.fault_concurrency
        plan = {"port": self.web_port, "token": seed["token"], "products": seed["products"], "domains": seed["domains"],
                "prefix": "fault", "seed": 11, "phases": [{"name": "faults", "concurrency": c, "seconds": 10_000}]}
        print(f"\nfaults at concurrency {c}")
        process, out = start_driver(plan, self.folder, "faults")
        timeline: list[dict] = []
        try:
            time.sleep(8)
            timeline.append(self.fault_worker())
            time.sleep(8)
            timeline.append(self.fault_redis())
            time.sleep(8)
            timeline.append(self.fault_es())
            time.sleep(8)
            timeline.append(self.fault_postgres())
            time.sleep(8)
        finally:
            (self.folder / "faults.stop").touch()
        process.wait(120)
        records = json.loads(out.read_text()) if out.exists() else []
        return self.fault_table(records, timeline)

    def fault_worker(self) -> dict:
        start = time.time()
        self.groups["worker1"].signal(signal.SIGKILL)
        self.groups["worker1"].process.wait(10)
        time.sleep(10)
        self.groups["worker1"] = self.worker("worker1")
        self.groups["worker1"].start()
        return {"fault": "Celery worker killed (SIGKILL), a new one 10 s later", "start": start, "down": None,
                "end": time.time(), "needs": ()}

    def fault_redis(self) -> dict:
        start = time.time()
        self.redis.stop()
        time.sleep(5)
        self.redis.start()
        up = wait_for(lambda: port_open(self.redis.port), "redis")
        # No request needs Redis to be answered: tasks not queued are left to their sweepers.
        return {"fault": "Redis restarted (5 s down, queue lost)", "start": start, "down": (start, up + GRACE),
                "end": time.time(), "needs": ()}

    def fault_es(self) -> dict:
        start = time.time()
        self.es.stop()
        time.sleep(20)
        self.es.start()
        up = time.time()
        return {"fault": "Elasticsearch emulator stopped for 20 s", "start": start, "down": (start, up + GRACE),
                "end": time.time(), "needs": ("search_api", "search_page")}

    def fault_postgres(self) -> dict:
        start = time.time()
        self.pg.stop("immediate")
        time.sleep(3)
        self.pg.start()
        up = wait_for(self.pg.ready, "postgres")
        return {"fault": "PostgreSQL restarted (immediate stop: crash and recovery)", "start": start,
                "down": (start, up + GRACE), "end": time.time(), "needs": tuple(MIX)}

    def fault_table(self, records: list[list], timeline: list[dict]) -> list[dict]:
        self.accepted += [r for r in records if r[1] in WRITES and 200 <= r[4] < 300]
        rows = []
        windows = [(f["start"], f["end"] + 3) for f in timeline]

        def within(r, lo, hi) -> bool:  # the request was in flight at some time of the window
            return r[2] < hi and r[2] + r[3] >= lo

        for fault, (lo, hi) in zip(timeline, windows, strict=True):
            inside = [r for r in records if within(r, lo, hi)]
            down = fault["down"]
            bad, allowed = [], []
            for r in inside:
                if 200 <= r[4] < 500:
                    continue
                if r[4] == 503 and down and down[0] <= r[2] + r[3] and r[2] <= down[1] and r[1] in fault["needs"]:
                    allowed.append(r)
                else:
                    bad.append(r)
            statuses: dict[str, int] = {}
            for r in bad:
                statuses[f"{r[1]}:{r[4]}"] = statuses.get(f"{r[1]}:{r[4]}", 0) + 1
            allowed_by: dict[str, int] = {}
            for r in allowed:
                allowed_by[r[1]] = allowed_by.get(r[1], 0) + 1
            rows.append({"fault": fault["fault"], "requests": len(inside), "503_while_down": allowed_by,
                         "failed_otherwise": statuses, "seconds": round(hi - lo, 1)})
        between = [r for r in records if not any(within(r, lo, hi) for lo, hi in windows)]
        failed: dict[str, int] = {}
        for r in between:
            if not 200 <= r[4] < 500:
                failed[f"{r[1]}:{r[4]}"] = failed.get(f"{r[1]}:{r[4]}", 0) + 1
        rows.append({"fault": "(between faults)", "requests": len(between), "503_while_down": {},
                     "failed_otherwise": failed, "seconds": None})
        begin = records[0][2] if records else 0
        self.unexpected = [[round(r[2] - begin, 2), r[1], r[4], round(r[3], 3)] for r in records
                           if not 200 <= r[4] < 500 and not any(
                               f["down"] and f["down"][0] <= r[2] + r[3] and r[2] <= f["down"][1] and r[4] == 503
                               and r[1] in f["needs"] for f in timeline)]
        marks = ", ".join(f"{f['fault'].split(' (')[0]} at {f['start'] - begin:.1f}-{f['end'] - begin:.1f} s"
                          for f in timeline)
        print(f"timeline: {marks}")
        print(f"{'fault':<60} {'requests':>8}  503 while down / other failures")
        for row in rows:
            print(f"{row['fault']:<60} {row['requests']:>8}  {row['503_while_down'] or 0} / {row['failed_otherwise'] or 0}")
        return rows

    def verify(self) -> dict:
        """Every accepted write in the database, publishes in the index after reconciliation."""
        import redis
        from django.db import close_old_connections, connections

        close_old_connections()
        for conn in connections.all():
            conn.close()
        queue = redis.Redis.from_url(self.redis.url)
        started = time.monotonic()
        quiet = 0
        while time.monotonic() - started < 120 and quiet < 3:
            quiet = quiet + 1 if queue.llen(TASK_QUEUE) == 0 else 0
            time.sleep(1)
        drained = time.monotonic() - started
        from catalog.models import DataProduct
        from lineage.models import LineageEvent
        from search.backends import get_backend
        from search.documents import product_documents
        from search.indexing import reconcile

        dirty_before = DataProduct.objects.filter(search_dirty=True).count()
        fixed = reconcile()  # what beat runs every minute: the dirty products and the tombstones
        backend = get_backend()
        published = {r[5] for r in self.accepted if r[1] == "publish"}
        events = {r[5] for r in self.accepted if r[1] == "event"}
        in_db = dict(DataProduct.objects.filter(identifier__in=published).values_list("identifier", "pk"))
        found_events, pending = set(), 0
        ids = list(events)
        for i in range(0, len(ids), 500):
            rows = LineageEvent.objects.filter(payload__run__runId__in=ids[i:i + 500])
            found_events |= set(rows.values_list("payload__run__runId", flat=True))
            pending += rows.filter(graph=LineageEvent.Graph.PENDING).count()
        swept = 0
        if pending:  # what beat's sweep does every 30 s: apply the events whose task was lost
            from lineage.services.ingestion import lineage_events_apply

            while (done := lineage_events_apply()) not in (0, None):
                swept += done
        still_pending = sum(LineageEvent.objects.filter(payload__run__runId__in=ids[i:i + 500],
                                                        graph=LineageEvent.Graph.PENDING).count()
                            for i in range(0, len(ids), 500))
        current = {d.id: d.content_hash for d in product_documents(list(in_db.values()))}
        by_pk = {pk: identifier for identifier, pk in in_db.items()}

        def not_as_written() -> list[int]:
            backend.refresh()
            indexed = backend.indexed_hashes()
            stale = [pk for pk in in_db.values() if indexed.get(pk) != current.get(pk)]
            if stale:
                print("not in the index as written: " + ", ".join(
                    f"{by_pk[pk]} ({'stale' if pk in indexed else 'missing'})" for pk in stale[:20]))
            return stale

        stale = not_as_written()
        # The nightly full pass (``manage.py search_index --reconcile``): compares every content hash, so
        # it also finds what the engine itself lost after acknowledging it (the emulator does, at a stop).
        full = reconcile(full=True) if stale else 0
        stale_after_full = not_as_written() if stale else []
        result = {
            "publishes_accepted": len(published), "publishes_missing_in_db": len(published - set(in_db)),
            "publishes_missing_or_stale_in_index": len(stale_after_full),
            "stale_after_dirty_reconcile": len(stale), "fixed_by_full_reconcile": full,
            "events_accepted": len(events),
            "events_missing_in_db": len(events - found_events), "events_graph_pending_after_drain": pending,
            "events_applied_by_sweep": swept, "events_graph_pending_after_sweep": still_pending, "queue_drained_s": round(drained, 1),
            "dirty_before_reconcile": dirty_before, "reconciled": fixed,
        }
        print(f"\nwrites: {result}")
        return result

    def run(self) -> dict:
        self.accepted: list[list] = []
        report: dict = {"machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                        "load_before": os.getloadavg()}
        try:
            acked, lost = emulator_durability(self.folder)
            report["emulator_durability"] = {"acked": acked, "lost_at_stop": lost}
            print(f"the emulator, stopped while writes arrive: {lost} of {acked} acknowledged writes lost")
            self.start_services()
            self.django()
            seed = self.seed()
            self.start_app()
            time.sleep(3)
            report["ramp"] = self.ramp(seed)
            report["ramp_load_average"] = self.ramp_load
            if not self.args.no_faults:
                report["faults"] = self.faults(seed)
                report["unexpected_failures"] = self.unexpected
            time.sleep(2)
            report["writes"] = self.verify()
        finally:
            report["load_after"] = os.getloadavg()
            self.stop_all()
            if not self.args.keep:
                shutil.rmtree(self.folder, ignore_errors=True)
            else:
                print(f"scratch kept: {self.folder}")
        print(f"\nmachine {report['machine']}, {report['date']}, load average before {report['load_before']}, "
              f"after {report['load_after']}")
        return report


def emulator_durability(folder: Path, seconds: float = 2.0) -> tuple[int, int]:
    """How many acknowledged writes the emulator loses when it is stopped while they arrive: (acked, lost).

    The baseline of the "no write lost" figure: a write the engine acknowledged and then lost at its
    stop is not in the index, and only a full reconciliation (content hashes) can find it."""
    import threading
    import urllib.error
    import urllib.request

    from tests.search.emulator import EmulatedElasticsearch

    es = EmulatedElasticsearch(folder / "noida-probe")
    es.start()

    def put(path: str, body: dict) -> int:
        request = urllib.request.Request(es.url + path, method="PUT", data=json.dumps(body).encode(),  # noqa: S310
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=2) as answer:  # noqa: S310
            return answer.status

    acked: list[int] = []
    running = True

    def writer() -> None:
        i = 0
        while running:
            i += 1
            with contextlib.suppress(OSError, urllib.error.URLError):
                if put(f"/probe/_doc/d{i}", {"n": i}) in (200, 201):
                    acked.append(i)

    try:
        put("/probe", {})
        thread = threading.Thread(target=writer)
        thread.start()
        time.sleep(seconds)
        es.stop()
        running = False
        thread.join()
        es.start()
        lost = 0
        for i in acked:
            try:
                urllib.request.urlopen(f"{es.url}/probe/_doc/d{i}", timeout=2).read()  # noqa: S310
            except urllib.error.HTTPError:
                lost += 1
    finally:
        es.stop()
    return len(acked), lost


def machine() -> str:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPU {model}".strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=60.0, help="Length of the ramp (default 60).")
    parser.add_argument("--levels", default="1,2,4,8,16,32", help="Concurrency levels of the ramp.")
    parser.add_argument("--products", type=int, default=200, help="Products seeded before the load.")
    parser.add_argument("--fault-concurrency", type=int, default=4)
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument("--conn-max-age", type=int, default=0,
                        help="CONN_MAX_AGE of the web and worker processes (0: a connection per request).")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch folder (logs).")
    parser.add_argument("--scratch", default=os.environ.get("LOAD_SCRATCH") or None,
                        help="Where the scratch folder goes (default: the system's temporary folder).")
    parser.add_argument("--json", help="Also write the figures to this file.")
    args = parser.parse_args()
    if args.drive:
        drive(args.drive)
        return
    missing = [name for name, found in (
        ("PostgreSQL server binaries (/usr/lib/postgresql/*/bin)", glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        ("redis-server", shutil.which("redis-server")),
        ("noida-db (the dev extra)", shutil.which("noida-db") or Path(sys.executable).with_name("noida-db").exists()),
    ) if not found]
    if missing:  # `make bench` runs every benchmark: say what this one needs rather than fail the others
        print(f"bench/load.py not run: it needs {', '.join(missing)}", file=sys.stderr)
        return
    report = Bench(args).run()
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str))
    failed = report.get("writes", {})
    lost = failed.get("publishes_missing_in_db", 0) + failed.get("events_missing_in_db", 0) + \
        failed.get("publishes_missing_or_stale_in_index", 0) + failed.get("events_graph_pending_after_sweep", 0)
    sys.exit(1 if lost else 0)


if __name__ == "__main__":
    main()
