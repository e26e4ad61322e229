"""A real Celery worker over Redis profiles ports; killing it mid-profile leaves no run stuck
(the whole demo through a worker: tests/governance/test_quality_worker.py).

These tests start ``celery -A meshport worker`` as a subprocess against Redis (``REDIS_URL``, or
127.0.0.1:6379/5 when unset) and the test database (a SQLite file, or PostgreSQL's
``test_<name>``), with eager execution off, each on a queue of its own.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from catalog.models import DataProduct, Domain, OutputPort
from meshport.celery import app as celery_app
from profiling import services
from profiling.models import ProfileRun
from tests.profiling.conftest import write_csv, write_parquet

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/5"
ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """One ``celery worker`` process group, killed or stopped by the test."""

    def __init__(self, queue: str, **env: str):
        self.log = Path(tempfile.mkstemp(prefix="meshport-worker-", suffix=".log")[1])
        environment = os.environ | {
            "DJANGO_SETTINGS_MODULE": "meshport.settings.base", "DATABASE_URL": database_url(),
            "REDIS_URL": REDIS_URL, "MESHPORT_DATA_ROOTS": ",".join(map(str, settings.MESHPORT_DATA_ROOTS)),
            "MESHPORT_VAR_DIR": tempfile.mkdtemp(prefix="meshport-worker-var-"), "DEBUG": "false",
            "CELERY_TASK_DEFAULT_QUEUE": queue,  # tasks the worker sends itself stay on this queue
        } | env
        command = [sys.executable, "-m", "celery", "-A", "meshport", "worker", "-Q", queue, "-c", "1",
                   "-n", f"{queue}-{uuid.uuid4().hex[:6]}@%h", "--without-gossip", "--without-mingle",
                   "--loglevel", "INFO"]
        with self.log.open("w") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=out,  # noqa: S603
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children), as an OOM killer would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def reset_producers() -> None:
    """Forget connections, queues and routes the app built from its earlier (eager, in-memory) config."""
    celery_app.__dict__.pop("amqp", None)
    celery_app._pool = None
    celery_app._backend_cache = None
    celery_app._local.__dict__.pop("backend", None)


@pytest.fixture
def queue():
    """Send tasks to Redis for real (eager off) on a queue no other test or run shares."""
    name = f"meshport-test-{uuid.uuid4().hex[:8]}"
    saved = {k: celery_app.conf[k] for k in ("broker_url", "task_always_eager", "task_default_queue",
                                            "result_backend")}
    celery_app.conf.update(broker_url=REDIS_URL, task_always_eager=False, task_default_queue=name,
                           result_backend=REDIS_URL)
    reset_producers()
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1)  # a missing Redis fails here, clearly, not as a timeout
        yield name
    finally:
        with celery_app.connection_for_write() as conn:
            conn.default_channel.queue_purge(name)
        celery_app.conf.update(saved)
        reset_producers()


@pytest.fixture
def workers():
    started: list[Worker] = []

    def start(queue: str, **env: str) -> Worker:
        started.append(Worker(queue, **env))
        return started[-1]

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def ports():
    root = Path(settings.MESHPORT_DATA_ROOTS[0]) / f"worker-{uuid.uuid4().hex[:6]}"
    root.mkdir(parents=True)
    domain = Domain.objects.create(slug=f"w{uuid.uuid4().hex[:6]}", name="Worker tests")
    product = DataProduct.objects.create(domain=domain, slug="orders", external_id=str(uuid.uuid4()), name="Orders")
    csv_path = write_csv(root / "orders.csv", ["id", "email", "amount"],
                         [[i, f"u{i}@example.org", i * 2.5] for i in range(500)])
    parquet_path = write_parquet(root / "items.parquet", {"sku": [f"s{i % 40}" for i in range(800)],
                                                          "qty": list(range(800))})
    jsonl_path = root / "events.jsonl"
    jsonl_path.write_text("".join(f'{{"n": {i}, "kind": "k{i % 3}"}}\n' for i in range(90)))
    made = [OutputPort.objects.create(product=product, name=n, version="1", format=f, location=str(p))
            for n, f, p in [("orders", "csv", csv_path), ("items", "parquet", parquet_path),
                            ("events", "jsonl", jsonl_path)]]
    return made


def wait_for(predicate, worker: Worker, timeout: float = 90.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited ({worker.process.returncode}) waiting for {what}:\n{worker.output()}")
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{worker.output()}")


def request(port: OutputPort) -> ProfileRun:
    run = services.profile_run_request(port=port)  # autocommit: enqueued on commit, over Redis
    assert run.state == "queued"
    return run


def state(run: ProfileRun) -> str:
    return ProfileRun.objects.values_list("state", flat=True).get(pk=run.pk)


def test_a_real_worker_profiles_ports_over_redis(queue, workers, ports):
    worker = workers(queue)
    runs = [request(port) for port in ports]
    wait_for(lambda: all(state(r) in ("succeeded", "failed") for r in runs), worker, what="three profiles")
    finished = ProfileRun.objects.filter(pk__in=[r.pk for r in runs]).order_by("pk")
    assert [(r.state, r.reason) for r in finished] == [("succeeded", "")] * 3
    assert [r.row_count for r in finished] == [500, 800, 90]
    assert all(r.task_id and r.attempt == 1 for r in finished)
    assert finished[0].columns.get(name="email").masked


def test_killing_the_worker_mid_profile_leaves_no_run_running(queue, workers, ports):
    slow = workers(queue, MESHPORT_PROFILE_TEST_DELAY="60", MESHPORT_PROFILE_HEARTBEAT_SECONDS="1")
    run = request(ports[0])
    wait_for(lambda: state(run) == "running", slow, what="the run to start")
    slow.kill()
    assert state(run) == "running"  # the dead worker could not say otherwise

    # A new worker treats a run silent for longer than the time limit as lost: its start-up sweep
    # fails it, or the redelivered message (visibility timeout) takes it over and finishes it.
    short = {"MESHPORT_PROFILE_TIME_LIMIT": "2", "MESHPORT_PROFILE_HEARTBEAT_SECONDS": "1",
             "CELERY_VISIBILITY_TIMEOUT": "4"}
    time.sleep(3.5)
    fresh = workers(queue, **short)
    wait_for(lambda: state(run) in ("failed", "succeeded"), fresh, what="the lost run to be swept or retried")
    run.refresh_from_db()
    if run.state == "failed":
        assert "worker stopped during the run" in run.reason
    else:
        assert run.attempt == 2
    assert not ProfileRun.objects.filter(state="running").exists()

    following = request(ports[0])
    wait_for(lambda: state(following) == "succeeded", fresh, what="the next run")
    following.refresh_from_db()
    assert following.is_latest_good
    assert following.row_count == 500


def test_a_killed_pool_process_is_retried_by_its_worker(queue, workers, ports):
    """SIGKILL the process running the task (as the OOM killer would): acks_late requeues it at once,
    and the same run is taken over and finished by the worker's next pool process."""
    worker = workers(queue, MESHPORT_PROFILE_TEST_DELAY="6")
    run = request(ports[1])
    wait_for(lambda: state(run) == "running", worker, what="the run to start")
    children = subprocess.run(["pgrep", "-P", str(worker.process.pid)], capture_output=True, text=True).stdout.split()
    assert children, worker.output()
    for pid in children:
        os.kill(int(pid), signal.SIGKILL)
    wait_for(lambda: state(run) == "succeeded", worker, what="the retried run")
    run.refresh_from_db()
    assert run.attempt == 2
    assert run.row_count == 800


