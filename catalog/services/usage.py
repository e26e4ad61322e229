"""The denormalised usage signal on a product: how many other products read it, written by lineage."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from django.db import transaction

from catalog.changes import Kind, product_changes_announce
from catalog.models import DataProduct


@transaction.atomic
def products_usage_set(*, counts: Mapping[int, int]) -> list[int]:
    """Store each product's number of consumers; re-index those that changed, and return their ids.

    Derived like the quality score: it lifts a product in search; ``product_scored`` is heard by search alone.
    """
    current = dict(DataProduct.objects.select_for_update().filter(pk__in=list(counts)).values_list("pk", "usage_count"))
    changed = [pk for pk, count in counts.items() if pk in current and current[pk] != count]
    by_count: dict[int, list[int]] = defaultdict(list)
    for pk in changed:
        by_count[counts[pk]].append(pk)
    for count, pks in by_count.items():  # one UPDATE per distinct count, not per product (rebuilds touch all)
        DataProduct.objects.filter(pk__in=pks).update(usage_count=count)
    product_changes_announce(changed, Kind.SCORED, fields={"usage_count"})
    return changed
