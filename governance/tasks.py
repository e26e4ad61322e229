"""Thin Celery wrappers around the quality services: they carry ids and import lazily.

A database that is briefly unreachable (a restart, a failover) is retried with backoff; any
other error is the service's to report on its run.
"""
from celery import shared_task
from django.db import InterfaceError, OperationalError

RETRIED = {"autoretry_for": (OperationalError, InterfaceError), "retry_backoff": 5, "retry_backoff_max": 300,
           "max_retries": 5}


@shared_task(acks_late=True, **RETRIED)
def product_quality_task(product_id: int, port_id: int | None = None, profile_run_id: int | None = None,
                         reason: str = "profiled") -> None:
    from governance.services import product_quality_check

    product_quality_check(product_id=product_id, port_id=port_id, profile_run_id=profile_run_id, reason=reason)


@shared_task(acks_late=True, **RETRIED)
def pipeline_quality_task(port_id: int) -> None:
    """After OpenLineage quality facets: the pipeline's assertions become checks, the product is re-scored."""
    from governance.services import pipeline_quality_record

    pipeline_quality_record(port_id=port_id)


@shared_task(acks_late=True, **RETRIED)
def quality_score_refresh_task(product_id: int) -> None:
    """After a product change: re-score with fresh metadata (stored only if it changed)."""
    from catalog.models import DataProduct
    from governance.services import quality_score_compute

    product = DataProduct.objects.filter(pk=product_id).first()
    if product is not None:
        quality_score_compute(product=product, always_record=False)


@shared_task(acks_late=True, **RETRIED)
def product_freshness_task(product_id: int) -> None:
    from governance.services import product_freshness_check

    product_freshness_check(product_id=product_id)


@shared_task(acks_late=True, **RETRIED)
def freshness_check_all_task() -> int:
    """Beat, hourly: queue a freshness check of every published product with a freshness SLO."""
    from catalog.models import DataProduct

    ids = list(DataProduct.objects.published().filter(freshness_slo_hours__isnull=False).values_list("pk", flat=True))
    for product_id in ids:
        product_freshness_task.delay(product_id)
    return len(ids)
