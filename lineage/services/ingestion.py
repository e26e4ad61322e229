"""OpenLineage ingestion: validate, store each event once, merge it into the graph, in one transaction.

A batch is read with few queries: its digests, datasets and jobs are fetched together up front,
and the derived work (product edges, observed schemas) runs once at the end.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass

from django.db import transaction

from lineage.models import ColumnEdge, Dataset, DatasetEdge, Job, LineageEvent, QualityObservation, Run
from lineage.openlineage import FieldError, event_kind, validate_event
from lineage.services.facets import make_stamp, merge_facets, merge_state, parse_time
from lineage.services.matching import match_port
from lineage.services.products import product_lineage_edges_refresh, products_upstream_of
from lineage.signals import quality_observed

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


def _digest(event: dict) -> str:
    return hashlib.sha256(json.dumps(event, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def lineage_event_ingest(*, event) -> IngestResult:
    """Store one RunEvent, JobEvent or DatasetEvent; re-sending it changes nothing."""
    return lineage_events_ingest(events=[event], prefix=False)[0]


@transaction.atomic
def lineage_events_ingest(*, events: list, prefix: bool = True) -> list[IngestResult]:
    """Store a batch: all of it or, if any event is malformed, none of it."""
    errors = [e for i, ev in enumerate(events) for e in validate_event(ev, prefix=f"[{i}]" if prefix else "")]
    if errors:
        raise LineageEventError(errors)
    return _Batch(events).apply()


def _addresses(event: dict) -> set[tuple[str, str]]:
    """Every dataset address an event mentions, column-lineage inputs included."""
    specs = [event["dataset"]] if "dataset" in event else [*(event.get("inputs") or []), *(event.get("outputs") or [])]
    found = {(s["namespace"], s["name"]) for s in specs}
    for spec in specs:
        facet = (spec.get("facets") or {}).get("columnLineage") or {}
        items = [i for f in (facet.get("fields") or {}).values() for i in f.get("inputFields") or []]
        found |= {(i["namespace"], i["name"]) for i in items + (facet.get("dataset") or [])}
    return found


class _Batch:
    def __init__(self, events: list[dict]):
        self.events = events
        self.digests = [_digest(e) for e in events]
        self.datasets: dict[tuple[str, str], Dataset] = {}
        self.prefetched: set[tuple[str, str]] = set()  # addresses looked up already, found or not
        self.jobs: dict[tuple[str, str], Job] = {}
        self.runs: dict[uuid.UUID, Run] = {}
        self.dirty_runs: set[uuid.UUID] = set()
        self.pairs: set[tuple[int, int, int | None]] = set()
        self.quality: list[tuple] = []
        self.edge_sources: set[int] = set()
        self.schema_datasets: set[int] = set()

    def apply(self) -> list[IngestResult]:
        seen = set(LineageEvent.objects.filter(digest__in=self.digests).values_list("digest", flat=True))
        fresh = {}
        for digest, event in zip(self.digests, self.events, strict=True):
            if digest not in seen and digest not in fresh:
                fresh[digest] = event
        self._prefetch(fresh.values())
        LineageEvent.objects.bulk_create([
            LineageEvent(digest=d, kind=event_kind(e), event_type=e.get("eventType") or "",
                         event_time=parse_time(e["eventTime"]), payload=e)
            for d, e in fresh.items()
        ])
        for digest, event in fresh.items():
            self._event(event, digest)
        self._finish()
        return [IngestResult(d, created=d in fresh and not self._repeat(d, i)) for i, d in enumerate(self.digests)]

    def _repeat(self, digest: str, index: int) -> bool:
        return digest in self.digests[:index]

    def _prefetch(self, events) -> None:
        wanted = set().union(*(_addresses(e) for e in events)) if events else set()
        if wanted:
            rows = Dataset.objects.filter(namespace__in={a for a, _ in wanted}, name__in={b for _, b in wanted})
            self.datasets = {(d.namespace, d.name): d for d in rows if (d.namespace, d.name) in wanted}
            self.prefetched = wanted
        jobs = {(e["job"]["namespace"], e["job"]["name"]) for e in events if "job" in e}
        if jobs:
            rows = Job.objects.filter(namespace__in={a for a, _ in jobs}, name__in={b for _, b in jobs})
            self.jobs = {(j.namespace, j.name): j for j in rows}
        runs = {uuid.UUID(e["run"]["runId"]) for e in events if "run" in e}
        if runs:
            self.runs = {r.run_id: r for r in Run.objects.filter(run_id__in=runs)}

    def _event(self, event: dict, digest: str) -> None:
        when = parse_time(event["eventTime"])
        stamp = make_stamp(when, digest)
        if "dataset" in event and "job" not in event:
            dataset = self._dataset(event["dataset"], stamp)
            self._quality(dataset, event["dataset"].get("facets"), None, when)
            return
        job = self._job(event["job"], stamp)
        run = self._run(event, job, when, stamp) if event_kind(event) == "run" else None
        specs_in, specs_out = event.get("inputs") or [], event.get("outputs") or []
        inputs = [self._dataset(d, stamp) for d in specs_in]
        outputs = [self._dataset(d, stamp) for d in specs_out]
        for spec, dataset in zip(specs_in + specs_out, inputs + outputs, strict=True):
            self._quality(dataset, spec.get("inputFacets"), run, when)
            self._quality(dataset, spec.get("facets"), run, when)
        self._edges(job, inputs, outputs)

    def _job(self, spec: dict, stamp) -> Job:
        key = (spec["namespace"], spec["name"])
        job = self.jobs.get(key)
        if job is None:
            job = self.jobs[key] = Job.objects.create(namespace=key[0], name=key[1])
        _, touched = merge_facets(job.facets, job.facet_stamps, spec.get("facets"), stamp)
        if touched:
            job.save(update_fields=["facets", "facet_stamps"])
        return job

    def address(self, namespace: str, name: str) -> Dataset:
        dataset = self.datasets.get((namespace, name))
        if dataset is None and (namespace, name) not in self.prefetched:  # a rebuild outside a batch: look first
            dataset = next(iter(Dataset.objects.filter(namespace=namespace, name=name)[:1]), None)
        if dataset is None:
            port = match_port(namespace, name)
            dataset = Dataset.objects.create(namespace=namespace, name=name, port=port,
                                             product_id=port and port.product_id)
        self.datasets[(namespace, name)] = dataset
        return dataset

    def _dataset(self, spec: dict, stamp) -> Dataset:
        dataset = self.address(spec["namespace"], spec["name"])
        changed, touched = merge_facets(dataset.facets, dataset.facet_stamps, spec.get("facets"), stamp)
        if touched:
            dataset.save(update_fields=["facets", "facet_stamps"])
        if "schema" in changed and dataset.port_id:
            self.schema_datasets.add(dataset.pk)
        if "columnLineage" in changed:
            self._column_edges_rebuild(dataset)
        column_lineage = (spec.get("facets") or {}).get("columnLineage")
        if column_lineage and not column_lineage.get("_deleted"):
            # Dataset edges implied by column lineage accumulate like any other edge, win or lose.
            self._edges(None, self._column_sources(column_lineage), [dataset])
        return dataset

    def _column_sources(self, facet: dict) -> list[Dataset]:
        items = [i for spec in (facet.get("fields") or {}).values() for i in spec.get("inputFields") or []]
        items += facet.get("dataset") or []
        return [self.address(ns, name) for ns, name in sorted({(i["namespace"], i["name"]) for i in items})]

    def _column_edges_rebuild(self, target: Dataset) -> None:
        """The target's column edges are whatever its current ``columnLineage`` facet says."""
        ColumnEdge.objects.filter(target=target).delete()
        facet = target.facets.get("columnLineage") or {}
        edges = {
            (self.address(item["namespace"], item["name"]).pk, item["field"], out_field):
                item.get("transformations") or []
            for out_field, spec in (facet.get("fields") or {}).items()
            for item in spec.get("inputFields") or []
        }
        ColumnEdge.objects.bulk_create([
            ColumnEdge(source_id=s, source_field=f, target=target, target_field=o, transformations=t)
            for (s, f, o), t in edges.items()
        ])

    def _edges(self, job: Job | None, inputs: list[Dataset], outputs: list[Dataset]) -> None:
        self.pairs |= {(i.pk, o.pk, job and job.pk) for i in inputs for o in outputs if i.pk != o.pk}

    def _run(self, event: dict, job: Job, when, stamp) -> Run:
        run_id = uuid.UUID(event["run"]["runId"])
        run = self.runs.setdefault(run_id, Run(run_id=run_id, job=job))
        changed = merge_state(run, event.get("eventType") or "OTHER", when)
        _, touched = merge_facets(run.facets, run.facet_stamps, event["run"].get("facets"), stamp)
        if run.pk is None or changed or touched:
            self.dirty_runs.add(run_id)
        return run

    def _quality(self, dataset: Dataset, facets: dict | None, run: Run | None, when) -> None:
        for kind in QUALITY_FACETS:
            payload = (facets or {}).get(kind)
            if payload and not payload.get("_deleted"):
                self.quality.append((dataset, kind, run, when, payload))

    def _flush(self) -> None:
        """Write what the events gathered: runs, edges and quality observations, a query or two each."""
        dirty = [self.runs[r] for r in self.dirty_runs]
        known = [r for r in dirty if r.pk is not None]
        Run.objects.bulk_create([r for r in dirty if r.pk is None])
        fields = ["state", "state_time", "started_at", "ended_at", "facets", "facet_stamps"]
        if len(known) == 1:  # the usual single event: a plain UPDATE is far cheaper than bulk_update's CASE
            known[0].save(update_fields=fields)
        elif known:
            Run.objects.bulk_update(known, fields)
        if self.pairs:
            known = set(DatasetEdge.objects.filter(
                source_id__in={s for s, _, _ in self.pairs}, target_id__in={t for _, t, _ in self.pairs}
            ).values_list("source_id", "target_id", "job_id"))
            new = self.pairs - known
            DatasetEdge.objects.bulk_create([DatasetEdge(source_id=s, target_id=t, job_id=j) for s, t, j in new])
            self.edge_sources |= {s for s, _, _ in new}
        QualityObservation.objects.bulk_create([
            QualityObservation(dataset=d, kind=k, run=r, observed_at=w, port_id=d.port_id, payload=p)
            for d, k, r, w, p in self.quality
        ], ignore_conflicts=True)

    def _finish(self) -> None:
        from catalog.services.schema import output_port_schema_observe

        self._flush()

        for dataset in Dataset.objects.filter(pk__in=self.schema_datasets).select_related("port__contract"):
            fields = [f for f in dataset.facets.get("schema", {}).get("fields") or [] if "name" in f]
            output_port_schema_observe(port=dataset.port, fields=fields, source=f"openlineage:{dataset.address}")
        if self.edge_sources:
            product_lineage_edges_refresh(product_ids=products_upstream_of(sorted(self.edge_sources)))
        ports = sorted({d.port_id for d, *_ in self.quality if d.port_id})
        if ports:
            transaction.on_commit(lambda: quality_observed.send(sender=QualityObservation, port_ids=ports))



def column_edges_rebuild(dataset: Dataset) -> None:
    """Re-derive one dataset's column edges from its stored ``columnLineage`` facet."""
    _Batch([])._column_edges_rebuild(dataset)
