"""Lineage app config: listens to catalog changes, adds the product-page panel and a demo step."""
from django.apps import AppConfig


def _on_product_changed(sender, product_ids, **kwargs) -> None:
    from lineage.tasks import lineage_products_sync_task

    lineage_products_sync_task.delay(list(product_ids))


class LineageConfig(AppConfig):
    name = "lineage"
    verbose_name = "Lineage"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from catalog.demo import register_demo_step
        from catalog.events import product_changed
        from catalog.panels import register_product_panel
        from lineage.demo import demo_events_post
        from lineage.models import DatasetEdge
        from lineage.services.adjacency import edge_deleted_receiver, edge_saved_receiver
        from lineage.views import product_lineage_panel

        product_changed.connect(_on_product_changed, dispatch_uid="lineage.product_changed")
        post_save.connect(edge_saved_receiver, sender=DatasetEdge, dispatch_uid="lineage.edge_saved")
        post_delete.connect(edge_deleted_receiver, sender=DatasetEdge, dispatch_uid="lineage.edge_deleted")
        register_product_panel("lineage", "Lineage", product_lineage_panel, order=60)
        register_demo_step("lineage-events", demo_events_post, order=50)
