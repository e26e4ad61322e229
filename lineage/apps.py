"""Lineage app config: listens to catalog changes and adds the product-page panel."""
from django.apps import AppConfig


def _on_products_changed(sender, changes, **kwargs) -> None:
    """Ports and inputs may differ: sync the products' datasets and edges (not for columns lineage observed)."""
    from lineage.tasks import lineage_products_sync_task
    from profiling.observed import OBSERVED

    ids = sorted({c.product_id for c in changes if c.fields != {OBSERVED}})
    if ids:
        lineage_products_sync_task.delay(ids)


class LineageConfig(AppConfig):
    name = "lineage"
    verbose_name = "Lineage"

    def ready(self) -> None:
        from catalog import changes
        from catalog.panels import register_product_panel
        from lineage.views import product_lineage_panel

        for kind in (changes.Kind.CREATED, changes.Kind.UPDATED, changes.Kind.DELETED):
            changes.SIGNALS[kind].connect(_on_products_changed, dispatch_uid=f"lineage.products.{kind}")
        register_product_panel("lineage", "Lineage", product_lineage_panel, order=60, tab="lineage")
