"""The dataset graph each process holds in memory: same answers as SQL, and never stale or uncommitted."""
from __future__ import annotations

import random
import threading

import pytest
from django.db import connections, transaction

from catalog.visibility import Viewer
from lineage.models import Dataset, DatasetEdge, GraphVersion, Job
from lineage.selectors import graph, memory


def _answer(seeds, **limits) -> tuple[list, set, bool]:
    body = graph.dataset_graph(seeds=seeds, viewer=Viewer.ANONYMOUS, **limits).as_dict()
    return body["nodes"], {(e["source"], e["target"]) for e in body["edges"]}, body["truncated"]


@pytest.mark.django_db
def test_the_in_memory_walk_answers_as_the_sql_walk_on_random_graphs(settings):
    """Random graphs with cycles, hubs, several jobs per pair and multi-dataset seeds; every limit varied."""
    rng = random.Random(20261201)
    datasets = Dataset.objects.bulk_create(
        [Dataset(namespace=rng.choice(["file", "postgres://db:5432"]), name=f"t{i}") for i in range(240)])
    jobs = Job.objects.bulk_create([Job(namespace="j", name=f"job{i}") for i in range(3)])
    pairs = {(rng.choice(datasets[:200]), rng.choice(datasets)) for _ in range(700)}
    pairs |= {(datasets[7], target) for target in datasets[100:160]}  # a hub downstream
    pairs |= {(source, datasets[9]) for source in datasets[120:170]}  # and one upstream
    DatasetEdge.objects.bulk_create([DatasetEdge(source=s, target=t, job=job) for s, t in pairs if s != t
                                     for job in rng.sample(jobs, rng.randint(1, 2))])
    ids = [d.pk for d in datasets]
    for _ in range(150):
        seeds = rng.sample(ids[:20], rng.choice([0, 1, 1, 2, 3])) + [datasets[rng.choice([7, 9])].pk] * rng.randint(0, 1)
        limits = {"direction": rng.choice(graph.DIRECTIONS), "depth": rng.choice([0, 1, 2, 4, 10]),
                  "max_nodes": rng.choice([1, 5, 40, 5000]), "fanout": rng.choice([3, 20, 500])}
        settings.LINEAGE_MEMORY_GRAPH = False
        expected = _answer(seeds, **limits)
        settings.LINEAGE_MEMORY_GRAPH = "always"
        assert _answer(seeds, **limits) == expected, (seeds, limits)
    assert memory.current() is not None  # the second answers did come from memory


def _version() -> tuple[str, int]:
    row = GraphVersion.objects.get(pk=1)
    return row.generation, row.additions


@pytest.fixture
def version_row():
    """The row migration 0002 writes. A flush removes it (the demo tests' module fixture flushes), and
    it comes back with the next edge insert; these tests need it from their start."""
    GraphVersion.objects.get_or_create(pk=1, defaults={"generation": "before-the-test"})


@pytest.mark.django_db
def test_triggers_count_edge_inserts_and_renew_the_generation_on_deletes_and_renames(version_row):
    a, b, c = (Dataset.objects.create(namespace="x", name=n) for n in "abc")
    generation, additions = _version()
    DatasetEdge.objects.bulk_create([DatasetEdge(source=a, target=b), DatasetEdge(source=b, target=c)])
    assert _version()[0] == generation
    assert _version()[1] > additions

    a.facets = {"documentation": {"description": "facets change often and do not touch the graph"}}
    a.save()
    assert _version()[0] == generation
    Dataset.objects.filter(pk=a.pk).update(name="a2")
    assert _version()[0] != generation

    generation = _version()[0]
    DatasetEdge.objects.filter(source=b).delete()
    assert _version()[0] != generation


def _walk(node: str, **limits) -> set[str]:
    return {n["id"] for n in graph.dataset_graph(seeds=[Dataset.objects.get(name=node).pk], direction="downstream",
                                                 depth=5, max_nodes=100, viewer=Viewer.ANONYMOUS, **limits).nodes}


@pytest.fixture
def shared(settings, version_row):
    settings.LINEAGE_MEMORY_GRAPH = True
    memory.forget()
    yield
    memory.forget()


@pytest.mark.django_db(transaction=True)
def test_the_shared_copy_follows_committed_writes(shared, monkeypatch):
    a, b, c = (Dataset.objects.create(namespace="x", name=n) for n in "abc")
    DatasetEdge.objects.create(source=a, target=b)
    assert _walk("a") == {"x:a", "x:b"}
    loaded = memory.current()
    full_loads = []
    monkeypatch.setattr(memory.Graph, "of", classmethod(lambda cls, *args: full_loads.append(args) or None))

    DatasetEdge.objects.create(source=b, target=c)  # committed (autocommit): read as an addition
    assert _walk("a") == {"x:a", "x:b", "x:c"}
    assert memory.current() is not loaded
    assert not full_loads
    monkeypatch.undo()

    Dataset.objects.filter(name="b").delete()  # cascades to its edges: the copy is read again
    assert _walk("a") == {"x:a"}
    Dataset.objects.filter(name="c").update(name="c2")
    DatasetEdge.objects.create(source=a, target=Dataset.objects.get(name="c2"))
    assert _walk("a") == {"x:a", "x:c2"}  # renamed: the names are read again too


@pytest.mark.django_db(transaction=True)
def test_uncommitted_edges_are_walked_in_sql_and_never_reach_the_shared_copy(shared):
    a, b = (Dataset.objects.create(namespace="x", name=n) for n in "ab")
    assert _walk("a") == {"x:a"}
    copy = memory.current()
    assert copy is not None

    with transaction.atomic():
        DatasetEdge.objects.create(source=a, target=b)
        assert memory.current() is None  # this transaction sees edges no copy holds
        assert _walk("a") == {"x:a", "x:b"}  # so it walks in SQL
        transaction.set_rollback(True)
    assert memory.current() is copy
    assert _walk("a") == {"x:a"}
    with transaction.atomic():  # a transaction that sees what the copy holds uses it
        assert memory.current() is copy


@pytest.mark.django_db(transaction=True)
def test_a_transaction_adding_edges_holds_back_the_next_until_it_commits():
    """So edge ids commit in order and the copy can read "the edges added since" as ``id >`` the last."""
    a, b, c = (Dataset.objects.create(namespace="x", name=n) for n in "abc")
    DatasetEdge.objects.create(source=a, target=b)  # the version row exists
    second: dict = {}

    def add_later_edge():
        try:
            second["id"] = DatasetEdge.objects.create(source=b, target=c).pk
        finally:
            connections.close_all()

    with transaction.atomic():
        DatasetEdge.objects.create(source=a, target=c)
        other = threading.Thread(target=add_later_edge)
        other.start()
        other.join(timeout=1.0)
        assert other.is_alive(), "the second transaction inserted an edge while the first was open"
        # Drawn while the other waits: had the other drawn its id before waiting, it would be smaller.
        last = DatasetEdge.objects.create(source=c, target=a).pk
    other.join(timeout=10)
    assert second["id"] > last


@pytest.mark.django_db
def test_dataset_ids_too_large_for_the_arrays_are_walked_in_sql(settings):
    settings.LINEAGE_MEMORY_GRAPH = "always"
    small = Dataset.objects.create(namespace="x", name="small")
    large = Dataset.objects.create(pk=memory.MAX_ID + 5, namespace="x", name="large")
    DatasetEdge.objects.create(source=small, target=large)
    assert memory.current() is None
    assert _walk("small") == {"x:small", "x:large"}
