"""Sending a notification once: claim it, send it outside any transaction, record what happened.

A worker *claims* a due row (``pending``, or ``sending`` whose lease ran out: its worker died) by
a conditional update, so two workers, or a task delivered twice, never both hold it; the lease
(``MESHPORT_NOTIFY_LEASE_SECONDS``) is longer than a webhook's timeout. A webhook gets the
notification as a CloudEvents 1.0 structured JSON event, its id stable per notification (a
receiver drops a redelivered one by id), signed with HMAC-SHA256 over the body
(``X-Meshport-Signature: sha256=<hex>``). 2xx is accepted; connection errors, 408/425/429 and 5xx
are retried with exponential backoff; other answers, or the last attempt, fail it. Each attempt is
a ``Delivery`` row; a webhook that fails ``MESHPORT_WEBHOOK_DISABLE_AFTER`` attempts in a row is
turned off and its owner told. E-mail goes through Django's e-mail backend.
"""
from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications.models import Channel, Delivery, Notification, Webhook

SIGNATURE_HEADER = "X-Meshport-Signature"
TRANSIENT_STATUSES = {408, 425, 429}
EVENT_TYPE_PREFIX = "io.meshport.notification."


@dataclass
class Attempt:
    state: str  # the row's state afterwards ("" when it was not ours to send)
    retry_in: float | None = None  # seconds until the next attempt, when one is due


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def cloud_event(row: Notification) -> tuple[dict[str, str], bytes]:
    """(headers, body) of the notification as a structured-mode CloudEvent, unsigned."""
    from cloudevents.core.bindings.http import to_structured_event
    from cloudevents.core.v1.event import CloudEvent

    attributes = {
        "type": EVENT_TYPE_PREFIX + row.kind, "source": settings.MESHPORT_EVENT_SOURCE,
        "id": f"notification-{row.pk}", "datacontenttype": "application/json",
        "subject": f"product/{row.affected.identifier if row.affected_id else row.product.identifier}"
        if (row.affected_id or row.product_id) else f"notification/{row.pk}",
        "time": row.created,
    }
    data = {"title": row.title, "body": row.body, "kind": row.kind, "action": row.action, "audit_event": row.event_id,
            "product": row.product.identifier if row.product_id else None,
            "affected": row.affected.identifier if row.affected_id else None, "path": row.path, "url": row.url}
    message = to_structured_event(CloudEvent(attributes, data))
    return dict(message.headers), message.body


def private_address(url: str) -> str:
    """The loopback, private, link-local or reserved address ``url``'s host resolves to, or "" (allowed, or
    unresolvable: that fails at sending like any unreachable receiver)."""
    import ipaddress
    import socket
    from urllib.parse import urlsplit

    if settings.MESHPORT_WEBHOOK_ALLOW_PRIVATE:
        return ""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return ""
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            return str(address)
    return ""


def claim(notification_id: int, *, now=None, ignore_schedule: bool = False) -> Notification | None:
    """Take the row for one attempt, or None when it is not due or another worker holds it."""
    now = now or timezone.now()
    due = Q(state=Notification.State.PENDING) | Q(state=Notification.State.SENDING, next_attempt_at__lte=now)
    if not ignore_schedule:
        due &= Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    lease = now + timedelta(seconds=settings.MESHPORT_NOTIFY_LEASE_SECONDS)
    taken = Notification.objects.filter(due, pk=notification_id).update(
        state=Notification.State.SENDING, next_attempt_at=lease, attempts=F("attempts") + 1)
    if not taken:
        return None
    return Notification.objects.select_related("recipient", "webhook", "product", "affected").get(pk=notification_id)


def deliver(notification_id: int, *, ignore_schedule: bool = False) -> Attempt:
    row = claim(notification_id, ignore_schedule=ignore_schedule)
    if row is None:
        return Attempt("")
    if row.channel == Channel.EMAIL:
        return _email(row)
    if row.channel == Channel.WEBHOOK:
        return _webhook(row)
    return _finish(row, Notification.State.DELIVERED)


def _finish(row: Notification, state: str, *, error: str = "", retry_in: float | None = None) -> Attempt:
    now = timezone.now()
    fields = {"state": state, "last_error": error[:500],
              "next_attempt_at": now + timedelta(seconds=retry_in) if retry_in is not None else None}
    if state == Notification.State.DELIVERED:
        fields["delivered_at"] = now
    Notification.objects.filter(pk=row.pk, state=Notification.State.SENDING).update(**fields)
    return Attempt(state, retry_in)


def _email(row: Notification) -> Attempt:
    try:
        send_mail(f"[Meshport] {row.title}", _email_text([row]), None, [row.recipient.email])
    except Exception as exc:  # noqa: BLE001 -- any backend error: try again later
        return _failed_attempt(row, f"{type(exc).__name__}: {exc}")
    return _finish(row, Notification.State.DELIVERED)


