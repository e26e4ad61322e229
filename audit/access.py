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


# Which products a caller may know and read: catalog's one rule (``catalog.visibility``), registered
# by catalog (``catalog.changes``) as ``provider(user, ids=…)`` or ``provider(user, identifier=…)``
# → ``{product id: reads}`` for the products among them the user may know. Until then: none.
_product_provider: Callable | None = None


def register_product_access(provider: Callable) -> None:
    global _product_provider
    _product_provider = provider


def product_access(user, *, ids=None, identifier: str | None = None) -> dict[int, bool]:
    if _product_provider is None:
        return {}
    lookup = {"identifier": identifier} if identifier is not None else {"pk__in": list(ids or ())}
    return _product_provider(user, **lookup)
