"""Catalog app config."""
from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from catalog.profiling import admin as profiling_admin  # noqa: F401 - registers the profiling admin
        from catalog.profiling import panel

        panel.register()
        from catalog.search import checks  # noqa: F401  (registers the search system checks)
