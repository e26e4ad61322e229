"""Lineage app config: listens to catalog changes, adds the product-page panel and a demo step."""
from django.apps import AppConfig


def _on_product_changed(sender, product_ids, **kwargs) -> None:
    from lineage.tasks import lineage_products_sync_task

    lineage_products_sync_task.delay(list(product_ids))


class LineageConfig(AppConfig):
    name = "lineage"
    verbose_name = "Lineage"

    def ready(self) -> None:
        from catalog.demo import register_demo_step
        from catalog.events import product_changed
        from catalog.panels import register_product_panel
        from lineage.demo import demo_events_post
        from lineage.views import product_lineage_panel

        product_changed.connect(_on_product_changed, dispatch_uid="lineage.product_changed")
        register_product_panel("lineage", "Lineage", product_lineage_panel, order=60)
        register_demo_step("lineage-events", demo_events_post, order=50)
