"""System checks (registered in ``SearchConfig.ready``): a misconfigured search backend fails at
startup with a sentence, not mid-request. An Elasticsearch backend is connected to: a wrong key,
an unknown CA or an unreachable cluster is an error of ``manage.py check``, not 503s at search time."""
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
            continue
        if path.endswith("ElasticsearchBackend"):
            if not options.get("URL") and not options.get("CLOUD_ID"):
                errors.append(Error(f"SEARCH_BACKENDS[{alias!r}] is Elasticsearch but has no URL.", id="search.E002"))
                continue
            errors.extend(_connection_errors(alias))
    if connection.vendor not in ("sqlite", "postgresql") and _uses_database_backend():
        errors.append(Warning(f"The database search backend supports SQLite and PostgreSQL, not {connection.vendor}.",
                              hint="Set ELASTICSEARCH_URL to search with Elasticsearch.", id="search.W001"))
    return errors


def _connection_errors(alias: str) -> list:
    from search.backends import get_backend

    try:
        problem = get_backend(alias).connection_problem()
    except Exception as exc:  # noqa: BLE001  (a bad option: the client refused to be built)
        problem = f"the Elasticsearch client cannot be built from these settings ({exc})"
    if problem is None:
        outdated = get_backend(alias).mapping_problem()
        return [Warning(f"SEARCH_BACKENDS[{alias!r}]: {outdated}", id="search.W002")] if outdated else []
    return [Error(f"SEARCH_BACKENDS[{alias!r}]: {problem}",
                  hint="See README, 'Running at scale', for the ELASTICSEARCH_* settings.", id="search.E003")]


def _uses_database_backend() -> bool:
    return any(o.get("BACKEND", "").endswith("DatabaseBackend") for o in settings.SEARCH_BACKENDS.values())
