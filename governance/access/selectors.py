"""Access reads: the grants a viewer holds (the visibility provider), and the lists the API shows."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from catalog.models import Contract, DataProduct
from catalog.permissions import is_steward, member_domain_ids
from governance.access import policy
from governance.access.models import AccessEvent, AccessGrant, AccessRequest

REQUEST_SELECT = ("requester", "product__domain", "port", "consumer_product", "decided_by")
GRANT_SELECT = ("product__domain", "port", "grantee", "consumer_product", "revoked_by")


def live_grants(*, now: datetime | None = None) -> QuerySet[AccessGrant]:
    """Active grants whose end is still ahead (the expiry task may not have run yet)."""
    now = now or timezone.now()
    return AccessGrant.objects.filter(state=AccessGrant.State.ACTIVE).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=now))


def granted_product_ids(user) -> list[int]:
    """The visibility grant provider: products the user holds a live grant on, in person or through a
    consumer product of a domain whose team they are on. One query on the grants' own indexes (the
    user's domains are the ones ``Viewer`` reads anyway, cached on the user): no join to memberships,
    which made every signed-in request scan the grants."""
    if user is None or not user.is_authenticated:
        return []
    held = Q(grantee=user)
    domains = member_domain_ids(user)
    if domains:
        held |= Q(consumer_product__in=DataProduct.objects.filter(domain_id__in=domains).values("pk"))
    return list(live_grants().filter(held).order_by().values_list("product_id", flat=True).distinct())


def grants_expiring_soon(*, now: datetime | None = None, days: int | None = None) -> QuerySet[AccessGrant]:
    """Live grants ending within ``MESHPORT_ACCESS_EXPIRY_WARNING_DAYS`` (for the owners' and grantees' notices)."""
    now = now or timezone.now()
    days = settings.MESHPORT_ACCESS_EXPIRY_WARNING_DAYS if days is None else days
    return (live_grants(now=now).filter(valid_until__lte=now + timedelta(days=days))
            .select_related(*GRANT_SELECT).order_by("valid_until", "pk"))


def _with_history(qs: QuerySet[AccessRequest]) -> QuerySet[AccessRequest]:
    history = AccessEvent.objects.select_related("actor").order_by("at", "pk")
    return qs.select_related(*REQUEST_SELECT).prefetch_related(
        Prefetch("history", queryset=history), Prefetch("grants", queryset=AccessGrant.objects.order_by("pk")))


def _approver_q(user) -> Q:
    """Requests whose port contract names the user as a first-level approver (of the role asked for)."""
    username = user.get_username()
    q = Q(pk__in=[])
    for contract in Contract.objects.filter(document__icontains=username).only("pk", "document"):
        roles = policy.contract_roles([contract])
        named = {r["role"] for r in roles if username in policy.approvers([r])}
        if not named:
            continue
        on_contract = Q(port__contract=contract) | Q(port=None, product__output_ports__contract=contract)
        q |= on_contract & (Q(role="") | Q(role__in=named))
    return q


def _decidable(user) -> QuerySet[AccessRequest]:
    # Not Q() for stewards: an empty Q drops out of an OR, leaving only the other side.
    if is_steward(user):
        return AccessRequest.objects.all()
    return AccessRequest.objects.filter(Q(product__domain_id__in=member_domain_ids(user)) | _approver_q(user))


def access_requests_for(*, user, mine: bool = False, to_decide: bool = False, state: str = "") -> QuerySet[AccessRequest]:
    """Requests the user may see (their own, and those they decide), newest first, with history and grants."""
    if mine:
        qs = AccessRequest.objects.filter(requester=user)
    elif to_decide:
        qs = _decidable(user).filter(state=AccessRequest.State.PENDING).exclude(requester=user)
    else:
        qs = _decidable(user) | AccessRequest.objects.filter(requester=user)
    if state:
        qs = qs.filter(state=state)
    return _with_history(qs.distinct()).order_by("-created", "-pk")


def access_request_visible(*, user, pk: int) -> AccessRequest:
    """One request for its requester, its deciders and stewards; raises ``AccessRequest.DoesNotExist``."""
    request = _with_history(AccessRequest.objects.filter(pk=pk)).get()
    if not policy.may_view(user, request):
        raise AccessRequest.DoesNotExist
    return request


def access_grants_for(*, user, product: str = "", grantee: str = "", state: str = "") -> QuerySet[AccessGrant]:
    """Grants the user may see: their own and their teams' (as grantee or consumer), those on their
    domains' products, or all for a steward; narrowed by product identifier, grantee username, state."""
    qs = AccessGrant.objects.all()
    if not is_steward(user):
        domains = member_domain_ids(user)
        qs = qs.filter(Q(grantee=user) | Q(consumer_product__domain_id__in=domains) | Q(product__domain_id__in=domains))
    if product:
        qs = qs.filter(product__identifier=product)
    if grantee:
        qs = qs.filter(grantee__username=grantee)
    if state:
        qs = qs.filter(state=state)
    return qs.select_related(*GRANT_SELECT).order_by("-valid_from", "-pk")


def product_consumers(*, product) -> QuerySet[AccessGrant]:
    """Who holds a live grant on the product: people and consumer products, soonest to end first."""
    return live_grants().filter(product=product).select_related(*GRANT_SELECT).order_by("valid_until", "pk")
