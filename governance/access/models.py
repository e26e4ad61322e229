"""Access requests, their append-only history, and the grants an approval creates.

A request asks for one output port of a product (or all of them, ``port`` empty), for the
requester alone or for a consumer product of the requester's domain (then its team shares the
grant). Its decision is ``pending → approved | denied | cancelled``; an approval (or an instant
grant of a product the requester may already read) creates one ``AccessGrant``,
``active → expired | revoked``. Renewals are new requests, never edits of old rows. Every step
is an ``AccessEvent`` row that is written once and never changed.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import DataProduct, OutputPort


class AccessRequest(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DENIED = "denied", "Denied"
        CANCELLED = "cancelled", "Cancelled"

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_requests")
    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="access_requests")
    port = models.ForeignKey(OutputPort, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="access_requests", help_text="Empty: all the product's ports.")
    consumer_product = models.ForeignKey(
        DataProduct, null=True, blank=True, on_delete=models.SET_NULL, related_name="consumer_access_requests",
        help_text="The requester's domain's product the data is for; empty: the requester alone.")
    purpose = models.TextField()
    duration_days = models.PositiveIntegerField(help_text="Requested duration of the grant, in days.")
    role = models.CharField(max_length=200, blank=True, help_text="The ODCS role asked for, when the contract has roles.")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING, db_index=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="access_decisions")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            # One open request for the same thing; Coalesce so "all ports" / "for me" compare equal.
            models.UniqueConstraint(
                "requester", "product", Coalesce("port", 0), Coalesce("consumer_product", 0),
                condition=Q(state="pending"), name="access_request_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"access request {self.pk} by {self.requester} for {self.product.identifier} ({self.state})"


class AccessGrant(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    request = models.ForeignKey(AccessRequest, on_delete=models.CASCADE, related_name="grants")
    product = models.ForeignKey(DataProduct, on_delete=models.CASCADE, related_name="access_grants")
    port = models.ForeignKey(OutputPort, null=True, blank=True, on_delete=models.CASCADE, related_name="access_grants")
    grantee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_grants")
    consumer_product = models.ForeignKey(DataProduct, null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="consumer_access_grants")
    role = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)
    valid_from = models.DateTimeField(default=timezone.now)
    valid_until = models.DateTimeField(null=True, blank=True, db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When it expired or was revoked.")
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="access_revocations")
    revoke_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-valid_from", "-pk"]
        indexes = [
            models.Index(fields=["grantee", "state"], name="access_grant_grantee_state"),
            models.Index(fields=["consumer_product", "state"], name="access_grant_consumer_state"),
            models.Index(fields=["product", "state"], name="access_grant_product_state"),
        ]

    def __str__(self) -> str:
        return f"access grant {self.pk} to {self.grantee} on {self.product.identifier} ({self.state})"


class AccessEvent(models.Model):
    """One step of a request's life, written once: the history is never edited or deleted by Meshport."""

    class Kind(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        DENIED = "denied", "Denied"
        CANCELLED = "cancelled", "Cancelled"
        GRANTED = "granted", "Granted"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"
        PROVISIONING = "provisioning", "Provisioning"
        PROVISIONED = "provisioned", "Provisioned"
        PROVISIONING_FAILED = "provisioning_failed", "Provisioning failed"
        DEPROVISIONING = "deprovisioning", "Deprovisioning"
        DEPROVISIONED = "deprovisioned", "Deprovisioned"
        DEPROVISIONING_FAILED = "deprovisioning_failed", "Deprovisioning failed"
        EXPIRY_NOTICE = "expiry_notice", "Told it ends soon"

    request = models.ForeignKey(AccessRequest, on_delete=models.CASCADE, related_name="history")
    grant = models.ForeignKey(AccessGrant, null=True, blank=True, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", help_text="Empty: Meshport itself (expiry, provisioning).")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("An access history row is written once and never changed.")
        super().save(*args, **kwargs)
