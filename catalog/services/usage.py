"""The denormalised usage signal on a product: how many other products read it, written by lineage."""
from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from catalog.events import products_reindex
from catalog.models import DataProduct


@transaction.atomic
def products_usage_set(*, counts: Mapping[int, int]) -> list[int]:
    """Store each product's number of consumers; re-index those that changed, and return their ids.

    Derived like the quality score: it lifts a product in search without announcing ``product_changed``.
    """
    current = dict(DataProduct.objects.select_for_update().filter(pk__in=list(counts)).values_list("pk", "usage_count"))
    changed = [pk for pk, count in counts.items() if pk in current and current[pk] != count]
    for pk in changed:
        DataProduct.objects.filter(pk=pk).update(usage_count=counts[pk])
    products_reindex(changed)
    return changed