def test_killing_the_worker_during_a_webhook_delivery_loses_nothing_and_sends_it_once(queue, workers, make_user):
    """The platform's first answer never reaches the worker (it is SIGKILLed while the POST is open);
    the next worker, or the sweep, delivers the same signed event, and it is accepted exactly once."""
    import hashlib
    import hmac
    import json

    from catalog.models import DomainMembership
    from governance.access import services as access
    from governance.access.provisioning.models import Provisioning
    from governance.access.provisioning.services import provisioning_sweep
    from tests.governance.access.provisioning.test_webhook import Receiver

    secret = "worker-test-secret"
    domain = Domain.objects.create(slug=f"w{uuid.uuid4().hex[:6]}", name="Webhook worker tests")
    product = DataProduct.objects.create(domain=domain, slug="orders", external_id=str(uuid.uuid4()), name="Orders",
                                         status="published", visibility="restricted")
    port = OutputPort.objects.create(product=product, name="orders_dwh", version="1", kind="table", format="table",
                                     location="SALES.ORDERS", server_type="snowflake",
                                     server={"type": "snowflake", "account": "acme", "database": "SALES"})
    owner, consumer = make_user("w-owner"), make_user("w-consumer")
    DomainMembership.objects.create(domain=domain, user=owner, role=DomainMembership.Role.OWNER)

    platform = Receiver()
    first = workers(queue, MESHPORT_PROVISIONING_LEASE_SECONDS="2",
                    MESHPORT_PROVISIONING_WEBHOOKS=json.dumps({domain.slug: platform.url}),
                    MESHPORT_PROVISIONING_WEBHOOK_SECRETS=json.dumps({domain.slug: secret}))
    platform.on_post = first.kill  # the worker dies holding the request: it never hears the answer
    request = access.access_request_create(requester=consumer, product=product, port=port,
                                           purpose="Weekly order volumes by carrier")
    access.access_request_approve(request=request, actor=owner)  # autocommit: queued over Redis at once
    wait_for(lambda: platform.posts, first, what="the first delivery")
    first.process.wait(timeout=30)
    row = Provisioning.objects.get(grant__request=request)
    assert row.accepted_at is None  # the answer was lost with the worker
    assert row.state == "provisioning"

    platform.on_post = None
    fresh = workers(queue, MESHPORT_PROVISIONING_LEASE_SECONDS="2", CELERY_VISIBILITY_TIMEOUT="4",
                    MESHPORT_PROVISIONING_WEBHOOKS=json.dumps({domain.slug: platform.url}),
                    MESHPORT_PROVISIONING_WEBHOOK_SECRETS=json.dumps({domain.slug: secret}))
    time.sleep(2.5)  # past the dead attempt's lease: the sweep may queue it again (beat does so every minute)
    provisioning_sweep()

    def accepted():
        return Provisioning.objects.filter(pk=row.pk, accepted_at__isnull=False).exists()

    wait_for(accepted, fresh, what="the delivery to be accepted")
    time.sleep(6)  # a redelivered message, if any, has had its chance to send it again
    provisioning_sweep()
    time.sleep(1)
    ids = {json.loads(p["body"])["id"] for p in platform.posts}
    assert len(ids) == 1  # every attempt carries the same event
    assert len(platform.accepted) == 1
    body = platform.accepted[0]
    signature = "sha256=" + hmac.new(secret.encode(), body["body"], hashlib.sha256).hexdigest()
    assert body["headers"]["x-meshport-signature"] == signature
    platform.close()
