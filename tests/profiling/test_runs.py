"""Profile runs end to end (inline): states, history, drift flags, masking, locks and sweeping."""
import datetime as dt
import os

import pytest
from django.utils import timezone

from profiling import services
from profiling.models import PiiSuggestion, ProfileRun
from profiling.signals import port_profiled

from .conftest import write_csv


def put(path, text: str) -> str:
    path.write_text(text)
    return str(path)


def run_now(port, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.profile_run_request(port=port)
    run.refresh_from_db()
    return run


def test_a_run_succeeds_and_becomes_the_latest_good_profile(make_port, orders_csv, django_capture_on_commit_callbacks):
    seen = []
    port_profiled.connect(lambda **kw: seen.append(kw), weak=False, dispatch_uid="t-seen")
    try:
        run = run_now(make_port(orders_csv), django_capture_on_commit_callbacks)
    finally:
        port_profiled.disconnect(dispatch_uid="t-seen")
    assert run.state == "succeeded"
    assert run.is_latest_good
    assert run.row_count == 200
    assert run.attempt == 1
    assert run.engine.startswith("duckdb")
    assert run.source_bytes == orders_csv.stat().st_size
    assert run.columns.get(name="country").stats["top_values"][0]["value"] == "DE"
    assert seen
    assert seen[0]["run_id"] == run.pk
    assert seen[0]["port_id"] == run.port_id


def test_a_failed_run_keeps_the_last_good_profile(make_port, orders_csv, django_capture_on_commit_callbacks):
    port = make_port(orders_csv)
    good = run_now(port, django_capture_on_commit_callbacks)
    orders_csv.write_bytes(b"\x00\x01garbage" * 3)
    port.format = "parquet"
    port.save()
    bad = run_now(port, django_capture_on_commit_callbacks)
    good.refresh_from_db()
    assert bad.state == "failed"
    assert "cannot read orders.csv as parquet" in bad.reason
    assert good.is_latest_good
    assert not bad.is_latest_good
    assert list(port.profile_runs.values_list("state", flat=True)) == ["failed", "succeeded"]


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (lambda root: "/etc/passwd", "outside the configured data roots"),
        (lambda root: "s3://bucket/orders.csv", "scheme 's3' is not allowed"),
        (lambda root: "orders.csv", "not an absolute path"),
        (lambda root: str(root / "gone.csv"), "file not found"),
        (lambda root: put(root / "empty.csv", ""), "is empty"),
        (lambda root: put(root / "semi.csv", "a;b;c\n1;2;3\n"), "wrong delimiter"),
        (lambda root: put(root / "ragged.csv", "a,b\n1,2\n3,4,5,6\n7,8\n"), "cannot read ragged.csv"),
        (lambda root: put(root / "junk.csv", bytes(range(256)).decode("latin-1") * 20), "cannot read junk.csv"),
    ],
)
def test_bad_locations_and_files_end_in_a_failed_run_with_a_reason(
    make_port, data_root, setup, reason, django_capture_on_commit_callbacks
):
    port = make_port(setup(data_root), server={"delimiter": ","})
    run = run_now(port, django_capture_on_commit_callbacks)
    assert run.state == "failed"
    assert reason in run.reason


def test_a_symlink_escaping_the_data_roots_is_refused(make_port, data_root, django_capture_on_commit_callbacks):
    link = data_root / "innocent.csv"
    os.symlink("/etc/passwd", link)
    run = run_now(make_port(link), django_capture_on_commit_callbacks)
    assert run.state == "failed"
    assert "outside the configured data roots" in run.reason


def test_a_two_gigabyte_file_is_refused_before_reading(make_port, data_root, django_capture_on_commit_callbacks):
    big = data_root / "big.csv"
    with big.open("wb") as fh:
        fh.truncate(2 * 1024**3)  # sparse: costs no disk
    run = run_now(make_port(big), django_capture_on_commit_callbacks)
    assert run.state == "failed"
    assert "2,048 MiB, over the 1,024 MiB limit" in run.reason


