"""The Celery app: configured from Django settings (``CELERY_*``), tasks found in each app.

With ``REDIS_URL`` set, Redis is the broker (``make worker`` runs a worker with beat); without
it, settings make every task run inline. A worker that starts sweeps profile runs left
"running" by a worker that died, so no run stays stuck.

A web request that cannot queue a task (the broker down or restarting) does not fail: its write is
committed, and the task is derived work that its sweeper redoes (search reconciles dirty products
every minute, pending lineage events are applied, due ports profiled, the outbox swept). ``Task``
logs the lost message and returns ``None``; inside a worker the error still raises (the running
task fails and is retried, or redelivered by ``acks_late``), and eager runs are untouched.
"""
import logging
import os

from celery import Celery
from celery import Task as BaseTask
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meshport.settings.base")
log = logging.getLogger(__name__)


class Task(BaseTask):
    """Every task of the app: queuing one from a web process never fails the request (see above)."""

    def apply_async(self, args=None, kwargs=None, task_id=None, producer=None, link=None, link_error=None,
                    shadow=None, **options):
        if self.app.conf.task_always_eager or self.app.current_worker_task is not None:
            return super().apply_async(args, kwargs, task_id, producer, link, link_error, shadow, **options)
        try:
            return super().apply_async(args, kwargs, task_id, producer, link, link_error, shadow, **options)
        except Exception:  # kombu's OperationalError, and what its reconnect loop raises on a dead broker
            log.error("task %s not queued (broker unavailable); its sweeper will redo the work", self.name,
                      exc_info=True)
            return None


app = Celery("meshport", task_cls=Task)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def sweep_lost_runs(**_kwargs) -> None:
    try:
        from profiling.services import profile_runs_sweep

        swept = profile_runs_sweep()
    except Exception:  # the worker must start even if the database is not ready yet
        logging.getLogger(__name__).exception("sweeping lost profile runs failed")
        return
    if swept:
        logging.getLogger(__name__).warning("marked %d lost profile run(s) failed: %s", len(swept), swept)
