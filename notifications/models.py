"""Subscriptions, webhooks, and notifications: one row per event, recipient and channel (the outbox and the inbox).

A ``Notification`` is written in the transaction of the audit event it tells of; its ``key``
(event, recipient, channel, webhook) is unique, so the same event is never queued twice for the
same person on the same channel. Delivery moves it ``pending → sending → delivered`` (or
``failed``); the in-app inbox is delivered when written, e-mail in digest mode waits for the
daily digest. Each webhook attempt leaves a ``Delivery`` row with the status code it got.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from catalog.models import DataProduct, Domain


class Kind(models.TextChoices):
    """What a subscriber may choose to hear about."""

    BREAKING = "breaking_change", "Breaking contract change"
    ANY = "any_change", "Any change"
    QUALITY = "quality_drop", "Quality drop"
    FRESHNESS = "freshness_breach", "Freshness breach"
    DEPRECATION = "deprecation", "Deprecation or retirement"
    ACCESS = "access_decision", "Access requests and decisions"
    POLICY = "policy_failure", "Policy failure"
    UPSTREAM = "upstream_incident", "Upstream incident"
    NOTICE = "notice", "Notice about your settings"  # not chosen: e.g. "your webhook was disabled"


SUBSCRIBABLE = [k for k in Kind.values if k != Kind.NOTICE]


class Channel(models.TextChoices):
    INBOX = "inbox", "In-app inbox"
    EMAIL = "email", "E-mail"
    WEBHOOK = "webhook", "Webhook"


class Webhook(models.Model):
    """A URL a user's notifications are POSTed to, as signed CloudEvents."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_webhooks")
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=128, help_text="HMAC-SHA256 key of the X-Meshport-Signature header.")
    active = models.BooleanField(default=True)
    failures = models.PositiveIntegerField(default=0, help_text="Failed attempts in a row (reset by a success).")
    disabled_reason = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["owner_id", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"


class Subscription(models.Model):
    """A user follows a product, a domain, or their own products (``mine``), for some kinds, on one channel.

    Owners follow their products without a row (``notifications.recipients.DEFAULT_MINE``); a
    ``mine`` row replaces that default for its channel (an empty ``kinds`` mutes it).
    """

    class Target(models.TextChoices):
        PRODUCT = "product", "A product"
        DOMAIN = "domain", "A domain"
        MINE = "mine", "My own products"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions")
    target = models.CharField(max_length=8, choices=Target.choices)
    product = models.ForeignKey(DataProduct, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions")
    domain = models.ForeignKey(Domain, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions")
    kinds = models.JSONField(default=list, help_text="Kind values, e.g. [\"breaking_change\", \"upstream_incident\"].")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.INBOX)
    webhook = models.ForeignKey(Webhook, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions")
    digest = models.BooleanField(default=False, help_text="E-mail only: one message a day instead of one per event.")
    quality_below = models.FloatField(null=True, blank=True, help_text="Quality drop: tell when the score falls below this.")
    quality_drop_points = models.FloatField(null=True, blank=True, help_text="Quality drop: tell when it falls by this many points.")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user_id", "target", "pk"]
        constraints = [
            models.CheckConstraint(name="notify_sub_target", condition=(
                Q(target="product", product__isnull=False, domain__isnull=True)
                | Q(target="domain", domain__isnull=False, product__isnull=True)
                | Q(target="mine", product__isnull=True, domain__isnull=True))),
            models.CheckConstraint(name="notify_sub_webhook", condition=(
                Q(channel="webhook", webhook__isnull=False) | (~Q(channel="webhook") & Q(webhook__isnull=True)))),
        ]

    def __str__(self) -> str:
        about = self.product or self.domain or "my products"
        return f"{self.user} follows {about} ({self.channel})"

    @property
    def kind_labels(self) -> list[str]:
        return [Kind(k).label for k in self.kinds if k in Kind.values]


class Notification(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        DIGEST = "digest", "Waiting for the daily digest"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    key = models.CharField(max_length=120, unique=True, help_text="event:recipient:channel:webhook — sent once.")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    webhook = models.ForeignKey(Webhook, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications")
    event_id = models.BigIntegerField(null=True, blank=True, db_index=True, help_text="The audit event told of.")
    action = models.CharField(max_length=64)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    product = models.ForeignKey(DataProduct, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                help_text="What happened to (the cause).")
    affected = models.ForeignKey(DataProduct, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 help_text="Upstream incidents: the recipient's product downstream of the cause.")
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    path = models.JSONField(default=list, blank=True, help_text="Incidents: product identifiers from the cause to the affected.")
    created = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True,
                                           help_text="Pending: when due; sending: the lease of the worker on it.")
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["recipient", "channel", "read_at"], name="notify_inbox_idx")]

    def __str__(self) -> str:
        return f"{self.title} → {self.recipient} ({self.channel})"


class Delivery(models.Model):
    """One attempt to POST a notification to a webhook: what it answered."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    attempt = models.PositiveIntegerField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    accepted = models.BooleanField(default=False)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"attempt {self.attempt} of notification {self.notification_id}: {self.status_code or self.error[:40]}"
