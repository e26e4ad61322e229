"""Access fixtures: a small mesh of a restricted and a public product, and everyone who acts on them.

``finance.payments`` is restricted, with two ports: ``cards`` (its contract declares the ODCS
roles ``analyst``, approved by ``ann``, and ``auditor``, approved by nobody here) and ``ledger``
(no contract). ``finance.rates`` is public. ``carol`` asks, on her own or for
``marketing.spend`` (her domain's product); ``mia`` is on carol's team too. ``olga`` owns the
finance domain, ``max`` is a member of it, ``otto`` is no one in particular.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from catalog.models import Contract, DataProduct, Domain, DomainMembership, OutputPort


def contract_document(cid: str, roles: list[dict]) -> dict:
    return {"apiVersion": "v3.1.0", "kind": "DataContract", "id": cid, "version": "1.0.0", "status": "active",
            "roles": roles}


@dataclass
class AccessMesh:
    payments: DataProduct
    cards: OutputPort
    ledger: OutputPort
    rates: DataProduct
    spend: DataProduct
    users: dict

    def __getattr__(self, name):
        try:
            return self.__dict__["users"][name]
        except KeyError as exc:
            raise AttributeError(name) from exc


def _product(domain: Domain, slug: str, visibility: str) -> DataProduct:
    return DataProduct.objects.create(domain=domain, slug=slug, external_id=f"urn:{domain.slug}.{slug}",
                                      name=slug.title(), status="published", visibility=visibility)


@pytest.fixture
def access_mesh(db, make_user, steward) -> AccessMesh:
    finance = Domain.objects.create(slug="finance", name="Finance")
    marketing = Domain.objects.create(slug="marketing", name="Marketing")
    users = {name: make_user(name) for name in ("carol", "mia", "olga", "max", "ann", "otto")}
    users["steward"] = steward
    DomainMembership.objects.create(domain=finance, user=users["olga"], role=DomainMembership.Role.OWNER)
    DomainMembership.objects.create(domain=finance, user=users["max"], role=DomainMembership.Role.MEMBER)
    for name in ("carol", "mia"):
        DomainMembership.objects.create(domain=marketing, user=users[name])
    payments = _product(finance, "payments", "restricted")
    roles = [{"role": "analyst", "access": "read", "firstLevelApprovers": "ann, someone-else"},
             {"role": "auditor", "access": "read", "firstLevelApprovers": "nobody-here"}]
    cards_contract = Contract.objects.create(external_id="c-cards", version="1.0.0", domain=finance,
                                             document=contract_document("c-cards", roles))
    cards = OutputPort.objects.create(product=payments, name="cards", version="1.0.0", contract=cards_contract)
    ledger = OutputPort.objects.create(product=payments, name="ledger", version="1.0.0")
    rates = _product(finance, "rates", "public")
    OutputPort.objects.create(product=rates, name="rates", version="1.0.0")
    spend = _product(marketing, "spend", "public")
    return AccessMesh(payments=payments, cards=cards, ledger=ledger, rates=rates, spend=spend, users=users)


@pytest.fixture
def as_user(api):
    """The API client signed in as a fresh copy of the user (a request's user never carries another's cache)."""
    def sign_in(user):
        api.force_authenticate(None if user is None else type(user).objects.get(pk=user.pk))
        return api

    return sign_in
