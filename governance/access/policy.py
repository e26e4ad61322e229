"""Who decides, views and revokes access, and which ODCS roles a port's contract offers.

Deciders of a request: the product's domain team (owners and members), stewards, and the
users a contract's ``roles[].firstLevelApprovers`` name (by username; the ODCS field is a
string of names, separated here by commas, semicolons or spaces). When the request names a
role, only that role's approvers are asked. Nobody decides their own request.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from catalog.models import Contract, DataProduct, DomainMembership, OutputPort
from catalog.permissions import is_steward, member_domain_ids

_NAME_SEPARATORS = re.compile(r"[,;\s]+")


def port_contracts(product: DataProduct, port: OutputPort | None) -> list[Contract]:
    """The contracts a request covers: its port's, or every port's when it asks for all."""
    ports = [port] if port is not None else list(product.output_ports.select_related("contract"))
    return [p.contract for p in ports if p.contract_id]


def contract_roles(contracts: Iterable[Contract]) -> list[dict]:
    """The ``roles[]`` entries the contracts declare (well-formed ones: a dict with a ``role``)."""
    return [r for c in contracts for r in (c.document or {}).get("roles") or []
            if isinstance(r, dict) and isinstance(r.get("role"), str) and r["role"].strip()]


def role_names(contracts: Iterable[Contract]) -> list[str]:
    return sorted({r["role"] for r in contract_roles(contracts)})


def approvers(roles: Iterable[dict], role: str = "") -> set[str]:
    """Usernames named as first-level approvers, of ``role`` only when one is given."""
    names: set[str] = set()
    for entry in roles:
        if role and entry["role"] != role:
            continue
        value = entry.get("firstLevelApprovers") or ""
        parts = value if isinstance(value, list) else _NAME_SEPARATORS.split(str(value))
        names.update(str(p).strip() for p in parts if str(p).strip())
    return names


def is_contract_approver(user, request) -> bool:
    roles = contract_roles(port_contracts(request.product, request.port))
    return user.get_username() in approvers(roles, request.role)


def may_decide(user, request) -> bool:
    """Whether the user is one of the request's deciders (their own request aside)."""
    if user is None or not user.is_authenticated:
        return False
    return (is_steward(user) or request.product.domain_id in member_domain_ids(user)
            or is_contract_approver(user, request))


def may_view(user, request) -> bool:
    return user is not None and user.is_authenticated and (request.requester_id == user.pk or may_decide(user, request))


def is_domain_owner(user, domain_id: int) -> bool:
    return DomainMembership.objects.filter(
        user=user, domain_id=domain_id, role=DomainMembership.Role.OWNER).exists()


def may_revoke(user, grant) -> bool:
    """Stewards revoke any grant; a domain's owners the grants on its products."""
    if user is None or not user.is_authenticated:
        return False
    return is_steward(user) or is_domain_owner(user, grant.product.domain_id)


def sees_consumers(user, product: DataProduct) -> bool:
    """Who holds grants on a product is for its domain team and stewards."""
    return is_steward(user) or product.domain_id in member_domain_ids(user)
