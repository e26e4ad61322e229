"""Webhook provisioning: a signed CloudEvent to the domain's platform, retried on 5xx, never lost, reported back."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from catalog.models import OutputPort
from governance.access.models import AccessEvent
from governance.access.provisioning import tasks
from governance.access.provisioning.models import Provisioning
from governance.access.provisioning.services import provisioning_sweep

SECRET = "s3cr3t-for-the-sales-platform"


class Receiver:
    """A real HTTP server on a free port answering the statuses given, in order (then 200), recording each POST."""

    def __init__(self, statuses=()):
        self.statuses, self.posts = list(statuses), []
        self.on_post = None  # called on each POST before it is answered (e.g. to kill the sender)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.on_post is not None:
                    receiver.posts.append({"headers": dict(self.headers), "body": body, "status": None})
                    receiver.on_post()
                    return  # the sender is gone: nobody hears an answer
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.posts.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body, "status": status})
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"try later")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/meshport"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def accepted(self):
        return [p for p in self.posts if p["status"] == 200]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings, mesh):
    made = []

    def start(*statuses):
        made.append(Receiver(statuses))
        settings.MESHPORT_PROVISIONING_WEBHOOKS = {mesh.domain.slug: made[-1].url}
        settings.MESHPORT_PROVISIONING_WEBHOOK_SECRETS = {mesh.domain.slug: SECRET}
        return made[-1]

    yield start
    for r in made:
        r.close()


@pytest.fixture
def warehouse_port(mesh):
    """A port on Snowflake: Meshport cannot grant there, the domain's platform does."""
    return OutputPort.objects.create(product=mesh.product, name="orders_dwh", version="1.0.0", kind="table",
                                     format="table", location="SALES.ORDERS", server_type="snowflake",
                                     server={"type": "snowflake", "account": "acme", "database": "SALES"})