def test_drift_against_the_contract_flags_the_product(make_port, orders_csv, django_capture_on_commit_callbacks):
    port = make_port(orders_csv, columns=[("order_id", "integer"), ("email", "string"), ("country", "integer"),
                                          ("amount", "number"), ("shipped_on", "date")])
    run = run_now(port, django_capture_on_commit_callbacks)
    assert run.drift == {"added": ["ordered_on"], "missing": ["shipped_on"],
                         "changed": [{"column": "country", "expected": "integer", "found": "VARCHAR"}]}
    port.product.refresh_from_db()
    assert port.product.flags["schema_drift"][f"{port.name}@1.0.0"]["missing"] == ["shipped_on"]


def test_drift_flag_clears_when_the_schema_matches_again(make_port, orders_csv, django_capture_on_commit_callbacks):
    port = make_port(orders_csv, columns=[("order_id", "integer"), ("email", "string")])
    run_now(port, django_capture_on_commit_callbacks)
    write_csv(orders_csv, ["order_id", "email"], [[1, "a@b.org"]])
    run_now(port, django_capture_on_commit_callbacks)
    port.product.refresh_from_db()
    assert "schema_drift" not in port.product.flags


def test_pii_columns_are_suggested_and_their_values_never_stored(
    make_port, orders_csv, django_capture_on_commit_callbacks
):
    port = make_port(orders_csv, columns=[("order_id", "integer"), ("email", "string"),
                                          ("country", "string", "restricted")])
    run = run_now(port, django_capture_on_commit_callbacks)
    suggestion = PiiSuggestion.objects.get(port=port, column_name="email")
    assert suggestion.kind == "email"
    assert suggestion.confidence == 1.0
    assert suggestion.status == "suggested"
    for name in ("email", "country"):
        column = run.columns.get(name=name)
        assert column.masked
        assert column.stats["min"] is None
        assert column.stats["max"] is None
        assert {t["value"] for t in column.stats["top_values"]} <= {"•••"}
        assert "@example.org" not in str(column.stats)
        assert "DE" not in str(column.stats["top_values"])
    assert run.columns.get(name="email").semantic_type == "email"
    assert not run.columns.get(name="order_id").masked


def test_a_rejected_suggestion_unmasks_the_column_next_time(make_port, orders_csv, steward,
                                                           django_capture_on_commit_callbacks):
    port = make_port(orders_csv)
    run_now(port, django_capture_on_commit_callbacks)
    services.pii_suggestion_decide(suggestion=PiiSuggestion.objects.get(port=port, column_name="email"),
                                   status="rejected", actor=steward)
    run = run_now(port, django_capture_on_commit_callbacks)
    assert not run.columns.get(name="email").masked
    assert PiiSuggestion.objects.get(port=port, column_name="email").status == "rejected"


def test_two_runs_of_one_port_never_run_at_once(make_port, orders_csv):
    port = make_port(orders_csv)
    first = ProfileRun.objects.create(port=port, state="running", heartbeat=timezone.now())
    second = ProfileRun.objects.create(port=port)
    with pytest.raises(services.PortBusy):
        services.profile_run_execute(run_id=second.pk, retries_left=2)
    second.refresh_from_db()
    assert second.state == "queued"
    assert "waiting" in second.reason
    services.profile_run_execute(run_id=second.pk, retries_left=0)
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.state == "failed"
    assert first.state == "running"


def test_requests_are_idempotent_while_a_run_is_queued(make_port, orders_csv):
    port = make_port(orders_csv)
    assert services.profile_run_request(port=port).pk == services.profile_run_request(port=port).pk


