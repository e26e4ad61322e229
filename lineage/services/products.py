"""Derived product-level lineage: port datasets, edges through datasets and declared input ports."""
from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count

from catalog.models import InputPort, OutputPort
from catalog.services.usage import products_usage_set
from lineage.models import Dataset, ProductEdge
from lineage.selectors.sql import products_reached
from lineage.services.matching import port_address

# Product edges look through unmatched (intermediate) datasets, up to this many of them.
MAX_ROWS = 50_000


@transaction.atomic
def lineage_products_sync(*, product_ids: Iterable[int]) -> None:
    """Bring lineage in step with these products: port datasets, input-port and lineage edges."""
    ids = set(product_ids)
    _port_datasets_sync(ids)
    _input_port_edges_sync(ids)
    seeds = Dataset.objects.filter(product_id__in=ids).values_list("pk", flat=True)
    product_lineage_edges_refresh(product_ids=ids | products_upstream_of(list(seeds)))


def _port_datasets_sync(product_ids: set[int]) -> None:
    ports = OutputPort.objects.filter(product_id__in=product_ids)
    kept: set[int] = set()
    for port in ports:
        address = port_address(port)
        if address is None:
            continue
        dataset, _ = Dataset.objects.get_or_create(namespace=address[0], name=address[1])
        if (dataset.port_id, dataset.product_id) != (port.pk, port.product_id):
            Dataset.objects.filter(pk=dataset.pk).update(port=port, product_id=port.product_id)
        kept.add(dataset.pk)
    Dataset.objects.filter(product_id__in=product_ids).exclude(pk__in=kept).update(port=None, product=None)


def _input_port_edges_sync(product_ids: set[int]) -> None:
    declared = InputPort.objects.filter(source_port__isnull=False).filter(
        product_id__in=product_ids
    ) | InputPort.objects.filter(source_port__product_id__in=product_ids)
    wanted = {
        (src, dst) for src, dst in declared.values_list("source_port__product_id", "product_id") if src != dst
    }
    _replace_edges(ProductEdge.Kind.INPUT_PORT, wanted, sources=product_ids, targets=product_ids)


def products_upstream_of(dataset_ids: list[int]) -> set[int]:
    """Products whose datasets feed these datasets, looking through unmatched datasets only."""
    if not dataset_ids:
        return set()
    return products_reached(dataset_ids, direction="upstream", row_limit=MAX_ROWS)


def product_lineage_edges_refresh(*, product_ids: Iterable[int]) -> None:
    """Recompute the observed-lineage edges leaving these products."""
    wanted: set[tuple[int, int]] = set()
    ids = set(product_ids)
    if not ids:
        return
    for product_id in ids:
        seeds = list(Dataset.objects.filter(product_id=product_id).values_list("pk", flat=True))
        if not seeds:
            continue
        targets = products_reached(seeds, direction="downstream", row_limit=MAX_ROWS)
        wanted |= {(product_id, t) for t in targets if t != product_id}
    _replace_edges(ProductEdge.Kind.LINEAGE, wanted, sources=ids)


@transaction.atomic
def product_granted_uses_set(*, product_id: int, consumer_ids: Iterable[int]) -> None:
    """The products that read ``product_id`` under a live access grant (governance says which): edges of
    their own kind, so impact analysis and usage count them, and a grant's end removes its edge."""
    wanted = {(product_id, consumer) for consumer in consumer_ids if consumer != product_id}
    _replace_edges(ProductEdge.Kind.ACCESS_GRANT, wanted, sources={product_id})


def _replace_edges(kind: str, wanted: set[tuple[int, int]], *, sources=(), targets=()) -> None:
    scope = ProductEdge.objects.filter(kind=kind, source_id__in=sources) | ProductEdge.objects.filter(
        kind=kind, target_id__in=targets)
    existing = set(scope.values_list("source_id", "target_id"))
    stale = existing - wanted
    for src, dst in stale:
        ProductEdge.objects.filter(kind=kind, source_id=src, target_id=dst).delete()
    ProductEdge.objects.bulk_create(
        [ProductEdge(source_id=s, target_id=t, kind=kind) for s, t in wanted - existing], ignore_conflicts=True
    )
    _usage_refresh({s for s, _ in stale | (wanted - existing)})


def _usage_refresh(sources: set[int]) -> None:
    """A product's usage is how many other products read it, declared or observed (search ranks by it)."""
    if not sources:
        return
    consumers = dict(ProductEdge.objects.filter(source_id__in=sources).values("source_id")
                     .annotate(n=Count("target_id", distinct=True)).values_list("source_id", "n"))
    products_usage_set(counts={pk: consumers.get(pk, 0) for pk in sources})


@transaction.atomic
def dataset_port_mapping_set(*, port: OutputPort, namespace: str, name: str) -> None:
    """Name a port's dataset explicitly (for addresses the automatic rules can't derive), then re-link."""
    from lineage.models import DatasetPortMapping

    DatasetPortMapping.objects.update_or_create(port=port, defaults={"namespace": namespace, "name": name})
    lineage_products_sync(product_ids=[port.product_id])


@transaction.atomic
def lineage_rebuild() -> int:
    """Recompute everything derived (port links, column edges, product edges) from stored facts."""
    from catalog.models import DataProduct
    from lineage.services.ingestion import column_edges_rebuild

    for dataset in Dataset.objects.exclude(facets={}).iterator(chunk_size=500):
        if "columnLineage" in dataset.facets:
            column_edges_rebuild(dataset)
    ids = list(DataProduct.objects.values_list("pk", flat=True))
    lineage_products_sync(product_ids=ids)
    _usage_refresh(set(ids))  # usage counts are derived from the edges too
    return len(ids)
