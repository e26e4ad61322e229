"""Provisioning state: one row per grant and port, the durable record of making a grant real and undoing it.

``not_started → provisioning → provisioned | failed``; when the grant ends,
``deprovisioning → deprovisioned | failed``. ``action`` says which way the row is going, so a
failure is retried in the right direction. The row is also the webhook's outbox: a delivery not
yet accepted (``accepted_at`` empty) whose ``next_attempt_at`` has passed is sent again by the
sweep, whatever happened to the worker that had it. Each step is written to the request's
append-only history (``AccessEvent``), not here.
"""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from catalog.models import OutputPort
from governance.access.models import AccessGrant


class Provisioning(models.Model):
    class State(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        PROVISIONING = "provisioning", "Provisioning"
        PROVISIONED = "provisioned", "Provisioned"
        DEPROVISIONING = "deprovisioning", "Deprovisioning"
        DEPROVISIONED = "deprovisioned", "Deprovisioned"
        FAILED = "failed", "Failed"

    class Action(models.TextChoices):
        PROVISION = "provision", "Provision"
        DEPROVISION = "deprovision", "Deprovision"

    grant = models.ForeignKey(AccessGrant, on_delete=models.CASCADE, related_name="provisionings")
    port = models.ForeignKey(OutputPort, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             help_text="Empty once the port is deleted; the target keeps what was granted.")
    provisioner = models.CharField(max_length=32, help_text="postgres, webhook or files.")
    target = models.JSONField(default=dict, help_text="What was (or is to be) provisioned, as given to the provisioner.")
    action = models.CharField(max_length=16, choices=Action.choices, default=Action.PROVISION)
    state = models.CharField(max_length=16, choices=State.choices, default=State.NOT_STARTED, db_index=True)
    reference = models.CharField(max_length=500, blank=True, help_text="The platform's reference for the access.")
    diagnostics = models.TextField(blank=True, help_text="What the platform said last, or why it failed.")
    attempts = models.PositiveIntegerField(default=0, help_text="Attempts at the current action.")
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    accepted_at = models.DateTimeField(null=True, blank=True, help_text="When the platform accepted the current action.")
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["grant", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "port"], condition=Q(port__isnull=False),
                                    name="provisioning_one_per_grant_port"),
        ]

    def __str__(self) -> str:
        return f"provisioning {self.pk} of grant {self.grant_id} ({self.provisioner}: {self.state})"

    @property
    def in_progress(self) -> bool:
        return self.state in (self.State.PROVISIONING, self.State.DEPROVISIONING)
