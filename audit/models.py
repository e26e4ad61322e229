"""One table: ``AuditEvent``, append-only (database triggers refuse UPDATE and DELETE) and hash-chained."""
from __future__ import annotations

from django.db import models
from django.utils import timezone

GENESIS = "0" * 64  # the prev_hash of the first event


class AuditEvent(models.Model):
    """One recorded change. ``id`` orders the chain and is the feed's cursor (ids may skip, never repeat).

    ``hash`` is SHA-256 over the row's content and ``prev_hash``, the hash of the event before it
    (``audit.chain``): a row altered or removed behind the application's back breaks the chain,
    which ``manage.py audit_verify`` reports.
    """

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    # A plain label, never a foreign key (the log outlives users): "user:<id>", "token:<user id>",
    # "system", "task:<name>", "command:<name>"; ``actor_name`` keeps the username as it was.
    actor = models.CharField(max_length=120, db_index=True)
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)  # dotted: product.created, contract.changed …
    subject_type = models.CharField(max_length=32)
    subject_id = models.CharField(max_length=64)
    subject_label = models.CharField(max_length=200, blank=True, db_index=True)  # e.g. a product identifier
    domain = models.CharField(max_length=64, blank=True, db_index=True)  # the owning domain's slug, if any
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)  # {"diff": {"added", "changed", "removed"}, …}
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="audit_subject_idx"),
            # a domain owner's reading (their domain, often one action) newest first, without a sort
            models.Index(fields=["domain", "action", "id"], name="audit_domain_action_idx"),
            models.Index(fields=["actor_name"], name="audit_actor_name_idx"),  # ?actor= takes a username too
        ]
        # A chain cannot fork: two events naming the same predecessor are refused by the database.
        constraints = [models.UniqueConstraint(fields=["prev_hash"], name="audit_prev_hash_unique")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.subject_label or self.subject_id} by {self.actor}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Audit events are append-only: an event cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are append-only: an event cannot be deleted.")


class ProductVersion(models.Model):
    """One version of a product's descriptor (its ODPS document and the contracts its ports use).

    Derived from the catalog by ``audit.versions.versions_record`` in the transaction that changed
    the product, next to its audit event (``event_id``); outside the hash chain, never edited.
    ``product_id`` is a plain id, not a foreign key: audit imports no app, and history outlives
    a deleted product.
    """

    class Bump(models.TextChoices):
        INITIAL = "initial"
        MAJOR = "major"
        MINOR = "minor"
        PATCH = "patch"

    id = models.BigAutoField(primary_key=True)
    product_id = models.BigIntegerField(db_index=True)
    identifier = models.CharField(max_length=200)
    domain = models.CharField(max_length=64, blank=True)
    sequence = models.PositiveIntegerField()  # 1, 2, … per product
    snapshot_hash = models.CharField(max_length=64)
    snapshot = models.JSONField(default=dict)  # {"product": ODPS document, "contracts": {id: ODCS document}}
    diff = models.JSONField(default=dict, blank=True)  # audit.diff.diff(previous snapshot, snapshot)
    bump = models.CharField(max_length=8, choices=Bump.choices)
    description = models.TextField()  # "Removed column `email` from contract c-orders (breaking); …"
    summary = models.TextField()  # the same without column-level details, for who may not read them
    actor = models.CharField(max_length=120)
    actor_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    event_id = models.BigIntegerField(null=True, blank=True)  # the AuditEvent recorded with it

    class Meta:
        ordering = ["product_id", "-sequence"]
        constraints = [models.UniqueConstraint(fields=["product_id", "sequence"], name="audit_version_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.identifier} v{self.sequence} ({self.bump})"
