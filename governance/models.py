"""Governance data: quality runs, their check results, and the product quality scores."""
from __future__ import annotations

from django.db import models
from django.utils import timezone

from catalog.models import DataProduct, OutputPort


class QualityRun(models.Model):
    """One pass of a port's quality checks (all of them, or freshness only)."""

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Reason(models.TextChoices):
        PROFILED = "profiled", "After a profile"
        MANUAL = "manual", "Requested by an owner"
        FRESHNESS = "freshness", "Hourly freshness check"
        REPORTED = "reported", "Reported by a pipeline"

    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="quality_runs")
    port = models.ForeignKey(OutputPort, null=True, blank=True, on_delete=models.CASCADE, related_name="quality_runs")
    profile_run_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.RUNNING, db_index=True)
    reason = models.CharField(max_length=16, choices=Reason.choices, default=Reason.PROFILED)
    freshness_only = models.BooleanField(default=False)
    started = models.DateTimeField(default=timezone.now, db_index=True)
    finished = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started", "-pk"]

    def __str__(self) -> str:
        return f"{self.product.identifier} quality run {self.pk} ({self.state})"


class CheckResult(models.Model):
    """The outcome of one rule in one run: what was measured, what was expected, and why."""

    class Kind(models.TextChoices):
        LIBRARY = "library", "Library metric"
        SQL = "sql", "SQL"
        TEXT = "text", "Text"
        CUSTOM = "custom", "Custom"
        FRESHNESS = "freshness", "Freshness"
        SCHEMA = "schema", "Schema conformity"
        REPORTED = "reported", "Reported by a pipeline (OpenLineage)"

    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="checks")
    name = models.CharField(max_length=300)
    rule_kind = models.CharField(max_length=16, choices=Kind.choices)
    metric = models.CharField(max_length=50, blank=True)
    dimension = models.CharField(max_length=32, db_index=True)
    severity = models.CharField(max_length=16, default="warning")
    column = models.CharField(max_length=200, blank=True)
    measured = models.FloatField(null=True, blank=True)
    expected = models.JSONField(default=dict, blank=True, help_text="{operator: value} as in the contract.")
    unit = models.CharField(max_length=16, blank=True)
    rows_checked = models.BigIntegerField(null=True, blank=True)
    rows_failed = models.BigIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True, help_text="Empty when the rule was not evaluated or errored.")
    error = models.TextField(blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "pk"]

    def __str__(self) -> str:
        state = {True: "passed", False: "failed", None: "not evaluated"}[self.passed]
        return f"{self.name}: {state}"


class QualityScore(models.Model):
    """A product's quality score at one moment; all rows of a product are its history."""

    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="quality_scores")
    computed_at = models.DateTimeField(default=timezone.now, db_index=True)
    score = models.FloatField(help_text="0–100.")
    dimensions = models.JSONField(default=dict, help_text="{dimension: 0–100}.")
    breakdown = models.JSONField(default=dict, help_text="Explanations and metadata items.")

    class Meta:
        ordering = ["-computed_at", "-pk"]
        get_latest_by = ["computed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.product.identifier} {self.score:.0f} at {self.computed_at:%Y-%m-%d %H:%M}"

# Access requests and grants live in their own package; imported here so Django registers them.
from governance.access.models import AccessEvent, AccessGrant, AccessRequest  # noqa: E402, F401
from governance.access.provisioning.models import Provisioning  # noqa: E402, F401
from governance.policies.models import ComplianceDaily, Policy, PolicyEvaluation, PolicyException  # noqa: E402, F401