def _email_text(rows: list[Notification]) -> str:
    base = settings.MESHPORT_BASE_URL.rstrip("/")
    parts = ["\n".join(line for line in (r.title, r.body, f"Lineage: {' → '.join(r.path)}" if r.path else "",
                                          f"{base}{r.url}" if r.url else "") if line) for r in rows]
    return "\n\n".join(parts) + f"\n\n— Meshport. Change what you hear about at {base}/notifications/settings/\n"


def _webhook(row: Notification) -> Attempt:
    import requests

    hook = row.webhook
    if hook is None or not hook.active:
        return _finish(row, Notification.State.FAILED, error="the webhook was removed or turned off")
    blocked = private_address(hook.url)
    if blocked:  # checked again at sending: the name may point elsewhere now
        return _finish(row, Notification.State.FAILED, error=f"{hook.url} resolves to {blocked}, a private address")
    headers, body = cloud_event(row)
    headers[SIGNATURE_HEADER] = sign(body, hook.secret)
    headers["User-Agent"] = "Meshport notifications"
    started = time.monotonic()
    status, error = None, ""
    try:
        answer = requests.post(hook.url, data=body, headers=headers, allow_redirects=False,
                               timeout=settings.MESHPORT_WEBHOOK_TIMEOUT)
        status = answer.status_code
        if not 200 <= status < 300:
            error = f"HTTP {status}: {answer.text[:200]}"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {str(exc)[:200]}"
    took = int((time.monotonic() - started) * 1000)
    accepted = status is not None and 200 <= status < 300
    Delivery.objects.create(notification=row, webhook=hook, attempt=row.attempts, status_code=status,
                            accepted=accepted, error=error[:500], duration_ms=took)
    if accepted:
        Webhook.objects.filter(pk=hook.pk).update(failures=0)
        return _finish(row, Notification.State.DELIVERED)
    Webhook.objects.filter(pk=hook.pk).update(failures=F("failures") + 1)
    failures = Webhook.objects.filter(pk=hook.pk).values_list("failures", flat=True).first() or 0
    if failures >= settings.MESHPORT_WEBHOOK_DISABLE_AFTER:
        from notifications.services import webhook_disable

        _finish(row, Notification.State.FAILED, error=error)
        webhook_disable(webhook_id=hook.pk, reason=f"{failures} failed attempts in a row, the last: {error}")
        return Attempt(Notification.State.FAILED)
    transient = status is None or status >= 500 or status in TRANSIENT_STATUSES
    if not transient:
        return _finish(row, Notification.State.FAILED, error=error)
    return _failed_attempt(row, error)


def _failed_attempt(row: Notification, error: str) -> Attempt:
    if row.attempts >= settings.MESHPORT_NOTIFY_MAX_ATTEMPTS:
        return _finish(row, Notification.State.FAILED, error=f"gave up after {row.attempts} attempts: {error}")
    backoff = min(settings.MESHPORT_NOTIFY_RETRY_BASE_SECONDS * 2 ** (row.attempts - 1),
                  settings.MESHPORT_NOTIFY_RETRY_MAX_SECONDS)
    return _finish(row, Notification.State.PENDING, error=error, retry_in=backoff)


def sweep(*, now=None, limit: int = 500) -> list[int]:
    """Rows due again: pending ones whose retry time came, sending ones whose worker died (lease passed)."""
    now = now or timezone.now()
    due = Notification.objects.filter(
        Q(state=Notification.State.PENDING, next_attempt_at__lte=now)
        | Q(state=Notification.State.PENDING, next_attempt_at__isnull=True, created__lte=now - timedelta(minutes=1))
        | Q(state=Notification.State.SENDING, next_attempt_at__lte=now))
    return list(due.order_by("pk").values_list("pk", flat=True)[:limit])


def digest_send(*, now=None) -> int:
    """The daily digest: one e-mail per person with everything waiting for it; returns the e-mails sent."""
    sent = 0
    waiting = Notification.objects.filter(state=Notification.State.DIGEST, channel=Channel.EMAIL)
    for user_id in sorted(set(waiting.values_list("recipient_id", flat=True))):
        with transaction.atomic():
            rows = list(waiting.select_for_update(skip_locked=True).filter(recipient_id=user_id)
                        .select_related("recipient").order_by("created", "pk"))
            if not rows:
                continue
            send_mail(f"[Meshport] Your daily digest: {len(rows)} notification{'s' if len(rows) != 1 else ''}",
                      _email_text(rows), None, [rows[0].recipient.email])
            Notification.objects.filter(pk__in=[r.pk for r in rows]).update(
                state=Notification.State.DELIVERED, delivered_at=now or timezone.now(), attempts=F("attempts") + 1)
            sent += 1
    return sent
