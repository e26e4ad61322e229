"""Catalog reads shared by the API and the pages: what a user may see, fetched without N+1."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from catalog.filters import ProductFilter
from catalog.models import DataProduct, Domain, DomainMembership, InputPort, OutputPort
from catalog.permissions import is_steward, member_domain_ids
from standards.quality_words import describe_rule

# What every product row shows (domain, tags, owners): fetched in a fixed number of queries.
PRODUCT_LIST_SELECT = ("domain",)
PRODUCT_LIST_PREFETCH = (
    "tags",
    "team_members",
    Prefetch("domain__memberships", queryset=DomainMembership.objects.select_related("user")),
)
# What the product page and the detail API add: ports, columns, contracts, sources.
PRODUCT_DETAIL_PREFETCH = (
    Prefetch(
        "output_ports",
        queryset=OutputPort.objects.select_related("contract").prefetch_related("columns"),
    ),
    Prefetch(
        "input_ports",
        queryset=InputPort.objects.select_related("source_port__product__domain"),
    ),
    "team_members__user",
)


def product_base(*, user) -> QuerySet[DataProduct]:
    """Every product the user may know exists, retired ones included."""
    return (
        DataProduct.objects.known_to(user)
        .select_related(*PRODUCT_LIST_SELECT)
        .prefetch_related(*PRODUCT_LIST_PREFETCH)
    )


def product_list(*, user, filters: Mapping | None = None) -> QuerySet[DataProduct]:
    """The marketplace listing: visible products, narrowed by ``ProductFilter``.

    Retired products are left out unless the caller asks for ``status=retired``.
    """
    filters = filters or {}
    qs = product_base(user=user)
    if filters.get("status") != DataProduct.Status.RETIRED:
        qs = qs.listed()
    return ProductFilter(filters, queryset=qs, viewer=user).qs


def product_detail(*, user, identifier: str) -> DataProduct:
    """One visible product with its ports, columns and inputs; raises ``DataProduct.DoesNotExist``."""
    return product_base(user=user).prefetch_related(*PRODUCT_DETAIL_PREFETCH).get(identifier=identifier)


def product_consumers(*, user, product: DataProduct) -> QuerySet[DataProduct]:
    """Visible products with an input port that reads one of this product's output ports."""
    return (
        DataProduct.objects.known_to(user)
        .listed()
        .filter(input_ports__source_port__product=product)
        .select_related("domain")
        .distinct()
    )


def visible_source_ids(*, user, product: DataProduct) -> set[int]:
    """Ids of the products this product's inputs read from that the user may see (and follow)."""
    ids = {p.source_port.product_id for p in product.input_ports.all() if p.source_port_id}
    if not ids:
        return set()
    return set(DataProduct.objects.known_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def restricted_sources(product: DataProduct) -> list[DataProduct]:
    """Restricted products this one is built from (from prefetched input ports): it says so.

    What a product reads inherits nothing it may not show; a consumer of a public product made
    from restricted data should know where it comes from, and whom to ask about it.
    """
    sources = {p.source_port.product for p in product.input_ports.all() if p.source_port_id}
    restricted = [s for s in sources if s.visibility == DataProduct.Visibility.RESTRICTED and s.pk != product.pk]
    return sorted(restricted, key=lambda s: s.identifier)


def recently_updated(*, user, limit: int = 8) -> QuerySet[DataProduct]:
    """Published products, newest change first, for the home page."""
    return product_base(user=user).published().order_by("-updated")[:limit]


def domain_list(*, user) -> QuerySet[Domain]:
    """Domains with their team and the number of listed products this user may see."""
    visible = DataProduct.objects.known_to(user).listed().values("pk")
    counts = (
        DataProduct.objects.filter(pk__in=visible, domain=OuterRef("pk"))
        .order_by()
        .values("domain")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Domain.objects.annotate(
        product_count=Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))
    ).prefetch_related(Prefetch("memberships", queryset=DomainMembership.objects.select_related("user")))


def writable_domains(*, user) -> QuerySet[Domain]:
    """Domains the user may publish in: their teams' domains, or every domain for a steward."""
    if is_steward(user):
        return Domain.objects.all()
    return Domain.objects.filter(pk__in=member_domain_ids(user))


