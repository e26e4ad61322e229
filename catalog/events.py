"""What follows a change to data products: one place that fans out, after commit.

Services call ``products_changed(ids)`` inside their transaction. Once it commits, the
products are re-indexed and re-profiled by Celery tasks (inline in the embedded default),
and ``product_changed`` is sent so that governance and lineage, which catalog must not
import, can react with tasks of their own.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

# Sent after commit. Keyword arguments: product_ids (list[int]).
product_changed = Signal()


def products_changed(product_ids: Iterable[int], *, profile: bool = True) -> None:
    ids = sorted(set(product_ids))
    if not ids:
        return
    from catalog.models import DataProduct

    DataProduct.objects.filter(pk__in=ids).update(search_dirty=True)

    def fire() -> None:
        from catalog.tasks import product_profile_task, search_index_products_task

        search_index_products_task.delay(ids)
        if profile:
            for pk in ids:
                product_profile_task.delay(pk)
        product_changed.send(sender=DataProduct, product_ids=ids)

    transaction.on_commit(fire)


def products_reindex(product_ids: Iterable[int]) -> None:
    """Derived values of these products changed (a score, a usage count): re-index only.

    Unlike ``products_changed`` this neither re-profiles nor sends ``product_changed``: the
    apps that derive such values listen to that signal, and must not hear their own writes.
    """
    ids = sorted(set(product_ids))
    if not ids:
        return
    from catalog.models import DataProduct

    DataProduct.objects.filter(pk__in=ids).update(search_dirty=True)

    def fire() -> None:
        from catalog.tasks import search_index_products_task

        search_index_products_task.delay(ids)

    transaction.on_commit(fire)
