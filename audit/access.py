"""Who may read the audit log: all of it, the events of some domains, or nothing.

The rule needs catalog's notions (stewards, domain owners), and audit sits below catalog, so
catalog registers it (``register_reader_scope`` in ``catalog.changes``); until it does, only
superusers read the log.
"""
from __future__ import annotations

from collections.abc import Callable

ALL = None  # a scope: ALL, or a set of domain slugs (empty: may not read)
_provider: Callable | None = None


def register_reader_scope(provider: Callable) -> None:
    """``provider(user)`` → ``ALL`` or the slugs of the domains whose events the user may read."""
    global _provider
    _provider = provider


def reader_scope(user) -> set[str] | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    if user.is_superuser:
        return ALL
    return _provider(user) if _provider is not None else set()