def domain_detail(*, user, slug: str) -> Domain:
    """One domain with its team and visible product count; raises ``Domain.DoesNotExist``."""
    return domain_list(user=user).get(slug=slug)


@dataclass(frozen=True)
class Team:
    """Whom to ask about a product: owners first, then the rest of its team."""

    owners: list[str]
    members: list[str]


def _is_owner_role(role: str) -> bool:
    return "owner" in role.lower()


def domain_team(domain: Domain) -> Team:
    """Owner and member usernames of a domain, from prefetched memberships."""
    memberships = list(domain.memberships.all())
    owners = [m.user.username for m in memberships if m.role == DomainMembership.Role.OWNER]
    members = [m.user.username for m in memberships if m.role != DomainMembership.Role.OWNER]
    return Team(owners=owners, members=members)


@dataclass(frozen=True)
class Person:
    """Someone to ask, as a page shows them: full name when known, e-mail when known."""

    username: str
    name: str
    email: str = ""
    role: str = ""


def _person(user, *, username: str = "", name: str = "", role: str = "") -> Person:
    if user is None:
        return Person(username=username, name=name or username, role=role)
    full = user.get_full_name().strip()
    return Person(username=user.username, name=full or name or user.username, email=user.email or "", role=role)


def product_owner_people(product: DataProduct) -> list[Person]:
    """``product_owners`` as people: the team's owners (their user's name and e-mail), else the domain's."""
    owners = [_person(m.user, username=m.username, name=m.name, role=m.role)
              for m in product.team_members.all() if _is_owner_role(m.role)]
    if owners:
        return owners
    return [_person(m.user, role="domain owner") for m in product.domain.memberships.all()
            if m.role == DomainMembership.Role.OWNER]


def product_team_people(product: DataProduct) -> list[Person]:
    """The product team's other members, then the domain team's (each person once, owners left out)."""
    owners = {p.username for p in product_owner_people(product)}
    people, seen = [], set(owners)
    for m in product.team_members.all():
        if m.username not in seen:
            seen.add(m.username)
            people.append(_person(m.user, username=m.username, name=m.name, role=m.role))
    for m in product.domain.memberships.all():
        if m.user.username not in seen:
            seen.add(m.user.username)
            people.append(_person(m.user, role=f"{product.domain.name} {m.get_role_display().lower()}"))
    return people


def successor(*, user, product: DataProduct) -> DataProduct | None:
    """The product that replaces this one (its descriptor's ``customProperties.successor``), if the user may see it."""
    identifier = str((product.custom_properties or {}).get("successor") or "").strip()
    if not identifier or identifier == product.identifier:
        return None
    return DataProduct.objects.known_to(user).select_related("domain").filter(identifier=identifier).first()


def product_owners(product: DataProduct) -> list[str]:
    """The product team's owners, or else its domain's owners: the people to ask."""
    owners = [m.username for m in product.team_members.all() if _is_owner_role(m.role)]
    return owners or domain_team(product.domain).owners


@dataclass(frozen=True)
class QualityRule:
    """One ODCS quality rule, flattened for display: where it applies and what it requires."""

    target: str
    summary: str


def contract_quality_rules(document: Mapping) -> list[QualityRule]:
    """Quality rules of a contract document: object-level and property-level, in order."""
    rules = []
    for obj in document.get("schema") or []:
        for rule in obj.get("quality") or []:
            rules.append(QualityRule(target=obj.get("name", ""), summary=_rule_summary(rule)))  # object-level
        for prop in obj.get("properties") or []:
            for rule in prop.get("quality") or []:
                target = f"{obj.get('name', '')}.{prop.get('name', '')}"
                rules.append(QualityRule(target=target, summary=_rule_summary(rule, prop.get("name", ""))))
    return rules


def _rule_summary(rule: Mapping, column: str = "") -> str:
    """The rule in plain words, after its own description when it has one."""
    words = describe_rule(rule, column=column)
    description = str(rule.get("description") or "").strip()
    return f"{description}: {words}" if description and description != words else words
