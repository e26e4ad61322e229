"""Thin Celery wrappers around profiling services: they carry ids and import lazily."""
from celery import shared_task


@shared_task(acks_late=True)
def product_profile_task(product_id: int) -> None:
    from profiling.services import product_profile

    product_profile(product_id=product_id)


@shared_task(bind=True, acks_late=True, max_retries=4)
def output_port_profile_task(self, port_id: int, run_id: int | None = None) -> None:
    """Run one queued profile (or queue one for ``port_id``); retries with backoff while the
    source is unavailable or another profile of the port is running."""
    from catalog.models import OutputPort
    from profiling.services import (
        PortBusy,
        RetryLater,
        profilable,
        profile_run_execute,
        profile_run_request,
    )

    if run_id is None:
        port = OutputPort.objects.filter(pk=port_id).first()
        if port is not None and profilable(port):  # deleted after enqueue, or on data it cannot read
            profile_run_request(port=port)
        return
    retries_left = 0 if self.request.is_eager else self.max_retries - self.request.retries
    try:
        profile_run_execute(run_id=run_id, task_id=self.request.id or "", retries_left=retries_left)
    except (PortBusy, RetryLater) as exc:
        raise self.retry(exc=exc, countdown=min(300, 5 * 2**self.request.retries)) from exc


@shared_task(acks_late=True)
def profile_due_ports_task() -> None:
    from profiling.services import profile_due_ports

    profile_due_ports()


@shared_task(acks_late=True)
def profile_runs_sweep_task() -> None:
    from profiling.services import profile_runs_sweep

    profile_runs_sweep()
