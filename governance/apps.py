"""Governance app config: signal handlers and the product-page quality panel."""
from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    def ready(self) -> None:
        from catalog.panels import register_product_panel
        from governance.panels import quality_panel
        from governance.signals import register_signal_handlers

        register_signal_handlers()
        register_product_panel("quality", "Quality", quality_panel, order=20)
