"""Thin Celery wrappers around indexing: they carry ids and import lazily."""
from celery import shared_task


@shared_task(bind=True, acks_late=True, max_retries=5)
def search_index_products_task(self, product_ids: list[int]) -> None:
    from search.indexing import index_products

    # A remote engine's failure leaves the products dirty. A worker retries with backoff; run
    # inline (embedded default) the user's request must not fail, so the beat reconciler heals it.
    if not index_products(product_ids) and not self.request.is_eager:
        raise self.retry(countdown=min(300, 5 * 2**self.request.retries))


@shared_task(acks_late=True, expires=300)
def search_reconcile_task(full: bool = False) -> int:
    from search.indexing import reconcile

    return reconcile(full=full)
