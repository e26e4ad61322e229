"""Keeping ``Adjacency`` (each dataset's packed neighbours) in step with ``DatasetEdge``.

Rows are re-derived from the edge table, never patched: after a dataset's row is locked, its
edges are read afresh, so two transactions adding edges to the same dataset cannot lose each
other's (on PostgreSQL the second waits for the first's commit, then reads its edges too).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction

from lineage.adjacency import pack
from lineage.models import Adjacency, Dataset, DatasetEdge

CHUNK = 500  # ids per statement: well within every engine's limit on bound parameters


def adjacency_refresh(*, dataset_ids: Iterable[int]) -> None:
    """Re-derive the packed neighbours of these datasets from their edges (deleted datasets are skipped)."""
    ids = sorted(set(dataset_ids))
    with transaction.atomic(savepoint=False):  # the caller's transaction if there is one: the locks need one
        for start in range(0, len(ids), CHUNK):
            _refresh(ids[start:start + CHUNK])


def _refresh(ids: list[int]) -> None:
    alive = sorted(Dataset.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if not alive:
        return
    # The rows first (in id order, so concurrent writers lock in the same order), then the edges.
    Adjacency.objects.bulk_create([Adjacency(dataset_id=pk) for pk in alive], ignore_conflicts=True)
    list(Adjacency.objects.select_for_update().filter(pk__in=alive).order_by("pk").values_list("pk", flat=True))
    down, up = defaultdict(list), defaultdict(list)
    for source, target in DatasetEdge.objects.filter(source_id__in=alive).values_list("source_id", "target_id"):
        down[source].append(target)
    for source, target in DatasetEdge.objects.filter(target_id__in=alive).values_list("source_id", "target_id"):
        up[target].append(source)
    Adjacency.objects.bulk_update(
        [Adjacency(dataset_id=pk, downstream=pack(down[pk]), upstream=pack(up[pk])) for pk in alive],
        ["downstream", "upstream"],
    )


@transaction.atomic
def adjacency_rebuild() -> int:
    """Re-derive every dataset's packed neighbours from the whole edge table; returns the rows written."""
    down, up = defaultdict(list), defaultdict(list)
    for source, target in DatasetEdge.objects.values_list("source_id", "target_id").iterator(chunk_size=20_000):
        down[source].append(target)
        up[target].append(source)
    Adjacency.objects.all().delete()
    ids = sorted(down.keys() | up.keys())
    Adjacency.objects.bulk_create(
        (Adjacency(dataset_id=pk, downstream=pack(down.get(pk, ())), upstream=pack(up.get(pk, ()))) for pk in ids),
        batch_size=2_000,
    )
    return len(ids)


def edge_saved_receiver(sender, instance: DatasetEdge, created: bool, **kwargs) -> None:
    """An edge saved one at a time (admin, shell, tests): its ends follow in the same transaction.

    Ingestion writes edges in bulk, which sends no signal, and refreshes the ends itself.
    """
    adjacency_refresh(dataset_ids=(instance.source_id, instance.target_id))


def edge_deleted_receiver(sender, instance: DatasetEdge, **kwargs) -> None:
    """An edge went (an admin deleted a job or a dataset): re-derive both ends once the deletion commits.

    Not in the deleting transaction: a cascade may be deleting the ends themselves, in an order the
    collector chooses. Until the commit's callback runs, a walk may still see the gone edge; nodes
    whose dataset is gone are dropped from answers (``lineage.selectors.graph``).
    """
    ends = (instance.source_id, instance.target_id)
    transaction.on_commit(lambda: adjacency_refresh(dataset_ids=ends))
