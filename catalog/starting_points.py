"""The lists a consumer starts from on the home page: most used, highest quality, newly published,
their domains' products and the products they follow.

Which products a user follows is another app's knowledge (notifications): it registers a
provider with ``register_followed_products`` from its ``AppConfig.ready()``, since the catalog
must not import it. Without one, the home page says that following is not available.
"""
from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet

from catalog.models import DataProduct
from catalog.permissions import member_domain_ids
from catalog.selectors import product_base

LIST_SIZE = 6
_followed: list[Callable] = []


def register_followed_products(provider: Callable) -> None:
    """``provider(user) -> iterable of product ids`` the user follows."""
    if provider not in _followed:
        _followed.append(provider)


def following_available() -> bool:
    return bool(_followed)


def _published(user) -> QuerySet[DataProduct]:
    return product_base(user=user).published()


def most_used(*, user, limit: int = LIST_SIZE) -> list[DataProduct]:
    return list(_published(user).filter(usage_count__gt=0).order_by("-usage_count", "identifier")[:limit])


def highest_quality(*, user, limit: int = LIST_SIZE) -> list[DataProduct]:
    return list(_published(user).filter(quality_score__isnull=False).order_by("-quality_score", "identifier")[:limit])


def newly_published(*, user, limit: int = LIST_SIZE) -> list[DataProduct]:
    return list(_published(user).order_by("-created", "identifier")[:limit])


def my_domains_products(*, user, limit: int = LIST_SIZE) -> list[DataProduct]:
    """Products of the domains whose team the user is on (drafts included: the team may see them)."""
    domains = member_domain_ids(user)
    if not domains:
        return []
    return list(product_base(user=user).listed().filter(domain_id__in=domains).order_by("-updated", "identifier")[:limit])


def followed_products(*, user, limit: int = LIST_SIZE) -> list[DataProduct]:
    if not user.is_authenticated or not _followed:
        return []
    ids = {pk for provider in _followed for pk in provider(user)}
    return list(product_base(user=user).listed().filter(pk__in=ids).order_by("-updated", "identifier")[:limit])
