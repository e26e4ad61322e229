"""Who may do what in the catalog: stewards, domain owners and members, consumers."""
from __future__ import annotations

from rest_framework import permissions

STEWARDS_GROUP = "stewards"


def is_steward(user) -> bool:
    """Global governance stewards: superusers and members of the ``stewards`` group."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_meshport_is_steward", None)
    if cached is None:
        cached = user.groups.filter(name=STEWARDS_GROUP).exists()
        user._meshport_is_steward = cached
    return cached


def member_domain_ids(user) -> set[int]:
    """Ids of the domains whose team the user belongs to (any role); cached on the user."""
    if user is None or not user.is_authenticated:
        return set()
    cached = getattr(user, "_meshport_domain_ids", None)
    if cached is None:
        from catalog.models import DomainMembership

        cached = set(DomainMembership.objects.filter(user=user).values_list("domain_id", flat=True))
        user._meshport_domain_ids = cached
    return cached


def is_domain_member(user, domain) -> bool:
    return domain.pk in member_domain_ids(user)


def can_write_domain(user, domain) -> bool:
    """Owners and members of a domain publish in it; stewards publish anywhere."""
    return is_steward(user) or is_domain_member(user, domain)


class CanWriteProduct(permissions.BasePermission):
    """Object-level: writes only by the product's domain team or a steward."""

    message = "Only the owners and members of this product's domain, or a steward, may change it."

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_write_domain(request.user, obj.domain)
