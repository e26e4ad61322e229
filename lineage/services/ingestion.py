"""OpenLineage ingestion: validate, store each event once, merge it into the graph.

Embedded (``LINEAGE_GRAPH_DEFERRED`` off, the default without workers) the graph is derived in the
request's transaction. Deferred, the request validates the event and stores it as sent, ``pending``,
with the poster's rights at that moment; after commit a task (``lineage_events_apply``) derives the
graph from every pending event in batches, one applier at a time, so one event per request costs a
few queries and the graph follows within a second or so (the answer says which: 201 applied, 202 pending).

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

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.utils import timezone

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
    pending: bool = False  # stored, the graph still to be derived by a worker

    @property
    def created(self) -> int:
        return sum(r.created for r in self.results)


SUBJECT = Subject("lineage", "openlineage", "OpenLineage ingestion")
APPLY_BATCH = 500  # pending events a worker derives in one transaction


def _digest(event: dict) -> str:
    return hashlib.sha256(json.dumps(event, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def deferred() -> bool:
    """Whether requests leave the graph to a worker (``LINEAGE_GRAPH_DEFERRED``)."""
    return bool(getattr(settings, "LINEAGE_GRAPH_DEFERRED", False))


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
    if deferred():
        done = Ingested(batch.accept(), [], pending=True)
        if done.created:
            _summary_record(batch, done, posted_by)
            transaction.on_commit(_apply_later, robust=True)  # a broker away: the beat sweep applies it
        return done
    done = Ingested(batch.apply(), batch.ignored)
    if done.created:
        _summary_record(batch, done, posted_by)
    return done


QUEUED_KEY = "lineage:apply-queued"


def _apply_later() -> None:
    """Queue the applier, unless one is queued and not yet started (it clears the mark before it looks,
    so it will see this event): under load most requests send no task. The mark lives in the shared
    ``throttle`` cache (Redis at scale); a process-local cache could not be cleared by the worker."""
    from lineage.tasks import lineage_events_apply_task

    shared = "throttle" in settings.CACHES and "redis" in settings.CACHES["throttle"]["BACKEND"].lower()
    if shared and not caches["throttle"].add(QUEUED_KEY, 1, timeout=QUEUED_TTL):
        return
    lineage_events_apply_task.delay()


def apply_queued_clear() -> None:
    """The applier starts: requests from now on queue another one (see ``_apply_later``)."""
    if "throttle" in settings.CACHES:
        caches["throttle"].delete(QUEUED_KEY)


QUEUED_TTL = 60  # a queued task lost with its broker: requests queue a new one after this (and beat sweeps)


def _summary_record(batch: _Batch, done: Ingested, posted_by) -> None:
    """One audit event per ingestion that stored something: how many events, for which jobs and products
    (deferred: the products are known once the graph is derived, and recorded then, see ``lineage_events_apply``)."""
    kinds: dict[str, int] = {}
    created = {r.digest for r in done.results if r.created}
    for digest, event in zip(batch.digests, batch.events, strict=True):
        if digest in created:
            kinds[event_kind(event)] = kinds.get(event_kind(event), 0) + 1
    if done.pending:
        jobs = sorted({f"{e['job']['namespace']}/{e['job']['name']}" for e in batch.events if "job" in e})
        record(action="lineage.ingested", actor=posted_by, subject=SUBJECT,
               data={"events": len(batch.events), "new": done.created, "kinds": kinds, "jobs": jobs[:50],
                     "graph": "pending"})
        return
    jobs = sorted(f"{namespace}/{name}" for namespace, name in batch.jobs)
    record(action="lineage.ingested", actor=posted_by, subject=SUBJECT,
           data={"events": len(batch.events), "new": done.created, "kinds": kinds, "jobs": jobs[:50],
                 "products": _products(batch), "ignored_facets": len(done.ignored)})


def _products(batch: _Batch) -> list[str]:
    product_ids = {d.product_id for d in batch.datasets.values() if d is not None and d.product_id}
    return sorted(DataProduct.objects.filter(pk__in=product_ids).order_by().values_list("identifier", flat=True))[:50]


def lineage_events_apply(*, limit: int = APPLY_BATCH) -> int | None:
    """Derive the graph from up to ``limit`` pending events, oldest first, in one transaction; returns how
    many (0: none left), or None when another worker is applying (one applier at a time: merges read and
    write the same datasets, and the events' order does not matter to the graph they end in)."""
    with transaction.atomic():
        if not _applier_lock():
            return None
        pending = list(LineageEvent.objects.filter(graph=LineageEvent.Graph.PENDING).order_by("id")[:limit])
        if not pending:
            return 0
        groups: dict[tuple, list[LineageEvent]] = {}
        for row in pending:  # one batch per poster and rights: the trust checks are the poster's
            key = (row.posted_by_id, tuple(row.producer_domains) if row.producer_domains is not None else None)
            groups.setdefault(key, []).append(row)
        ignored = 0
        names: set[str] = set()
        for (_, domains), rows in groups.items():
            producer = PLATFORM if domains is None else Producer(domain_ids=frozenset(domains))
            batch = _Batch([r.payload for r in rows], producer=producer, posted_by=rows[0].posted_by_id)
            batch.derive({r.digest: r.payload for r in rows})
            for row in rows:
                row.ignored = batch.ignored_by.get(row.digest, [])
                ignored += len(row.ignored)
            names.update(_products(batch))
        LineageEvent.objects.filter(pk__in=[r.pk for r in pending]).update(graph=LineageEvent.Graph.APPLIED)
        for row in pending:
            if row.ignored:
                LineageEvent.objects.filter(pk=row.pk).update(ignored=row.ignored)
        record(action="lineage.applied", actor=None, subject=SUBJECT,
               data={"events": len(pending), "products": sorted(names)[:50], "ignored_facets": ignored})
        return len(pending)


def _applier_lock() -> bool:
    """PostgreSQL: a transaction-scoped advisory lock, not waited for. SQLite serialises writers itself,
    but a transaction's reads may predate another's commit: its write lock is taken at once instead."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [APPLIER_LOCK])
            return cursor.fetchone()[0]
        # An empty write takes SQLite's database lock for the rest of the transaction (busy: it waits).
        cursor.execute("UPDATE lineage_lineageevent SET graph = graph WHERE 0")
        return True


APPLIER_LOCK = 0x4C494E45  # "LINE"


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
        self.producer, self.prefix = producer, prefix
        self.posted_by_id = getattr(posted_by, "pk", posted_by)
        self.ignored: list[IgnoredFacet] = []
        self.ignored_by: dict[str, list[dict]] = {}  # digest -> its ignored facets, paths from the event's root
        self.current: tuple[str, str] = ("", "")  # the event being merged: its digest and its path prefix
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
        """Store the new events and derive the graph from them (the embedded path)."""
        fresh = self._store()
        self.derive(fresh)
        for digest, facets in self.ignored_by.items():
            LineageEvent.objects.filter(digest=digest).update(ignored=facets)
        return self._results(fresh)

    def accept(self) -> list[IngestResult]:
        """Store the new events, pending: a worker derives the graph (the deferred path). One statement:
        this is the whole of a deferred request's own work, and re-sent events are skipped by the insert."""
        rows, fresh = {}, {}
        for digest, event in zip(self.digests, self.events, strict=True):
            rows.setdefault(digest, event)
        if rows:
            ops, now = connection.ops, timezone.now()
            domains = "null" if self.producer.platform else json.dumps(sorted(self.producer.domain_ids))
            jsonb = "::jsonb" if connection.vendor == "postgresql" else ""
            values = ", ".join([f"(%s, %s, %s, %s, %s, %s{jsonb}, %s, %s, %s{jsonb}, %s{jsonb})"] * len(rows))
            params = [p for d, e in rows.items() for p in (
                d, event_kind(e), e.get("eventType") or "", ops.adapt_datetimefield_value(parse_time(e["eventTime"])),
                ops.adapt_datetimefield_value(now), json.dumps(e), self.posted_by_id, LineageEvent.Graph.PENDING,
                domains, "[]")]
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO lineage_lineageevent (digest, kind, event_type, event_time, received, payload, "  # noqa: S608
                    f"posted_by_id, graph, producer_domains, ignored) VALUES {values} "
                    "ON CONFLICT (digest) DO NOTHING RETURNING digest", params)
                created = {row[0] for row in cursor.fetchall()}
            fresh = {d: e for d, e in rows.items() if d in created}
        return self._results(fresh)

    def _results(self, fresh: dict) -> list[IngestResult]:
        return [IngestResult(d, created=d in fresh and not self._repeat(d, i)) for i, d in enumerate(self.digests)]

    def _store(self) -> dict[str, dict]:
        seen = set(LineageEvent.objects.filter(digest__in=self.digests).values_list("digest", flat=True))
        fresh = {}
        for digest, event in zip(self.digests, self.events, strict=True):
            if digest not in seen and digest not in fresh:
                fresh[digest] = event
        domains = None if self.producer.platform else sorted(self.producer.domain_ids)
        LineageEvent.objects.bulk_create([
            LineageEvent(digest=d, kind=event_kind(e), event_type=e.get("eventType") or "",
                         event_time=parse_time(e["eventTime"]), payload=e, posted_by_id=self.posted_by_id,
                         producer_domains=domains)
            for d, e in fresh.items()
        ])
        return fresh

    def derive(self, fresh: dict[str, dict]) -> None:
        """Merge these events (digest: event) into the graph."""
        self._prefetch(fresh.values())
        position = {d: i for i, d in reversed(list(enumerate(self.digests)))}
        for digest, event in fresh.items():
            self._event(event, digest, f"[{position[digest]}]" if self.prefix else "")
        self._finish()

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
        self.current = (digest, at)
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
        found = [IgnoredFacet(f"{path}.{key}", dataset.address, product, reason) for key in facets if key in TRUSTED_FACETS]
        self.ignored += found
        digest, at = self.current
        if digest:
            self.ignored_by.setdefault(digest, []).extend(
                {**i.as_dict(), "path": i.path.removeprefix(at).lstrip(".")} for i in found)
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
