"""Thin Celery wrappers around the provisioning services: they carry ids and import lazily.

An attempt that meets a transient error (the platform unreachable, a 5xx) is retried with
backoff; its last retry records the row ``failed`` instead, and the sweep (beat, every minute)
tries again later. The row, not the Celery message, is the durable record: a worker killed
between attempts loses nothing, since the sweep re-queues every delivery not yet accepted once
its lease has passed.
"""
from celery import shared_task
from django.db import InterfaceError, OperationalError

from governance.access.provisioning.base import TransientError

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
    """Queue an attempt. Run inline (no broker), the task's retries run inline too, one after another:
    ``delay`` would raise Celery's ``Retry`` into the caller instead (eager mode propagates it)."""
    from meshport.celery import app

    if app.conf.task_always_eager:
        provisioning_run_task.apply(args=(provisioning_id,))
    else:
        provisioning_run_task.delay(provisioning_id)
