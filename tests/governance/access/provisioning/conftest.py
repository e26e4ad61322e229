"""Provisioning fixtures: a restricted product with a CSV port in its domain's folder, its owner and a consumer.

Access is asked for and decided through the access services, with their after-commit signals run
(``django_capture_on_commit_callbacks``), so provisioning starts exactly as it does in production.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from catalog.models import Column, DataProduct, Domain, DomainMembership, OutputPort
from governance.access import services as access

ORDERS_CSV = "id,email,amount\n" + "".join(f"{i},user{i}@example.org,{i * 2.5}\n" for i in range(1, 31))


@dataclass
class Mesh:
    domain: Domain
    product: DataProduct
    port: OutputPort
    owner: object
    consumer: object
    path: Path


@pytest.fixture
def mesh(db, make_user) -> Mesh:
    slug = f"sales{uuid.uuid4().hex[:6]}"
    domain = Domain.objects.create(slug=slug, name="Sales")
    folder = Path(settings.MESHPORT_DATA_ROOTS[0]) / slug
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "orders.csv"
    path.write_text(ORDERS_CSV)
    product = DataProduct.objects.create(domain=domain, slug="orders", external_id=f"urn:{slug}.orders", name="Orders",
                                         status="published", visibility="restricted")
    port = OutputPort.objects.create(product=product, name="orders", version="1.0.0", format="csv",
                                     location=str(path), server_type="local", server={"type": "local"})
    for position, (name, classification) in enumerate([("id", ""), ("email", "pii"), ("amount", "")]):
        Column.objects.create(port=port, name=name, position=position, classification=classification)
    owner, consumer = make_user("olga"), make_user("carol")
    DomainMembership.objects.create(domain=domain, user=owner, role=DomainMembership.Role.OWNER)
    return Mesh(domain, product, port, owner, consumer, path)


@pytest.fixture
def grant_flow(django_capture_on_commit_callbacks):
    """Ask, approve and revoke through the access services, running what they do after commit."""

    class Flow:
        @staticmethod
        def ask(user, product, port=None, **extra):
            with django_capture_on_commit_callbacks(execute=True):
                return access.access_request_create(requester=user, product=product, port=port,
                                                    purpose="Monthly revenue reconciliation", **extra)

        @staticmethod
        def approve(request, actor):
            with django_capture_on_commit_callbacks(execute=True):
                access.access_request_approve(request=request, actor=actor)
            return request.grants.get()

        @staticmethod
        def revoke(grant, actor):
            with django_capture_on_commit_callbacks(execute=True):
                return access.access_grant_revoke(grant=grant, actor=actor, note="The project ended.")

    return Flow


@pytest.fixture
def as_user(api):
    def sign_in(user):
        api.force_authenticate(None if user is None else type(user).objects.get(pk=user.pk))
        return api

    return sign_in
