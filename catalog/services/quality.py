"""The denormalised quality score on a product, written by governance and read by search."""
from __future__ import annotations

from django.db import transaction

from catalog.changes import Kind, product_changes_announce
from catalog.models import DataProduct


@transaction.atomic
def product_quality_set(*, product_id: int, score: float | None) -> bool:
    """Store a product's current quality score and re-index it when it changed.

    Returns whether anything changed. A score is derived: it re-indexes the product but does
    is announced as ``product_scored``, which only search hears (governance wrote it).
    """
    product = DataProduct.objects.select_for_update().filter(pk=product_id).first()
    if product is None or product.quality_score == score:
        return False
    DataProduct.objects.filter(pk=product_id).update(quality_score=score)
    product_changes_announce([product_id], Kind.SCORED, fields={"quality_score"})
    return True
