"""Search hears every kind of product change (``catalog.changes``) and re-indexes those products once;
a product's deletion leaves a tombstone in the deleting transaction (the reconciler's to process)."""
from __future__ import annotations

from django.db.models.signals import post_delete
from django.utils import timezone

from catalog import changes
from catalog.models import DataProduct


def register_signal_handlers() -> None:
    for kind, signal in changes.SIGNALS.items():
        signal.connect(index_changed_products, dispatch_uid=f"search.index.{kind}")
    post_delete.connect(leave_tombstone, sender=DataProduct, dispatch_uid="search.tombstone")


def index_changed_products(sender, *, changes: tuple[changes.ProductChange, ...], **kwargs) -> None:
    from search.tasks import search_index_products_task

    search_index_products_task.delay(sorted({c.product_id for c in changes}))


def leave_tombstone(sender, instance: DataProduct, **kwargs) -> None:
    """One version past the product's last: the index's delete beats any older copy still in flight."""
    from search.models import SearchTombstone

    SearchTombstone.objects.update_or_create(product_id=instance.pk, defaults={
        "version": (instance.search_version or 0) + 1, "deleted": timezone.now(), "pending": True})
