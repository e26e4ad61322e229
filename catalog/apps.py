"""Catalog app config."""
from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from catalog.profiling import admin as profiling_admin  # noqa: F401 - registers the profiling admin
        from catalog.profiling import panel

        panel.register()
        from catalog.profiling.signals import register_signal_handlers as profiling_handlers
        from catalog.search import checks  # noqa: F401  (registers the search system checks)
        from catalog.search.signals import register_signal_handlers as search_handlers

        search_handlers()
        profiling_handlers()