def verifies(post, secret=SECRET) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), post["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(post["headers"]["x-meshport-signature"], expected)


def test_two_5xx_then_200_make_three_attempts_and_one_accepted_signed_delivery(mesh, warehouse_port, receiver,
                                                                                 grant_flow):
    platform = receiver(500, 503)
    grant = grant_flow.approve(grant_flow.ask(mesh.consumer, mesh.product, warehouse_port), mesh.owner)

    assert [p["status"] for p in platform.posts] == [500, 503, 200]
    [delivery] = platform.accepted
    assert verifies(delivery)
    assert not verifies(delivery, secret="another-secret")
    assert delivery["headers"]["content-type"] == "application/cloudevents+json"
    event = json.loads(delivery["body"])
    assert (event["specversion"], event["type"], event["subject"]) == (
        "1.0", "io.meshport.access.grant.provision", f"grant/{grant.pk}")
    assert {json.loads(p["body"])["id"] for p in platform.posts} == {event["id"]}  # one event, delivered thrice
    assert (event["data"]["grantee"], event["data"]["product"], event["data"]["port_name"]) == (
        "carol", mesh.product.identifier, "orders_dwh")
    assert event["data"]["report_to"] == f"/api/access-grants/{grant.pk}/provisioning/"

    row = Provisioning.objects.get(grant=grant)
    assert (row.provisioner, row.state, row.attempts) == ("webhook", "provisioning", 3)
    assert row.accepted_at is not None
    assert row.reference == event["id"]
    assert provisioning_sweep(now=timezone.now() + timedelta(days=1)) == []  # accepted: never sent again
    assert len(platform.posts) == 3


def test_a_delivery_whose_worker_died_is_sent_once_by_the_sweep(mesh, warehouse_port, receiver, grant_flow,
                                                                 monkeypatch, django_capture_on_commit_callbacks):
    platform = receiver()
    dropped = []
    monkeypatch.setattr(tasks, "provisioning_run_later", dropped.append)  # the worker took it and died
    grant = grant_flow.approve(grant_flow.ask(mesh.consumer, mesh.product, warehouse_port), mesh.owner)
    row = Provisioning.objects.get(grant=grant)
    assert dropped == [row.pk]
    assert row.state == "provisioning"
    assert platform.posts == []
    monkeypatch.undo()

    assert provisioning_sweep() == []  # within its lease the row is left alone
    Provisioning.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.provisioning_sweep_task.delay().get() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.provisioning_sweep_task.delay().get() == 0
    assert len(platform.posts) == 1
    assert verifies(platform.posts[0])
    row.refresh_from_db()
    assert row.accepted_at is not None
    assert row.state == "provisioning"


def test_exhausted_retries_leave_it_failed_with_the_reason_then_the_sweep_retries(mesh, warehouse_port, receiver,
                                                                                 grant_flow,
                                                                                 django_capture_on_commit_callbacks):
    platform = receiver(*[500] * 5)
    grant = grant_flow.approve(grant_flow.ask(mesh.consumer, mesh.product, warehouse_port), mesh.owner)
    row = Provisioning.objects.get(grant=grant)
    assert row.state == "failed"
    assert "answered HTTP 500" in row.diagnostics
    assert grant.__class__.objects.get(pk=grant.pk).state == "active"  # the decision stands
    assert grant.request.history.filter(kind=AccessEvent.Kind.PROVISIONING_FAILED).exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert provisioning_sweep(now=row.next_attempt_at) == [row.pk]
    row.refresh_from_db()
    assert row.state == "provisioning"
    assert row.accepted_at is not None
    assert [p["status"] for p in platform.posts] == [500] * 5 + [200]


def report(api, grant, **body):
    return api.post(f"/api/access-grants/{grant.pk}/provisioning/", body, format="json")


def test_the_platform_reports_back_with_a_provisioner_token(mesh, warehouse_port, receiver, grant_flow, make_user,
                                                           as_user):
    receiver()
    grant = grant_flow.approve(grant_flow.ask(mesh.consumer, mesh.product, warehouse_port), mesh.owner)
    robot = make_user("sales-platform")
    assert report(as_user(robot), grant, state="provisioned").status_code == 403
    assert report(as_user(None), grant, state="provisioned").status_code == 401
    robot.groups.add(Group.objects.get_or_create(name="provisioners")[0])

    bad = report(as_user(robot), grant, state="done")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["path"] == "state"
    early = report(as_user(robot), grant, state="deprovisioned")
    assert early.status_code == 409

    done = report(as_user(robot), grant, state="provisioned", reference="snowflake:ROLE_CAROL",
                  diagnostics="role granted")
    assert done.status_code == 200
    assert done.json()["state"] == "provisioned"
    row = Provisioning.objects.get(grant=grant)
    assert (row.state, row.reference) == ("provisioned", "snowflake:ROLE_CAROL")
    step = grant.request.history.get(kind=AccessEvent.Kind.PROVISIONED)
    assert step.actor == robot
    assert step.note == "role granted"
    assert report(as_user(robot), grant, state="provisioned").status_code == 200  # said twice: no change
    assert grant.request.history.filter(kind=AccessEvent.Kind.PROVISIONED).count() == 1


def test_revoking_sends_the_deprovision_event(mesh, warehouse_port, receiver, grant_flow, steward, as_user):
    platform = receiver()
    grant = grant_flow.approve(grant_flow.ask(mesh.consumer, mesh.product, warehouse_port), mesh.owner)
    grant_flow.revoke(grant, mesh.owner)
    kinds = [json.loads(p["body"])["type"] for p in platform.posts]
    assert kinds == ["io.meshport.access.grant.provision", "io.meshport.access.grant.deprovision"]
    assert report(as_user(steward), grant, state="deprovisioned").json()["state"] == "deprovisioned"


def test_no_webhook_configured_fails_visibly(mesh, warehouse_port, grant_flow, settings):
    settings.MESHPORT_PROVISIONING_WEBHOOKS, settings.MESHPORT_PROVISIONING_WEBHOOK_URL = {}, ""
    grant = grant_flow.approve(grant_flow.ask(mesh.consumer, mesh.product, warehouse_port), mesh.owner)
    row = Provisioning.objects.get(grant=grant)
    assert row.state == "failed"
    assert f"no provisioning webhook for the {mesh.domain.slug} domain" in row.diagnostics
