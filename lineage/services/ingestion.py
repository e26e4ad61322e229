"""OpenLineage ingestion: validate, store each event once, merge it into the graph, in one transaction.

A batch is read with few queries: its digests, datasets and jobs are fetched together up front,
and the derived work (product edges, observed schemas) runs once at the end.

Every event is stored as sent, and its edges always count. Facets that change trust
(``producers.TRUSTED_FACETS``) count only where the producer may vouch for the dataset's product;
elsewhere they are left out of the dataset's facets, their quality reports are kept without a port
(governance scores ports' reports only), and the answer lists them with the reason.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass

from django.db import transaction

from audit.services import Subject, record
from catalog.models import DataProduct, Domain
from lineage.models import ColumnEdge, Dataset, DatasetEdge, Job, LineageEvent, QualityObservation, Run
from lineage.openlineage import FieldError, event_kind, validate_event
from lineage.selectors.producers import PLATFORM, TRUSTED_FACETS, Producer
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


@dataclass(frozen=True)
class IgnoredFacet:
    """A trust facet kept with its event but not applied: ``path`` in the request, and why."""

    path: str
    dataset: str
    product: str
    reason: str

    def as_dict(self) -> dict:
        return {"path": self.path, "dataset": self.dataset, "product": self.product, "reason": self.reason}


@dataclass
class Ingested:
    results: list[IngestResult]
    ignored: list[IgnoredFacet]

    @property
    def created(self) -> int:
        return sum(r.created for r in self.results)


def _digest(event: dict) -> str:
    return hashlib.sha256(json.dumps(event, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def lineage_event_ingest(*, event, producer: Producer, posted_by=None) -> Ingested:
    """Store one RunEvent, JobEvent or DatasetEvent; re-sending it changes nothing."""
    return lineage_events_ingest(events=[event], producer=producer, posted_by=posted_by, prefix=False)


@transaction.atomic
def lineage_events_ingest(*, events: list, producer: Producer, posted_by=None, prefix: bool = True) -> Ingested:
    """Store a batch from ``producer``: all of it or, if any event is malformed, none of it."""
    errors = [e for i, ev in enumerate(events) for e in validate_event(ev, prefix=f"[{i}]" if prefix else "")]
    if errors:
        raise LineageEventError(errors)
    batch = _Batch(events, producer=producer, posted_by=posted_by, prefix=prefix)
    done = Ingested(batch.apply(), batch.ignored)
    if done.created:
        _summary_record(batch, done, posted_by)
    return done


def _summary_record(batch: _Batch, done: Ingested, posted_by) -> None:
    """One audit event per ingestion that stored something: how many events, for which jobs and products."""
    kinds: dict[str, int] = {}
    for digest, event in zip(batch.digests, batch.events, strict=True):
        if any(r.digest == digest and r.created for r in done.results):
            kinds[event_kind(event)] = kinds.get(event_kind(event), 0) + 1
    jobs = sorted(f"{namespace}/{name}" for namespace, name in batch.jobs)
    product_ids = {d.product_id for d in batch.datasets.values() if d is not None and d.product_id}
    products = sorted(DataProduct.objects.filter(pk__in=product_ids).order_by().values_list("identifier", flat=True))
    record(action="lineage.ingested", actor=posted_by,
           subject=Subject("lineage", "openlineage", "OpenLineage ingestion"),
           data={"events": len(batch.events), "new": done.created, "kinds": kinds, "jobs": jobs[:50],
                 "products": products[:50], "ignored_facets": len(done.ignored)})


def _addresses(event: dict) -> set[tuple[str, str]]:
    """Every dataset address an event mentions, column-lineage inputs included."""
    specs = [event["dataset"]] if "dataset" in event else [*(event.get("inputs") or []), *(event.get("outputs") or [])]
    found = {(s["namespace"], s["name"]) for s in specs}
    for spec in specs:
        facet = (spec.get("facets") or {}).get("columnLineage") or {}
        items = [i for f in (facet.get("fields") or {}).values() for i in f.get("inputFields") or []]
        found |= {(i["namespace"], i["name"]) for i in items + (facet.get("dataset") or [])}
    return found


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _Batch:
    def __init__(self, events: list[dict], *, producer: Producer = PLATFORM, posted_by=None, prefix: bool = False):
        self.events = events
        self.producer, self.posted_by, self.prefix = producer, posted_by, prefix
        self.ignored: list[IgnoredFacet] = []
        self.products: dict[int, tuple[int, str, str]] = {}  # pk -> (domain id, identifier, domain slug)
        self.distrust: dict[int, str] = {}  # dataset pk -> why its trust facets do not count ("" if they do)
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
                         event_time=parse_time(e["eventTime"]), payload=e, posted_by=self.posted_by)
            for d, e in fresh.items()
        ])
        position = {d: i for i, d in reversed(list(enumerate(self.digests)))}
        for digest, event in fresh.items():
            self._event(event, digest, f"[{position[digest]}]" if self.prefix else "")
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

    def _event(self, event: dict, digest: str, at: str) -> None:
        when = parse_time(event["eventTime"])
        stamp = make_stamp(when, digest)
        if "dataset" in event and "job" not in event:
            dataset = self._dataset(event["dataset"], stamp, _at(at, "dataset"))
            self._quality(dataset, event["dataset"].get("facets"), None, when)
            return
        job = self._job(event["job"], stamp)
        run = self._run(event, job, when, stamp) if event_kind(event) == "run" else None
        specs = [(f"{_at(at, side)}[{i}]", spec) for side in ("inputs", "outputs")
                 for i, spec in enumerate(event.get(side) or [])]
        datasets = [self._dataset(spec, stamp, path) for path, spec in specs]
        for (path, spec), dataset in zip(specs, datasets, strict=True):
            self._screen(dataset, spec.get("inputFacets"), f"{path}.inputFacets")
            self._quality(dataset, spec.get("inputFacets"), run, when)
            self._quality(dataset, spec.get("facets"), run, when)
        count = len(event.get("inputs") or [])
        self._edges(job, datasets[:count], datasets[count:])

    def _distrusted(self, dataset: Dataset) -> str:
        """Why this producer's trust facets do not count on ``dataset`` ("" when they do)."""
        if self.producer.platform or dataset.product_id is None:
            return ""
        if dataset.pk not in self.distrust:
            if dataset.product_id not in self.products:
                self.products[dataset.product_id] = next(iter(DataProduct.objects.filter(
                    pk=dataset.product_id).values_list("domain_id", "identifier", "domain__slug")))
            domain_id, identifier, slug = self.products[dataset.product_id]
            self.distrust[dataset.pk] = "" if self.producer.may_vouch_for(domain_id) else (
                f"{identifier} belongs to the {slug} domain, and this producer writes lineage for "
                f"{self._own_domains()} only: kept with the event, it changes no quality score, owner or column.")
        return self.distrust[dataset.pk]

    def _own_domains(self) -> str:
        slugs = sorted(Domain.objects.filter(pk__in=self.producer.domain_ids).values_list("slug", flat=True))
        return ", ".join(slugs) or "no domain"

    def _screen(self, dataset: Dataset, facets: dict | None, path: str) -> dict:
        """The facets that count from this producer on ``dataset``; the trust facets that do not are noted."""
        reason = self._distrusted(dataset) if facets else ""
        if not reason:
            return facets or {}
        product = self.products[dataset.product_id][1]
        self.ignored += [IgnoredFacet(f"{path}.{key}", dataset.address, product, reason)
                         for key in facets if key in TRUSTED_FACETS]
        return {key: facet for key, facet in facets.items() if key not in TRUSTED_FACETS}

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

    def _dataset(self, spec: dict, stamp, path: str = "") -> Dataset:
        dataset = self.address(spec["namespace"], spec["name"])
        facets = self._screen(dataset, spec.get("facets"), f"{path}.facets")
        changed, touched = merge_facets(dataset.facets, dataset.facet_stamps, facets, stamp)
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
        """Reports are all kept; one the producer may not vouch for has no port, so it scores nothing."""
        for kind in QUALITY_FACETS:
            payload = (facets or {}).get(kind)
            if payload and not payload.get("_deleted"):
                ignored = self._distrusted(dataset)
                self.quality.append((dataset, kind, run, when, payload, None if ignored else dataset.port_id, ignored))

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
            QualityObservation(dataset=d, kind=k, run=r, observed_at=w, port_id=port, payload=p, ignored=why[:300])
            for d, k, r, w, p, port, why in self.quality
        ], ignore_conflicts=True)

    def _finish(self) -> None:
        from profiling.observed import output_port_schema_observe

        self._flush()

        for dataset in Dataset.objects.filter(pk__in=self.schema_datasets).select_related("port__contract"):
            fields = [f for f in dataset.facets.get("schema", {}).get("fields") or [] if "name" in f]
            output_port_schema_observe(port=dataset.port, fields=fields, source=f"openlineage:{dataset.address}")
        if self.edge_sources:
            product_lineage_edges_refresh(product_ids=products_upstream_of(sorted(self.edge_sources)))
        ports = sorted({port for *_, port, _ in self.quality if port})
        if ports:
            transaction.on_commit(lambda: quality_observed.send(sender=QualityObservation, port_ids=ports))


def column_edges_rebuild(dataset: Dataset) -> None:
    """Re-derive one dataset's column edges from its stored ``columnLineage`` facet."""
    _Batch([])._column_edges_rebuild(dataset)
