"""Lineage data: datasets, jobs, runs and the edges between them (OpenLineage addressing)."""
from __future__ import annotations

from django.conf import settings
from django.db import models

from catalog.models import DataProduct, Domain, OutputPort


class Dataset(models.Model):
    """A dataset as OpenLineage names it (namespace + name), matched to an output port when known."""

    namespace = models.CharField(max_length=500)
    name = models.CharField(max_length=1000)
    port = models.ForeignKey(
        OutputPort, null=True, blank=True, on_delete=models.SET_NULL, related_name="lineage_datasets"
    )
    # Denormalised from port.product so graph queries stay single-table joins.
    product = models.ForeignKey(
        DataProduct, null=True, blank=True, on_delete=models.SET_NULL, related_name="lineage_datasets"
    )
    facets = models.JSONField(default=dict, blank=True)
    # key -> [eventTime, digest]: which event last set (or deleted) each facet; makes merges order-free.
    facet_stamps = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["namespace", "name"], name="uniq_lineage_dataset")]
        indexes = [models.Index(fields=["product"])]

    def __str__(self) -> str:
        return self.address

    @property
    def address(self) -> str:
        return f"{self.namespace}:{self.name}"


class DatasetPortMapping(models.Model):
    """An explicit dataset address for an output port, for names the automatic rules can't derive."""

    port = models.OneToOneField(OutputPort, on_delete=models.CASCADE, related_name="lineage_mapping")
    namespace = models.CharField(max_length=500)
    name = models.CharField(max_length=1000)

    class Meta:
        indexes = [models.Index(fields=["namespace", "name"], name="lineage_mapping_address")]

    def __str__(self) -> str:
        return f"{self.port} = {self.namespace}:{self.name}"


class Job(models.Model):
    namespace = models.CharField(max_length=500)
    name = models.CharField(max_length=1000)
    facets = models.JSONField(default=dict, blank=True)
    facet_stamps = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["namespace", "name"], name="uniq_lineage_job")]

    def __str__(self) -> str:
        return f"{self.namespace}:{self.name}"


class Run(models.Model):
    """One run of a job; its state is decided by its events, whatever order they arrive in."""

    run_id = models.UUIDField(unique=True)
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="runs")
    state = models.CharField(max_length=16, blank=True)
    state_time = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    facets = models.JSONField(default=dict, blank=True)
    facet_stamps = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return str(self.run_id)


class DatasetEdge(models.Model):
    """``source`` is read by ``job`` to write ``target``; the job is null for column-implied edges."""

    source = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="downstream_edges")
    target = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="upstream_edges")
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.CASCADE, related_name="edges")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "job"], name="uniq_dataset_edge"),
            models.UniqueConstraint(
                fields=["source", "target"], condition=models.Q(job=None), name="uniq_dataset_edge_nojob"
            ),
        ]
        # Both directions are walked by the recursive queries; each needs its covering index.
        indexes = [models.Index(fields=["target", "source"], name="lineage_edge_target_src")]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"


class ColumnEdge(models.Model):
    """One output column derived from one input column (OpenLineage ``columnLineage``)."""

    source = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="+")
    source_field = models.CharField(max_length=300)
    target = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="column_edges_in")
    target_field = models.CharField(max_length=300)
    transformations = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_field", "target", "target_field"], name="uniq_column_edge"
            )
        ]
        indexes = [
            models.Index(fields=["source", "source_field"], name="lineage_coledge_src"),
            models.Index(fields=["target", "target_field"], name="lineage_coledge_tgt"),
        ]

    def __str__(self) -> str:
        return f"{self.source}#{self.source_field} → {self.target}#{self.target_field}"


