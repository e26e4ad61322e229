"""OpenLineage ingestion: validate, store the event once, merge it into the graph, in one transaction."""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field

from django.db import transaction

from lineage.models import ColumnEdge, Dataset, DatasetEdge, Job, LineageEvent, QualityObservation, Run
from lineage.openlineage import FieldError, event_kind, validate_event
from lineage.services.facets import make_stamp, merge_facets, merge_state, parse_time
from lineage.services.matching import match_port
from lineage.services.products import product_lineage_edges_refresh, products_upstream_of

QUALITY_FACETS = ("dataQualityMetrics", "dataQualityAssertions")


class LineageEventError(ValueError):
    """The event(s) do not follow the spec; ``errors`` name each field."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.path}: {e.message}" for e in errors))
        self.errors = errors


@dataclass
class IngestResult:
    digest: str
    created: bool


@dataclass
class _Pending:
    """Follow-up work gathered over a batch and done once at its end."""

    edge_sources: set[int] = field(default_factory=set)
    schema_datasets: set[int] = field(default_factory=set)


def _digest(event: dict) -> str:
    return hashlib.sha256(json.dumps(event, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@transaction.atomic
def lineage_event_ingest(*, event) -> IngestResult:
    """Store one RunEvent, JobEvent or DatasetEvent; re-sending it changes nothing."""
    return lineage_events_ingest(events=[event], prefix=False)[0]


@transaction.atomic
def lineage_events_ingest(*, events: list, prefix: bool = True) -> list[IngestResult]:
    """Store a batch: all of it or, if any event is malformed, none of it."""
    errors = [e for i, ev in enumerate(events) for e in validate_event(ev, prefix=f"[{i}]" if prefix else "")]
    if errors:
        raise LineageEventError(errors)
    pending = _Pending()
    results = [_apply(event, pending) for event in events]
    _finish(pending)
    return results


def _apply(event: dict, pending: _Pending) -> IngestResult:
    digest = _digest(event)
    if LineageEvent.objects.filter(digest=digest).exists():
        return IngestResult(digest, created=False)
    kind, when = event_kind(event), parse_time(event["eventTime"])
    LineageEvent.objects.create(
        digest=digest, kind=kind, event_type=event.get("eventType") or "", event_time=when, payload=event
    )
    stamp = make_stamp(when, digest)
    if kind == "dataset":
        dataset = _dataset(event["dataset"], stamp, pending)
        _quality(dataset, event["dataset"].get("facets"), None, when)
        return IngestResult(digest, created=True)
    job = _job(event["job"], stamp)
    run = _run(event, job, when, stamp) if kind == "run" else None
    inputs = [_dataset(d, stamp, pending) for d in event.get("inputs") or []]
    outputs = [_dataset(d, stamp, pending) for d in event.get("outputs") or []]
    for spec, dataset in zip([*(event.get("inputs") or []), *(event.get("outputs") or [])],
                             inputs + outputs, strict=True):
        _quality(dataset, spec.get("inputFacets"), run, when)
        _quality(dataset, spec.get("facets"), run, when)
    _edges(job, inputs, outputs, pending)
    return IngestResult(digest, created=True)


def _job(spec: dict, stamp) -> Job:
    job, _ = Job.objects.get_or_create(namespace=spec["namespace"], name=spec["name"])
    _, touched = merge_facets(job.facets, job.facet_stamps, spec.get("facets"), stamp)
    if touched:
        job.save(update_fields=["facets", "facet_stamps"])
    return job


def _run(event: dict, job: Job, when, stamp) -> Run:
    run, _ = Run.objects.get_or_create(run_id=uuid.UUID(event["run"]["runId"]), defaults={"job": job})
    changed = merge_state(run, event.get("eventType") or "OTHER", when)
    _, touched = merge_facets(run.facets, run.facet_stamps, event["run"].get("facets"), stamp)
    if changed or touched:
        run.save()
    return run


def _dataset(spec: dict, stamp, pending: _Pending) -> Dataset:
    dataset = _address(spec["namespace"], spec["name"])
    changed, touched = merge_facets(dataset.facets, dataset.facet_stamps, spec.get("facets"), stamp)
    if touched:
        dataset.save(update_fields=["facets", "facet_stamps"])
    if "schema" in changed and dataset.port_id:
        pending.schema_datasets.add(dataset.pk)
    if "columnLineage" in changed:
        _column_edges_rebuild(dataset)
    column_lineage = (spec.get("facets") or {}).get("columnLineage")
    if column_lineage and not column_lineage.get("_deleted"):
        # Dataset edges implied by column lineage accumulate like any other edge, win or lose.
        _edges(None, _column_sources(column_lineage), [dataset], pending)
    return dataset


def _edges(job: Job, inputs: list[Dataset], outputs: list[Dataset], pending: _Pending) -> None:
    pairs = {(i.pk, o.pk) for i in inputs for o in outputs if i.pk != o.pk}
    if not pairs:
        return
    known = set(
        DatasetEdge.objects.filter(job=job, source_id__in={s for s, _ in pairs}, target_id__in={t for _, t in pairs})
        .values_list("source_id", "target_id")
    )
    new = pairs - known
    DatasetEdge.objects.bulk_create([DatasetEdge(source_id=s, target_id=t, job=job) for s, t in new])
    pending.edge_sources |= {s for s, _ in new}


def _column_sources(facet: dict) -> list[Dataset]:
    items = [i for spec in (facet.get("fields") or {}).values() for i in spec.get("inputFields") or []]
    items += facet.get("dataset") or []
    return [_address(ns, name) for ns, name in sorted({(i["namespace"], i["name"]) for i in items})]


def _column_edges_rebuild(target: Dataset) -> None:
    """The target's column edges are whatever its current ``columnLineage`` facet says."""
    ColumnEdge.objects.filter(target=target).delete()
    facet = target.facets.get("columnLineage") or {}
    edges, sources = {}, {}
    for out_field, spec in (facet.get("fields") or {}).items():
        for item in spec.get("inputFields") or []:
            key = (item["namespace"], item["name"])
            if key not in sources:
                sources[key] = _address(*key)
            edges[(sources[key].pk, item["field"], out_field)] = item.get("transformations") or []
    ColumnEdge.objects.bulk_create([
        ColumnEdge(source_id=s, source_field=f, target=target, target_field=o, transformations=t)
        for (s, f, o), t in edges.items()
    ])


def _address(namespace: str, name: str) -> Dataset:
    dataset = Dataset.objects.filter(namespace=namespace, name=name).first()
    if dataset is None:
        port = match_port(namespace, name)
        dataset = Dataset.objects.create(namespace=namespace, name=name, port=port,
                                         product_id=port and port.product_id)
    return dataset


def _quality(dataset: Dataset, facets: dict | None, run: Run | None, when) -> None:
    for kind in QUALITY_FACETS:
        payload = (facets or {}).get(kind)
        if payload and not payload.get("_deleted"):
            QualityObservation.objects.get_or_create(
                dataset=dataset, kind=kind, run=run, observed_at=when,
                defaults={"port_id": dataset.port_id, "payload": payload},
            )


def _finish(pending: _Pending) -> None:
    from catalog.services.schema import output_port_schema_observe

    for dataset in Dataset.objects.filter(pk__in=pending.schema_datasets).select_related("port__contract"):
        fields = [f for f in dataset.facets.get("schema", {}).get("fields") or [] if "name" in f]
        output_port_schema_observe(port=dataset.port, fields=fields, source=f"openlineage:{dataset.address}")
    if pending.edge_sources:
        product_lineage_edges_refresh(product_ids=products_upstream_of(sorted(pending.edge_sources)))
