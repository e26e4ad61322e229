"""Reading the audit log: the events a reader may see, filtered."""
from __future__ import annotations

from django.db.models import Q, QuerySet

from audit.access import ALL, reader_scope
from audit.context import SYSTEM
from audit.models import AuditEvent, ProductVersion


def event_list(*, user, filters: dict | None = None) -> QuerySet[AuditEvent]:
    """Events in the reader's scope, filtered by ``subject``, ``actor``, ``action``, ``since``, ``until``.

    ``subject``: a label (``sales.orders``) or ``type:id`` (``product:12``); ``actor``: a label
    (``user:5``) or a username; ``action``: exact, or a prefix ending in a dot (``product.``).
    """
    events = AuditEvent.objects.all()
    scope = reader_scope(user)
    if scope is not ALL:
        events = events.filter(domain__in=scope)
    filters = filters or {}
    if subject := filters.get("subject"):
        kind, _, pk = subject.partition(":")
        by_id = Q(subject_type=kind, subject_id=pk) if pk else Q(pk__in=[])
        events = events.filter(Q(subject_label=subject) | by_id)
    if actor := filters.get("actor"):  # a label has a colon (or is "system"), a username never has one
        events = events.filter(actor=actor) if ":" in actor or actor == SYSTEM else events.filter(actor_name=actor)
    if action := filters.get("action"):
        events = events.filter(action__startswith=action) if action.endswith(".") else events.filter(action=action)
    if since := filters.get("since"):
        events = events.filter(occurred_at__gte=since)
    if until := filters.get("until"):
        events = events.filter(occurred_at__lt=until)
    return events


def version_list(*, product_id: int) -> QuerySet[ProductVersion]:
    """A product's versions, newest first (visibility is the caller's: ``audit.access.product_access``)."""
    return ProductVersion.objects.filter(product_id=product_id).order_by("-sequence")
