"""Who may see what: the one rule every surface applies (pages, API, search, profile, quality, lineage).

A ``Viewer`` is a plain value made from a user once per request. Two questions are asked of it:

- **may it know a product exists** (``lists``): stewards see everything; anonymous visitors see
  published, deprecated and retired products that are not ``internal``; a signed-in user sees
  everything except other domains' drafts;
- **may it read a product's details** (``reads``) — columns, locations, contracts, profiles,
  measured quality values, lineage datasets: every product it may know of that is not
  ``restricted``; restricted products only for their domain's team, stewards and holders of a
  grant.

Grants come from providers that other apps register (``register_grant_provider``), so catalog
never imports the app that owns them. Each question has a Python form (one product in hand) and
a ``Q`` form (for querysets), derived from the same fields so they cannot disagree.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

from django.db.models import Q

# (user) -> ids of products the user was granted; registered from other apps' ready().
GrantProvider = Callable[[object], Iterable[int]]
_grant_providers: list[GrantProvider] = []

DRAFT = "draft"
INTERNAL = "internal"
RESTRICTED = "restricted"


def register_grant_provider(provider: GrantProvider) -> None:
    if provider not in _grant_providers:
        _grant_providers.append(provider)


def unregister_grant_provider(provider: GrantProvider) -> None:
    if provider in _grant_providers:
        _grant_providers.remove(provider)


@dataclass(frozen=True)
class Viewer:
    """What one viewer is: signed in or not, a steward, which domains' team, which grants."""

    authenticated: bool = False
    steward: bool = False
    domain_ids: frozenset[int] = frozenset()
    granted_ids: frozenset[int] = frozenset()

    ANONYMOUS: ClassVar[Viewer]

    @classmethod
    def of(cls, user) -> Viewer:
        """The viewer a user is (cached on the user object for the request's lifetime)."""
        if isinstance(user, Viewer):
            return user
        if user is None or not user.is_authenticated:
            return cls.ANONYMOUS
        cached = getattr(user, "_meshport_viewer", None)
        if cached is None:
            from catalog.permissions import is_steward, member_domain_ids

            granted = frozenset(pk for provider in _grant_providers for pk in provider(user))
            cached = cls(authenticated=True, steward=is_steward(user),
                         domain_ids=frozenset(member_domain_ids(user)), granted_ids=granted)
            user._meshport_viewer = cached
        return cached

    # --- one product in hand ---------------------------------------------------------------------

    def lists(self, product) -> bool:
        """Whether the viewer may know the product exists (its name, domain, status, owners)."""
        if self.steward or product.pk in self.granted_ids:
            return True
        if not self.authenticated:
            return product.status != DRAFT and product.visibility != INTERNAL
        return product.status != DRAFT or product.domain_id in self.domain_ids

    def reads(self, product) -> bool:
        """Whether the viewer may read the product's details: columns, locations, data, values."""
        if not self.lists(product):
            return False
        if product.visibility != RESTRICTED or self.steward:
            return True
        return product.domain_id in self.domain_ids or product.pk in self.granted_ids

    def is_team(self, product) -> bool:
        """The product's own domain team or a steward: who may see what only owners see."""
        return self.steward or product.domain_id in self.domain_ids

    # --- the same rules as filters -----------------------------------------------------------------

    def lists_q(self, prefix: str = "") -> Q:
        """``lists`` as a filter on DataProduct (``prefix`` e.g. ``"product__"`` from a related model)."""
        if self.steward:
            return Q()
        f = _fields(prefix)
        if not self.authenticated:
            rule = ~Q(**{f.status: DRAFT}) & ~Q(**{f.visibility: INTERNAL})
        else:
            rule = ~Q(**{f.status: DRAFT}) | Q(**{f.domain_id + "__in": self.domain_ids})
        return rule | Q(**{f.pk + "__in": self.granted_ids}) if self.granted_ids else rule

    def reads_q(self, prefix: str = "") -> Q:
        """``reads`` as a filter on DataProduct."""
        if self.steward:
            return Q()
        f = _fields(prefix)
        allowed = ~Q(**{f.visibility: RESTRICTED}) | Q(**{f.domain_id + "__in": self.domain_ids})
        if self.granted_ids:
            allowed |= Q(**{f.pk + "__in": self.granted_ids})
        return self.lists_q(prefix) & allowed


Viewer.ANONYMOUS = Viewer()


@dataclass(frozen=True)
class _Fields:
    status: str
    visibility: str
    domain_id: str
    pk: str


def _fields(prefix: str) -> _Fields:
    return _Fields(f"{prefix}status", f"{prefix}visibility", f"{prefix}domain_id", f"{prefix}pk" if prefix else "pk")


def viewer_of(user) -> Viewer:
    return Viewer.of(user)
