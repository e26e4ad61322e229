"""The packed neighbours the dataset walk reads stay in step with the edges, however edges change."""
from __future__ import annotations

import io
import threading
import time
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from lineage.adjacency import unpack
from lineage.models import Adjacency, Dataset, DatasetEdge, Job
from tests.lineage.conftest import ds, run_event

pytestmark = pytest.mark.django_db


def packed() -> dict[int, tuple[list[int], list[int]]]:
    return {a.dataset_id: (list(unpack(a.downstream)), list(unpack(a.upstream)))
            for a in Adjacency.objects.all() if a.downstream or a.upstream}


def derived() -> dict[int, tuple[list[int], list[int]]]:
    """What the packed rows must say: each dataset's distinct neighbours, from the edge table."""
    down, up = defaultdict(set), defaultdict(set)
    for source, target in DatasetEdge.objects.values_list("source_id", "target_id"):
        down[source].add(target)
        up[target].add(source)
    return {pk: (sorted(down[pk]), sorted(up[pk])) for pk in down.keys() | up.keys()}


def graph(api, node: str, direction: str = "downstream") -> tuple[set[str], set[tuple[str, str]]]:
    body = api.get("/api/lineage/", {"node": node, "level": "dataset", "direction": direction, "depth": 10}).json()
    return {n["id"] for n in body["nodes"]}, {(e["source"], e["target"]) for e in body["edges"]}


def test_ingested_events_keep_every_datasets_neighbours_in_step(pusher, api):
    a, b, c = (ds("file", f"/data/{n}.parquet") for n in "abc")
    events = [
        run_event("COMPLETE", job="ab", inputs=[a], outputs=[b]),
        run_event("COMPLETE", job="bc", inputs=[b], outputs=[c]),
        run_event("COMPLETE", job="ab_again", inputs=[a], outputs=[b]),  # the same pair through another job
        run_event("COMPLETE", job="ac", inputs=[a], outputs=[c]),
    ]
    assert pusher.post("/api/v1/lineage", events[0], format="json").status_code == 201
    assert pusher.post("/api/v1/lineage/batch", events[1:], format="json").status_code == 201
    assert DatasetEdge.objects.count() == 4
    assert packed() == derived()
    source = Dataset.objects.get(name="/data/a.parquet")
    assert len(unpack(Adjacency.objects.get(pk=source.pk).downstream)) == 2  # b once, though two jobs link it
    nodes, edges = graph(api, "file:/data/a.parquet")
    assert nodes == {"file:/data/a.parquet", "file:/data/b.parquet", "file:/data/c.parquet"}
    assert edges == {("file:/data/a.parquet", "file:/data/b.parquet"), ("file:/data/b.parquet", "file:/data/c.parquet"),
                     ("file:/data/a.parquet", "file:/data/c.parquet")}


@pytest.fixture
def chain_abc(db):
    """a → b → c, each edge by its own job, saved one at a time (as an admin or a shell would)."""
    a, b, c = (Dataset.objects.create(namespace="x", name=n) for n in "abc")
    jobs = [Job.objects.create(namespace="j", name=n) for n in ("ab", "bc")]
    DatasetEdge.objects.create(source=a, target=b, job=jobs[0])
    DatasetEdge.objects.create(source=b, target=c, job=jobs[1])
    return a, b, c, jobs


def test_edges_saved_one_by_one_are_walked(chain_abc, api):
    assert graph(api, "x:a")[0] == {"x:a", "x:b", "x:c"}
    assert graph(api, "x:c", "upstream")[0] == {"x:a", "x:b", "x:c"}
    assert packed() == derived()


def test_deleting_a_job_drops_its_edges_from_the_graph(chain_abc, api, django_capture_on_commit_callbacks):
    *_, jobs = chain_abc
    with django_capture_on_commit_callbacks(execute=True):
        jobs[1].delete()
    assert graph(api, "x:a") == ({"x:a", "x:b"}, {("x:a", "x:b")})
    assert packed() == derived()


def test_a_deleted_dataset_leaves_the_graph(chain_abc, api, django_capture_on_commit_callbacks):
    a, b, *_ = chain_abc
    with django_capture_on_commit_callbacks(execute=True):
        b.delete()
    assert graph(api, "x:a") == ({"x:a"}, set())
    assert packed() == derived()


def test_a_dataset_deleted_before_its_neighbours_are_repacked_is_left_out(chain_abc, api):
    """Between the deletion's commit and the re-packing, a walk may still read the gone dataset's id."""
    a, b, *_ = chain_abc
    stale = Adjacency.objects.get(pk=a.pk).downstream
    b.delete()  # the callbacks that re-pack a and c never run here
    Adjacency.objects.filter(pk=a.pk).update(downstream=stale)
    assert graph(api, "x:a") == ({"x:a"}, set())


def test_lineage_rebuild_restores_the_packed_neighbours(chain_abc, api):
    Adjacency.objects.all().delete()
    assert graph(api, "x:a") == ({"x:a"}, set())
    call_command("lineage_rebuild", stdout=io.StringIO())
    assert graph(api, "x:a")[0] == {"x:a", "x:b", "x:c"}
    assert packed() == derived()


@pytest.mark.django_db(transaction=True)
def test_two_writers_adding_edges_from_one_dataset_keep_both():
    """The second writer waits for the first's commit and packs its edge too (PostgreSQL row locks;
    SQLite serialises writers)."""
    a, b, c, x = (Dataset.objects.create(namespace="x", name=n) for n in "abcx")
    DatasetEdge.objects.create(source=a, target=x)  # a's row exists, committed: the second writer must lock it
    first_wrote, second_started = threading.Event(), threading.Event()
    errors = []

    def first():
        try:
            with transaction.atomic():
                DatasetEdge.objects.create(source=a, target=b)
                first_wrote.set()
                second_started.wait(5)
                time.sleep(0.3)  # the second writer is now waiting on a's row
        except Exception as exc:  # noqa: BLE001 -- reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    def second():
        try:
            first_wrote.wait(5)
            second_started.set()
            with transaction.atomic():
                DatasetEdge.objects.create(source=a, target=c)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert errors == []
    assert list(unpack(Adjacency.objects.get(pk=a.pk).downstream)) == sorted([b.pk, c.pk, x.pk])
    assert packed() == derived()