def test_a_run_whose_worker_died_is_swept_and_the_next_run_succeeds(
    make_port, orders_csv, django_capture_on_commit_callbacks
):
    port = make_port(orders_csv)
    lost = ProfileRun.objects.create(port=port, state="running", started=timezone.now() - dt.timedelta(hours=2),
                                     heartbeat=timezone.now() - dt.timedelta(hours=1))
    fresh = ProfileRun.objects.create(port=make_port(orders_csv), state="running", heartbeat=timezone.now())
    assert services.profile_runs_sweep() == [lost.pk]
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.state == "failed"
    assert "worker stopped" in lost.reason
    assert fresh.state == "running"
    assert run_now(port, django_capture_on_commit_callbacks).state == "succeeded"


def test_a_redelivered_task_takes_over_its_lost_run(make_port, orders_csv):
    port = make_port(orders_csv)
    lost = ProfileRun.objects.create(port=port, state="running", attempt=1,
                                     heartbeat=timezone.now() - dt.timedelta(hours=1))
    services.profile_run_execute(run_id=lost.pk)
    lost.refresh_from_db()
    assert lost.state == "succeeded"
    assert lost.attempt == 2


def test_finished_runs_are_not_run_again(make_port, orders_csv, django_capture_on_commit_callbacks):
    run = run_now(make_port(orders_csv), django_capture_on_commit_callbacks)
    assert services.profile_run_execute(run_id=run.pk) is None
    assert run.columns.count() == 5


def test_due_ports_follow_their_schedule(make_port, orders_csv):
    due = make_port(orders_csv, profile_schedule_hours=24)
    recent = make_port(orders_csv, profile_schedule_hours=24)
    never = make_port(orders_csv, profile_schedule_hours=1)
    api_port = make_port("", fmt="json", kind="api")
    old = ProfileRun.objects.create(port=due, state="succeeded")
    ProfileRun.objects.filter(pk=old.pk).update(created=timezone.now() - dt.timedelta(hours=25))
    ProfileRun.objects.create(port=recent, state="succeeded")
    queued = services.profile_due_ports()
    assert sorted(queued) == sorted([due.pk, never.pk])
    assert api_port.pk not in queued
    assert ProfileRun.objects.get(port=due, state="queued").trigger == "schedule"


def test_product_profile_queues_every_readable_port(make_port, orders_csv, product):
    make_port(orders_csv)
    make_port("", fmt="", kind="api")
    runs = services.product_profile(product_id=product.pk)
    assert len(runs) == 1
    assert runs[0].state == "queued"


def test_a_vanished_file_is_retried_while_retries_are_left(make_port, data_root):
    port = make_port(data_root / "later.csv")
    run = ProfileRun.objects.create(port=port)
    with pytest.raises(services.RetryLater, match="file not found"):
        services.profile_run_execute(run_id=run.pk, retries_left=3)
    run.refresh_from_db()
    assert run.state == "queued"
    assert run.reason.startswith("will retry: file not found")
    write_csv(data_root / "later.csv", ["a"], [[1], [2]])
    services.profile_run_execute(run_id=run.pk, retries_left=2)
    run.refresh_from_db()
    assert run.state == "succeeded"
    assert run.attempt == 2
    assert run.row_count == 2


def test_a_corrupt_file_is_not_retried(make_port, data_root):
    path = data_root / "broken.parquet"
    path.write_bytes(b"PAR1 not really parquet")
    run = ProfileRun.objects.create(port=make_port(path, fmt="parquet"))
    services.profile_run_execute(run_id=run.pk, retries_left=3)
    run.refresh_from_db()
    assert run.state == "failed"
    assert "cannot read broken.parquet as parquet" in run.reason


def test_its_own_message_delivered_again_takes_over_a_running_run(make_port, orders_csv):
    port = make_port(orders_csv)
    run = ProfileRun.objects.create(port=port, state="running", attempt=1, task_id="t-1", heartbeat=timezone.now())
    assert services.profile_run_execute(run_id=run.pk, task_id="t-other") is None
    run.refresh_from_db()
    assert run.state == "running"
    services.profile_run_execute(run_id=run.pk, task_id="t-1")
    run.refresh_from_db()
    assert run.state == "succeeded"
    assert run.attempt == 2
