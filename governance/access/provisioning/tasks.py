"""Thin Celery wrappers around the provisioning services: they carry ids and import lazily.

An attempt that meets a transient error (the platform unreachable, a 5xx) is retried with
backoff; its last retry records the row ``failed`` instead, and the sweep (beat, every minute)
tries again later. The row, not the Celery message, is the durable record: a worker killed
between attempts loses nothing, since the sweep re-queues every delivery not yet accepted once
its lease has passed.
"""
import logging

from celery import shared_task
from celery.exceptions import Retry
from django.db import InterfaceError, OperationalError

from governance.access.provisioning.base import TransientError

logger = logging.getLogger(__name__)
RETRY_OPTIONS = {"retry_backoff": 2, "retry_backoff_max": 600, "retry_jitter": True, "max_retries": 4}


@shared_task(bind=True, acks_late=True, autoretry_for=(TransientError, OperationalError, InterfaceError),
             **RETRY_OPTIONS)
def provisioning_run_task(self, provisioning_id: int) -> None:
    from governance.access.provisioning.services import provisioning_run

    provisioning_run(provisioning_id=provisioning_id, final_attempt=self.request.retries >= self.max_retries)


@shared_task(acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=5, max_retries=5)
def provisioning_sweep_task() -> int:
    """Beat, every minute: queue again the deliveries whose worker died and the failures due a retry."""
    from governance.access.provisioning.services import provisioning_sweep

    return len(provisioning_sweep())


def provisioning_run_later(provisioning_id: int) -> None:
    """Queue an attempt; with no broker (eager), run it and its retries here, one after another."""
    from meshport.celery import app

    if not app.conf.task_always_eager:
        provisioning_run_task.delay(provisioning_id)
        return
    # Eager apply() re-runs a retried task itself, but its re-run propagates the next Retry to the
    # caller: catch it and go on from the retry count reached (the countdown is not waited for).
    retries = 0
    while True:
        try:
            result = provisioning_run_task.apply(args=(provisioning_id,), retries=retries, throw=False)
        except Retry:
            retries += 2  # apply() ran this attempt and the one after it
            continue
        if result.failed():
            logger.error("provisioning %s: the attempt raised %r", provisioning_id, result.result)
        return
