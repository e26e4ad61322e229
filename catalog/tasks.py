"""Thin Celery wrappers around catalog services: they carry ids and import lazily."""
from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def search_index_products_task(product_ids: list[int]) -> None:
    from catalog.search.indexing import index_products

    index_products(product_ids)


@shared_task(acks_late=True)
def product_profile_task(product_id: int) -> None:
    from catalog.profiling.services import product_profile

    product_profile(product_id=product_id)
