"""The denormalised quality score on a product, written by governance and read by search."""
from __future__ import annotations

from django.db import transaction

from catalog.events import products_changed
from catalog.models import DataProduct


@transaction.atomic
def product_quality_set(*, product_id: int, score: float | None) -> bool:
    """Store a product's current quality score; re-index it (no re-profile) when it changed.

    Returns whether anything changed. An unchanged score writes nothing, which also keeps the
    ``product_changed`` → re-score → ``product_changed`` loop from ever starting.
    """
    product = DataProduct.objects.select_for_update().filter(pk=product_id).first()
    if product is None or product.quality_score == score:
        return False
    DataProduct.objects.filter(pk=product_id).update(quality_score=score)
    products_changed([product_id], profile=False)
    return True
