"""Who hears of what: the facts an audit event tells, and the people (and channels) each one reaches.

A *fact* is one thing that happened to one product (a breaking contract change, a quality drop …).
It reaches the product's followers (a ``product`` or ``domain`` subscription whose kinds include
it) and its owners (domain owners, the team's owners), who follow their products without a row
(``DEFAULT_MINE``, in the inbox) unless they wrote ``mine`` rows of their own. An *incident* (a
breaking change, a quality drop, a freshness breach, a deprecation) also reaches the owners and
followers of every product downstream of it (product-level lineage) as an upstream incident, with
the path from the cause. Nobody is told of a product they may not know of (``catalog.visibility``).
"""
from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q

from catalog.models import DataProduct, DomainMembership, ProductTeamMember
from catalog.visibility import Viewer
from lineage.selectors import sql
from lineage.selectors.graph import DEFAULT_MAX_NODES, MAX_DEPTH, ROWS_PER_NODE
from lineage.selectors.impact import OWNER_ROLES
from notifications.models import Channel, Kind, Subscription

DEFAULT_MINE = frozenset({Kind.BREAKING, Kind.QUALITY, Kind.FRESHNESS, Kind.DEPRECATION, Kind.ACCESS,
                          Kind.POLICY, Kind.UPSTREAM})
# A subscription to "any change" hears changes of every sort, not quality or access news.
ANY_COVERS = frozenset({Kind.ANY, Kind.BREAKING, Kind.DEPRECATION})
INCIDENT_KINDS = frozenset({Kind.BREAKING, Kind.QUALITY, Kind.FRESHNESS, Kind.DEPRECATION})


@dataclass(frozen=True)
class Route:
    """Where one person hears: a channel (and its webhook), e-mail now or in the digest."""

    user_id: int
    channel: str
    webhook_id: int | None = None
    digest: bool = False


@dataclass
class Fact:
    product: DataProduct
    kind: str
    title: str
    detail: str = ""  # told only to who may read the product's details (column names …)
    summary: str = ""  # told to who may only know it exists
    incident: bool = False
    data: dict = field(default_factory=dict)  # e.g. {"previous": 91.0, "score": 62.5}
    extra_users: frozenset[int] = frozenset()  # told directly, as owners are (an access request's requester)


def wants(sub: Subscription, kind: str, data: dict) -> bool:
    kinds = set(sub.kinds or ())
    if kind not in kinds and not (Kind.ANY in kinds and kind in ANY_COVERS):
        return False
    return kind != Kind.QUALITY or quality_matters(data, below=sub.quality_below, points=sub.quality_drop_points)


def quality_matters(data: dict, *, below: float | None, points: float | None) -> bool:
    """A drop worth telling: below the threshold now (and not before), or down by ``points`` or more."""
    previous, score = data.get("previous"), data.get("score")
    if previous is None or score is None or score >= previous:
        return False
    if below is None and points is None:
        points = settings.MESHPORT_NOTIFY_QUALITY_DROP_POINTS
    crossed = below is not None and score < below <= previous
    return crossed or (points is not None and previous - score >= points)


def owners_of(products: list[DataProduct]) -> dict[int, set[int]]:
    """Product id → the user ids of its owners: its domain's owners and its team's owners (with accounts)."""
    by_domain: dict[int, set[int]] = defaultdict(set)
    for domain_id, user_id in DomainMembership.objects.filter(
            domain__in={p.domain_id for p in products}, role=DomainMembership.Role.OWNER).values_list("domain_id", "user_id"):
        by_domain[domain_id].add(user_id)
    found = {p.pk: set(by_domain[p.domain_id]) for p in products}
    team = ProductTeamMember.objects.filter(product__in=products, user__isnull=False)
    for product_id, user_id, role in team.values_list("product_id", "user_id", "role"):
        if role.lower() in OWNER_ROLES:
            found[product_id].add(user_id)
    return found


def routes_for(products: list[DataProduct], kind: str, data: dict, *, extra: dict[int, set[int]] | None = None
               ) -> dict[int, set[Route]]:
    """Product id → the routes of everyone who hears ``kind`` about it (before visibility)."""
    if not products:
        return {}
    ids, domains = [p.pk for p in products], {p.domain_id for p in products}
    found: dict[int, set[Route]] = defaultdict(set)
    follows = Subscription.objects.filter(Q(product__in=ids) | Q(domain__in=domains)).select_related("webhook")
    for sub in follows:
        if not wants(sub, kind, data) or (sub.webhook_id and not sub.webhook.active):
            continue
        for p in products:
            if sub.product_id == p.pk or sub.domain_id == p.domain_id:
                found[p.pk].add(_route(sub))
    owners = owners_of(products)
    for pk, users in (extra or {}).items():
        owners.setdefault(pk, set()).update(users)
    everyone = {u for users in owners.values() for u in users}
    mine = defaultdict(list)
    for sub in Subscription.objects.filter(target=Subscription.Target.MINE, user__in=everyone).select_related("webhook"):
        mine[sub.user_id].append(sub)
    for pk, users in owners.items():
        for user_id in users:
            if user_id not in mine:
                if kind in DEFAULT_MINE and (kind != Kind.QUALITY or quality_matters(data, below=None, points=None)):
                    found[pk].add(Route(user_id, Channel.INBOX))
                continue
            for sub in mine[user_id]:
                if wants(sub, kind, data) and not (sub.webhook_id and not sub.webhook.active):
                    found[pk].add(_route(sub))
    return found


def _route(sub: Subscription) -> Route:
    return Route(sub.user_id, sub.channel, sub.webhook_id, sub.digest and sub.channel == Channel.EMAIL)


def downstream(product: DataProduct) -> dict[int, list[int]]:
    """Every product downstream of ``product`` → the shortest path of product ids from it, both ends included."""
    rows = sql.walk("lineage_productedge", [product.pk], direction="downstream", depth=MAX_DEPTH,
                    row_limit=DEFAULT_MAX_NODES * ROWS_PER_NODE)
    depths, _ = sql.nearest(rows, DEFAULT_MAX_NODES)
    if len(depths) <= 1:
        return {}
    successors: dict[int, set[int]] = defaultdict(set)
    for source, target in sql.edges_among("lineage_productedge", depths):
        successors[source].add(target)
    paths, queue = {product.pk: [product.pk]}, deque([product.pk])
    while queue:  # breadth first: the first path found to a node is a shortest one
        node = queue.popleft()
        for nxt in sorted(successors[node]):
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    paths.pop(product.pk)
    return paths


class Viewers:
    """Each recipient's ``Viewer``, built once per batch."""

    def __init__(self):
        self._users = {}

    def of(self, user_id: int) -> Viewer:
        if user_id not in self._users:
            self._users[user_id] = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        user = self._users[user_id]
        return Viewer.of(user) if user is not None else Viewer.ANONYMOUS

    def user(self, user_id: int):
        self.of(user_id)
        return self._users[user_id]
