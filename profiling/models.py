"""Profile runs of output ports, per-column statistics and PII suggestions (with history)."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class ProfileRun(models.Model):
    """One profile of one output port: its state, and when it succeeded, its statistics."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        CHANGE = "change", "Product changed"
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Requested by a user"

    port = models.ForeignKey("catalog.OutputPort", on_delete=models.CASCADE, related_name="profile_runs")
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED, db_index=True)
    reason = models.TextField(blank=True, help_text="Why the run failed, in words a person can act on.")
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.CHANGE)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True, help_text="Last sign of life of the worker.")
    task_id = models.CharField(max_length=64, blank=True, db_index=True)
    attempt = models.PositiveIntegerField(default=0)
    engine = models.CharField(max_length=32, blank=True)
    row_count = models.BigIntegerField(null=True, blank=True)
    source_bytes = models.BigIntegerField(null=True, blank=True)
    source_modified = models.DateTimeField(null=True, blank=True, help_text="The file's mtime when profiled.")
    drift = models.JSONField(default=dict, blank=True, help_text="Columns added, missing, changed vs contract.")
    is_latest_good = models.BooleanField(default=False, db_index=True)

    class Meta:
        db_table = "catalog_profilerun"  # the table kept its name when the model left catalog
        ordering = ["-created", "-pk"]
        get_latest_by = "created"
        constraints = [
            # The database, not a Redis lock, keeps two profiles of one port from running at once.
            models.UniqueConstraint(
                fields=["port"], condition=Q(state="running"), name="one_running_profile_per_port"
            ),
            models.UniqueConstraint(fields=["port"], condition=Q(is_latest_good=True), name="one_latest_good_profile"),
        ]

    def __str__(self) -> str:
        return f"profile #{self.pk} of {self.port_id} ({self.state})"

    @property
    def duration_seconds(self) -> float | None:
        if self.started and self.finished:
            return (self.finished - self.started).total_seconds()
        return None


class ColumnProfile(models.Model):
    """Statistics of one column in one run. ``stats`` never holds raw values of masked columns."""

    run = models.ForeignKey(ProfileRun, on_delete=models.CASCADE, related_name="columns")
    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    data_type = models.CharField(max_length=100, help_text="The type as read (DuckDB).")
    semantic_type = models.CharField(max_length=32, blank=True)
    is_approximate = models.BooleanField(default=False, help_text="Distinct count and quartiles are estimates.")
    masked = models.BooleanField(default=False, help_text="Values hidden: PII or restricted.")
    stats = models.JSONField(default=dict)

    class Meta:
        db_table = "catalog_columnprofile"
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "name"], name="uniq_column_profile")]

    def __str__(self) -> str:
        return f"{self.name} in run {self.run_id}"


class PiiSuggestion(models.Model):
    """A column that looks like personal data, for the owner to confirm or reject."""

    class Kind(models.TextChoices):
        EMAIL = "email", "E-mail address"
        PHONE = "phone", "Phone number"
        IBAN = "iban", "IBAN"
        CARD = "card", "Payment card number"
        IP = "ip", "IP address"
        PERSON_NAME = "person_name", "Person name"
        BIRTH_DATE = "birth_date", "Birth date"
        ADDRESS = "address", "Postal address"
        NATIONAL_ID = "national_id", "National identifier"

    class Status(models.TextChoices):
        SUGGESTED = "suggested", "Suggested"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Rejected"

    port = models.ForeignKey("catalog.OutputPort", on_delete=models.CASCADE, related_name="pii_suggestions")
    column_name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    confidence = models.FloatField(help_text="0–1: share of sampled values that match, or a name-only guess.")
    evidence_count = models.PositiveIntegerField(default=0, help_text="Sampled values that matched.")
    sample_size = models.PositiveIntegerField(default=0)
    by_name = models.BooleanField(default=False, help_text="The column name suggests it.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUGGESTED, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    decided_at = models.DateTimeField(null=True, blank=True)
    run = models.ForeignKey(ProfileRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "catalog_piisuggestion"
        ordering = ["port", "column_name", "kind"]
        constraints = [models.UniqueConstraint(fields=["port", "column_name", "kind"], name="uniq_pii_suggestion")]
        verbose_name = "PII suggestion"
        verbose_name_plural = "PII suggestions"

    def __str__(self) -> str:
        return f"{self.column_name}: {self.get_kind_display()} ({self.status})"
