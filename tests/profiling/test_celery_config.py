"""The Celery setup the issue asks for: Redis from REDIS_URL, inline without it, beat schedules."""
import subprocess
import sys

from django.conf import settings

from meshport.celery import app
from profiling import tasks


def test_profile_tasks_ack_late_and_retry():
    task = app.tasks["profiling.tasks.output_port_profile_task"]
    assert task.acks_late
    assert task.max_retries >= 3
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST


def test_beat_reprofiles_due_ports_and_sweeps_lost_runs():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {tasks.profile_due_ports_task.name, tasks.profile_runs_sweep_task.name} <= scheduled


def _celery_settings(env: dict) -> str:
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER)")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={"DJANGO_SETTINGS_MODULE": "meshport.settings.base", "PATH": "/usr/bin",
                               "SECRET_KEY": "celery-config-test-key-" + "x" * 40} | env,
                          cwd=settings.BASE_DIR).stdout.strip()


def test_redis_url_selects_the_broker_and_its_absence_runs_inline():
    assert _celery_settings({}) == "memory://localhost/ True"
    assert _celery_settings({"REDIS_URL": "redis://127.0.0.1:6379/5"}) == "redis://127.0.0.1:6379/5 False"
