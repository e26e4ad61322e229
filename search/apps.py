"""Search app config: its system checks, the catalog changes it re-indexes, its product-page panel."""
from django.apps import AppConfig
from django.core import checks


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from search import panels
        from search.checks import check_search_backends
        from search.signals import register_signal_handlers

        checks.register(check_search_backends, "search")
        register_signal_handlers()
        panels.register()  # "Similar products" on the product page
