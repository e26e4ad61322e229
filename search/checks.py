"""System checks (registered in ``SearchConfig.ready``): a misconfigured search backend fails at
startup with a sentence, not mid-request."""
from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning
from django.db import connection
from django.utils.module_loading import import_string


def check_search_backends(app_configs=None, **kwargs) -> list:
    errors = []
    for alias, options in getattr(settings, "SEARCH_BACKENDS", {}).items():
        path = options.get("BACKEND", "")
        try:
            import_string(path)
        except ImportError as exc:
            errors.append(Error(f"SEARCH_BACKENDS[{alias!r}]: cannot import {path!r} ({exc}).",
                                hint="Use search.backends.database.DatabaseBackend or "
                                     "search.backends.elasticsearch.ElasticsearchBackend.",
                                id="search.E001"))
        if path.endswith("ElasticsearchBackend") and not options.get("URL"):
            errors.append(Error(f"SEARCH_BACKENDS[{alias!r}] is Elasticsearch but has no URL.", id="search.E002"))
    if connection.vendor not in ("sqlite", "postgresql") and _uses_database_backend():
        errors.append(Warning(f"The database search backend supports SQLite and PostgreSQL, not {connection.vendor}.",
                              hint="Set ELASTICSEARCH_URL to search with Elasticsearch.", id="search.W001"))
    return errors


def _uses_database_backend() -> bool:
    return any(o.get("BACKEND", "").endswith("DatabaseBackend") for o in settings.SEARCH_BACKENDS.values())
