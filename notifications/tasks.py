"""Thin Celery wrappers around ``notifications.delivery``: they carry ids.

A message may arrive twice (acks_late redelivers it when its worker died) or early: the row's
claim decides who sends, so neither sends twice. The row, not the message, is the durable record:
the sweep (beat, every minute) queues again whatever is due.
"""
import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=5, max_retries=5)
def notification_deliver_task(notification_id: int) -> str:
    from notifications.delivery import deliver

    attempt = deliver(notification_id)
    if attempt.retry_in is not None:
        notification_deliver_task.apply_async((notification_id,), countdown=attempt.retry_in)
    return attempt.state


def notification_deliver_later(notification_id: int) -> None:
    """Queue a delivery; with no broker (eager), make every attempt here, without waiting out the backoff."""
    from meshport.celery import app
    from notifications.delivery import deliver

    if not app.conf.task_always_eager:
        notification_deliver_task.delay(notification_id)
        return
    attempt = deliver(notification_id)
    while attempt.retry_in is not None:
        attempt = deliver(notification_id, ignore_schedule=True)


@shared_task(acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=5, max_retries=5)
def notifications_sweep_task() -> int:
    """Beat, every minute: queue again the deliveries due a retry and those whose worker died."""
    from notifications.delivery import sweep

    due = sweep()
    for pk in due:
        notification_deliver_task.delay(pk)
    return len(due)


@shared_task(acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=5, max_retries=5)
def notifications_digest_task() -> int:
    """Beat, daily: the e-mail digests."""
    from notifications.delivery import digest_send

    return digest_send()
