"""Catalog app config."""
from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from catalog.search import checks  # noqa: F401  (registers the search system checks)
