"""Thin Celery wrapper around grant expiry (beat, hourly); retried while the database is briefly away."""
from celery import shared_task

from governance.tasks import RETRIED


@shared_task(acks_late=True, **RETRIED)
def access_grants_expire_task() -> int:
    from governance.access.services import access_grants_expire

    return len(access_grants_expire())


@shared_task(acks_late=True, **RETRIED)
def access_expiry_notices_task() -> int:
    from governance.access.notices import access_expiry_notices_send

    return len(access_expiry_notices_send())
