"""Thin Celery wrappers around catalog services: they carry ids and import lazily."""
from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def search_index_products_task(product_ids: list[int]) -> None:
    from catalog.search.indexing import index_products

    # A remote engine's failure is logged and left to the reconciler (the product stays dirty).
    index_products(product_ids)


@shared_task(acks_late=True, expires=300)
def search_reconcile_task(full: bool = False) -> int:
    from catalog.search.indexing import reconcile

    return reconcile(full=full)


@shared_task(acks_late=True)
def product_profile_task(product_id: int) -> None:
    from catalog.profiling.services import product_profile

    product_profile(product_id=product_id)
