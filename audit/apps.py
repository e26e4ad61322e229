"""The audit app: the bottom layer that every other app may write its events to.

Who acts is known without the writers saying it: a request's user (``audit.middleware``), and
here, for work that has no request, the management command (``command:<name>``, around every
command's ``execute``, ``call_command`` included) and the Celery task (``task:<name>``, from
``task_prerun`` to ``task_postrun``, so an inline task inside a request is named too).
"""
import functools

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit log"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        _name_commands()
        _name_tasks()


def _name_commands() -> None:
    from django.core.management.base import BaseCommand

    from audit.context import acting_as

    execute = BaseCommand.execute
    if getattr(execute, "audit_named", False):
        return

    @functools.wraps(execute)
    def named(self, *args, **options):
        with acting_as(f"command:{type(self).__module__.rsplit('.', 1)[-1]}"):
            return execute(self, *args, **options)

    named.audit_named = True
    BaseCommand.execute = named


_tasks: dict[str, list] = {}  # task id -> the acting_as contexts entered for it (a stack: eager tasks may nest)


def _name_tasks() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(_task_started, weak=False, dispatch_uid="audit_task_started")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="audit_task_finished")


def _task_started(task_id=None, task=None, **kwargs) -> None:
    from audit.context import acting_as

    scope = acting_as(f"task:{getattr(task, 'name', '') or 'unknown'}")
    scope.__enter__()
    _tasks.setdefault(task_id, []).append(scope)


def _task_finished(task_id=None, **kwargs) -> None:
    scopes = _tasks.get(task_id)
    if scopes:
        scopes.pop().__exit__(None, None, None)
        if not scopes:
            _tasks.pop(task_id, None)
