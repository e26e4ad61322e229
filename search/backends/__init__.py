"""The search backend registry, in the style of Django's cache framework.

``settings.SEARCH_BACKENDS`` maps aliases to ``{"BACKEND": dotted path, **options}``; adding
an engine means adding a module, not changing callers.
"""
from __future__ import annotations

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from search.backends.base import SearchBackend


class InvalidSearchBackendError(ImproperlyConfigured):
    pass


def get_backend(alias: str = "default") -> SearchBackend:
    """The backend configured under ``settings.SEARCH_BACKENDS[alias]`` (built once, then cached)."""
    return _build(alias, _settings_key())


def _settings_key() -> str:
    return repr(sorted((k, sorted(v.items())) for k, v in settings.SEARCH_BACKENDS.items()))


@cache
def _build(alias: str, _key: str) -> SearchBackend:
    try:
        options = dict(settings.SEARCH_BACKENDS[alias])
    except KeyError as exc:
        raise InvalidSearchBackendError(f"SEARCH_BACKENDS has no alias {alias!r}") from exc
    path = options.pop("BACKEND", "")
    try:
        backend_cls = import_string(path)
    except ImportError as exc:
        raise InvalidSearchBackendError(f"search backend {alias!r}: cannot import {path!r} ({exc})") from exc
    return backend_cls(**{k.lower(): v for k, v in options.items()})


def _reset(**kwargs) -> None:
    if kwargs.get("setting") == "SEARCH_BACKENDS":
        _build.cache_clear()


setting_changed.connect(_reset, dispatch_uid="search.backends.reset")
