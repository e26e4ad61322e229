"""The event feed: the audit log as CloudEvents 1.0, oldest first, resumable by event id, cut to what the caller may see.

Who sees which event (decided at reading time, by today's visibility):

- an event about a product: whoever may know the product (``catalog.visibility``'s ``lists``,
  through ``audit.access.product_access``); its ``data.diff`` only to those who may read the
  product's details. Anonymous callers see only products they may read: published (not draft),
  neither internal nor restricted. A deleted product is known to no one any more;
- every event of a domain (contracts, deleted products, and whatever else is recorded) to the
  audit log's readers of that domain (stewards everything, domain owners their domains), with its
  whole ``data``, as ``GET /api/audit/`` shows it.

A page scans at most ``SCAN_LIMIT`` events past ``after``, so a caller who may see few events still
gets an answer in bounded time: ``next`` then resumes after the last event scanned, even if that
one was left out.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from audit.access import ALL, product_access, reader_scope
from audit.models import AuditEvent

SCAN_LIMIT = 5000
TYPE_PREFIX = "io.meshport."


@dataclass
class FeedPage:
    events: list[dict]  # CloudEvents, structured JSON
    last_id: int  # the last event scanned (the cursor to resume after)
    more: bool  # whether events past ``last_id`` were left unscanned


def feed_page(*, user, after: int = 0, limit: int = 100) -> FeedPage:
    scope = reader_scope(user)
    signed_in = bool(user is not None and getattr(user, "is_authenticated", False))
    found: list[dict] = []
    last, scanned = after, 0
    while len(found) < limit and scanned < SCAN_LIMIT:
        batch = list(AuditEvent.objects.filter(pk__gt=last).order_by("id")[:min(limit * 2, SCAN_LIMIT - scanned)])
        if not batch:
            return FeedPage(found, last, more=False)
        products = [] if scope is ALL else [  # a reader of the whole log needs no product's visibility
            int(e.subject_id) for e in batch if e.subject_type == "product" and e.subject_id.isdigit()]
        access = product_access(user, ids=products) if products else {}
        for event in batch:
            last, scanned = event.pk, scanned + 1
            data = _visible_data(event, scope, access, signed_in)
            if data is not None:
                found.append(cloud_event(event, data))
                if len(found) == limit:
                    break
    return FeedPage(found, last, more=AuditEvent.objects.filter(pk__gt=last).exists())


def _visible_data(event: AuditEvent, scope, access: dict[int, bool], signed_in: bool) -> dict | None:
    """The event's data as this caller may see it, or None when the event is not for it."""
    if scope is ALL or (event.domain and event.domain in scope):
        return event.data
    if event.subject_type != "product" or not event.subject_id.isdigit():
        return None
    reads = access.get(int(event.subject_id))
    if reads is None or (not signed_in and not reads):
        return None
    return event.data if reads else {k: v for k, v in event.data.items() if k != "diff"}


def cloud_event(event: AuditEvent, data: dict) -> dict:
    return {
        "specversion": "1.0",
        "id": str(event.pk),
        "source": settings.MESHPORT_EVENT_SOURCE,
        "type": TYPE_PREFIX + event.action,
        "subject": f"{event.subject_type}/{event.subject_label or event.subject_id}",
        "time": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "data": {**data, "actor": event.actor, "domain": event.domain},
    }
