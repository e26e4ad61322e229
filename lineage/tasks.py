"""Thin Celery wrappers around lineage services: they carry ids and import lazily."""
from celery import shared_task


@shared_task(acks_late=True)
def lineage_products_sync_task(product_ids: list[int]) -> None:
    from lineage.services.products import lineage_products_sync

    lineage_products_sync(product_ids=product_ids)
