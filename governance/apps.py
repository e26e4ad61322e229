"""Governance app config: signal handlers, the product-page quality panel, and the access grant provider."""
from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    def ready(self) -> None:
        from catalog.panels import register_product_panel
        from catalog.visibility import register_grant_provider
        from governance.access import tasks  # noqa: F401  (a subpackage: Celery's autodiscovery misses it)
        from governance.access.panels import access_panel
        from governance.access.provisioning.signals import register_signal_handlers as register_provisioning
        from governance.access.selectors import granted_product_ids
        from governance.panels import quality_panel
        from governance.signals import register_signal_handlers

        register_signal_handlers()
        register_product_panel("access", "Access", access_panel, order=10)
        register_product_panel("quality", "Quality", quality_panel, order=20)
        register_grant_provider(granted_product_ids)
        register_provisioning()