class ProductEdge(models.Model):
    """Derived: ``target`` depends on ``source`` (through datasets, a descriptor input port, or an access
    grant given for ``target``: the consumer product a request named)."""

    class Kind(models.TextChoices):
        LINEAGE = "lineage", "Observed lineage"
        INPUT_PORT = "input_port", "Declared input port"
        ACCESS_GRANT = "access_grant", "Granted use"

    source = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="lineage_out")
    target = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="lineage_in")
    kind = models.CharField(max_length=16, choices=Kind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "target", "kind"], name="uniq_product_edge")]
        indexes = [models.Index(fields=["target", "source"], name="lineage_pedge_target_src")]

    def __str__(self) -> str:
        return f"{self.source} → {self.target} ({self.kind})"


class QualityObservation(models.Model):
    """A ``dataQualityMetrics`` or ``dataQualityAssertions`` facet seen for a dataset in a run."""

    class Kind(models.TextChoices):
        METRICS = "dataQualityMetrics", "Metrics"
        ASSERTIONS = "dataQualityAssertions", "Assertions"

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="quality")
    port = models.ForeignKey(OutputPort, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    run = models.ForeignKey(Run, null=True, blank=True, on_delete=models.CASCADE, related_name="quality")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    observed_at = models.DateTimeField()
    payload = models.JSONField()
    # Why the report does not count (its producer may not write the product's domain); empty if it counts.
    ignored = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-observed_at"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "kind", "run", "observed_at"], name="uniq_quality_obs")
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.dataset} at {self.observed_at:%Y-%m-%d %H:%M}"


class LineageEvent(models.Model):
    """Every accepted event, as received; the digest makes re-sending a no-op."""

    digest = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=16)
    event_type = models.CharField(max_length=16, blank=True)
    event_time = models.DateTimeField()
    received = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField()
    # Who posted it first (a pipeline's account): a steward can trace what a producer reported.
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Graph(models.TextChoices):
        APPLIED = "applied", "in the graph"
        PENDING = "pending", "waiting for a worker"

    # Deferred ingestion (LINEAGE_GRAPH_DEFERRED) stores the event in the request and derives the graph in
    # a task: until then it is pending, with the poster's rights as they were when it was accepted.
    graph = models.CharField(max_length=8, choices=Graph.choices, default=Graph.APPLIED)
    producer_domains = models.JSONField(null=True, blank=True, help_text=(
        "Domain ids the poster could vouch for when the event was accepted; empty (null): platform-wide."))
    ignored = models.JSONField(default=list, blank=True, help_text="Trust facets kept but not applied, and why.")

    class Meta:
        ordering = ["-event_time"]
        indexes = [models.Index(fields=["id"], condition=models.Q(graph="pending"), name="lineage_event_pending")]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_type} {self.event_time:%Y-%m-%d %H:%M}"


class LineageProducer(models.Model):
    """Who may post OpenLineage events: a pipeline's account, for one domain or (no domain) platform-wide.

    Lineage itself (edges) from any producer is kept; what changes trust (reported quality,
    ownership, observed columns) counts only on datasets of products in the producer's domains.
    Stewards are platform-wide producers without a row.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lineage_producer")
    domain = models.ForeignKey(Domain, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="lineage_producers", help_text="Empty: every domain (platform-wide).")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "domain"], name="uniq_lineage_producer"),
            models.UniqueConstraint(fields=["user"], condition=models.Q(domain=None),
                                    name="uniq_lineage_producer_platform"),
        ]

    def __str__(self) -> str:
        return f"{self.user} for {self.domain.slug if self.domain_id else 'platform-wide'}"


class GraphVersion(models.Model):
    """When the dataset graph last changed: one row, written only by database triggers (migration 0002).

    Every statement inserting dataset edges adds one to ``additions``; updating or deleting edges, or
    renaming a dataset, draws a new random ``generation``. ``lineage.selectors.memory`` compares the
    pair with the copy of the graph it holds: equal, the copy is current; more additions, it loads the
    edges added since; another generation, it loads the graph again. On PostgreSQL the insert trigger
    runs before the statement's rows take their ids and holds this row until commit, so edge ids
    commit in order and "the edges added since" is simply ``id >`` the last one loaded.
    """

    additions = models.BigIntegerField(default=0)
    generation = models.CharField(max_length=40)

    def __str__(self) -> str:
        return f"{self.generation}+{self.additions}"
