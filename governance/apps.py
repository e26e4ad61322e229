"""Governance app config: signal handlers, product-page panels, the access grant provider, the policies' publish check."""
from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    def ready(self) -> None:
        from catalog.descriptors.checks import register_publish_check
        from catalog.panels import register_product_action, register_product_panel
        from catalog.visibility import register_grant_provider
        from governance.access import tasks  # noqa: F401  (a subpackage: Celery's autodiscovery misses it)
        from governance.access.actions import request_access_action
        from governance.access.panels import access_panel
        from governance.access.provisioning.signals import register_signal_handlers as register_provisioning
        from governance.access.selectors import granted_product_ids
        from governance.access.uses import register_signal_handlers as register_granted_uses
        from governance.panels import quality_panel
        from governance.policies import tasks as policy_tasks  # noqa: F401  (a subpackage: autodiscovery misses it)
        from governance.policies.checks import policy_publish_check
        from governance.policies.panels import compliance_panel
        from governance.policies.signals import register_signal_handlers as register_policies
        from governance.signals import register_signal_handlers

        register_signal_handlers()
        register_product_panel("access", "Access", access_panel, order=10, tab="access")
        register_product_panel("quality", "Quality", quality_panel, order=20, tab="quality")
        register_product_panel("compliance", "Compliance", compliance_panel, order=30, tab="compliance")
        register_product_action("request-access", request_access_action, order=20)
        register_grant_provider(granted_product_ids)
        register_provisioning()
        register_granted_uses()
        register_policies()
        register_publish_check(policy_publish_check)
