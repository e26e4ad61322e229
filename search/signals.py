"""Search hears every kind of product change (``catalog.changes``) and re-indexes those products once."""
from __future__ import annotations

from catalog import changes


def register_signal_handlers() -> None:
    for kind, signal in changes.SIGNALS.items():
        signal.connect(index_changed_products, dispatch_uid=f"search.index.{kind}")


def index_changed_products(sender, *, changes: tuple[changes.ProductChange, ...], **kwargs) -> None:
    from search.tasks import search_index_products_task

    search_index_products_task.delay(sorted({c.product_id for c in changes}))
