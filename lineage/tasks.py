"""Thin Celery wrappers around lineage services: they carry ids and import lazily."""
from celery import shared_task
from django.db import OperationalError

APPLY_RETRIES = 5


@shared_task(acks_late=True)
def lineage_products_sync_task(product_ids: list[int]) -> None:
    from lineage.services.products import lineage_products_sync

    lineage_products_sync(product_ids=product_ids)


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=10)
def lineage_events_apply_task(self) -> int:
    """Derive the graph from every pending OpenLineage event, a batch at a time, until none is left."""
    from lineage.services.ingestion import apply_queued_clear, lineage_events_apply

    apply_queued_clear()
    applied = 0
    while done := lineage_events_apply():
        applied += done
    if done is None and self.request.retries < APPLY_RETRIES:
        # Another worker is applying; it may have looked for pending events before ours committed.
        raise self.retry(countdown=1, max_retries=APPLY_RETRIES)
    return applied  # still held after the retries: the beat sweep (every 30 s) picks the events up
