"""The Celery app: configured from Django settings (``CELERY_*``), tasks found in each app.

With ``REDIS_URL`` set, Redis is the broker (``make worker`` runs a worker with beat); without
it, settings make every task run inline. A worker that starts sweeps profile runs left
"running" by a worker that died, so no run stays stuck.
"""
import logging
import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meshport.settings.base")

app = Celery("meshport")
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
