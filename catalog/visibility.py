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

import json
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
        return self.lists(product) and self.opens(product.visibility, product.domain_id, product.pk)

    def opens(self, visibility: str, domain_id: int, pk: int) -> bool:
        """``reads`` for a product already known to be listed (a search hit): the restricted rule alone."""
        return visibility != RESTRICTED or self.steward or domain_id in self.domain_ids or pk in self.granted_ids

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


    # --- the same rules for the search backends -----------------------------------------------------

    @property
    def reads_any_restricted(self) -> bool:
        """Whether some restricted product's details are open to this viewer (column text may match)."""
        return self.steward or bool(self.domain_ids) or bool(self.granted_ids)

    def lists_sql(self, columns: SqlColumns) -> tuple[list[str], list]:
        """``lists`` as SQL conditions (AND-ed) on the columns a search table names them by."""
        if self.steward:
            return [], []
        c = columns
        if not self.authenticated:
            rule, params = f"({c.status} <> 'draft' AND {c.visibility} <> 'internal')", []
        elif self.domain_ids:
            rule, params = f"({c.status} <> 'draft' OR {c.domain_id} IN ({_marks(self.domain_ids)}))", sorted(self.domain_ids)
        else:
            rule, params = f"{c.status} <> 'draft'", []
        if self.granted_ids:
            granted, ids = _one_param_in(c.pk, self.granted_ids)
            rule, params = f"({rule} OR {granted})", [*params, ids]
        return [rule], params

    def reads_sql(self, columns: SqlColumns) -> tuple[str, list]:
        """The part of ``reads`` that ``lists`` does not say, as one SQL condition ("" when none is needed)."""
        if self.steward:
            return "", []
        c, rule, params = columns, [f"{columns.visibility} <> 'restricted'"], []
        if self.domain_ids:
            rule.append(f"{c.domain_id} IN ({_marks(self.domain_ids)})")
            params += sorted(self.domain_ids)
        if self.granted_ids:
            granted, ids = _one_param_in(c.pk, self.granted_ids)
            rule.append(granted)
            params.append(ids)
        return f"({' OR '.join(rule)})", params

    def lists_es(self) -> list[dict]:
        """``lists`` as Elasticsearch filter clauses (query DSL) on the index's fields."""
        if self.steward:
            return []
        if not self.authenticated:
            rule = {"bool": {"must_not": [{"term": {"status": "draft"}}, {"term": {"visibility": "internal"}}]}}
        else:
            rule = _any({"bool": {"must_not": [{"term": {"status": "draft"}}]}},
                        {"terms": {"domain_id": sorted(self.domain_ids)}} if self.domain_ids else None)
        return [_any(rule, self._granted_es())]

    def reads_es(self) -> dict | None:
        """The part of ``reads`` that ``lists`` does not say, as one filter clause (None when none is needed)."""
        if self.steward:
            return None
        return _any({"bool": {"must_not": [{"term": {"visibility": "restricted"}}]}},
                    {"terms": {"domain_id": sorted(self.domain_ids)}} if self.domain_ids else None,
                    self._granted_es())

    def _granted_es(self) -> dict | None:
        return {"ids": {"values": [str(pk) for pk in sorted(self.granted_ids)]}} if self.granted_ids else None


Viewer.ANONYMOUS = Viewer()


@dataclass(frozen=True)
class SqlColumns:
    """How a table names the fields the rules read (e.g. the search entries' ``e.status``)."""

    status: str
    visibility: str
    domain_id: str
    pk: str


def _marks(ids) -> str:
    return ", ".join(["%s"] * len(ids))


def _one_param_in(column: str, ids) -> tuple[str, object]:
    """``column IN ids`` with the ids as one parameter: a viewer may hold a thousand grants, and a
    thousand placeholders cost more to send and parse than the query takes (PostgreSQL: an array;
    SQLite: a JSON list read by ``json_each``)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", sorted(ids)
    return f"{column} IN (SELECT value FROM json_each(%s))", json.dumps(sorted(ids))  # noqa: S608 - our column


def _any(*clauses: dict | None) -> dict:
    present = [c for c in clauses if c]
    return present[0] if len(present) == 1 else {"bool": {"should": present, "minimum_should_match": 1}}


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
