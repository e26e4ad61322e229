"""The demo's people: a steward, an owner and members per domain, and a consumer.

Passwords and API tokens are fixed so the README and a tester can use them; they are for a
local demo only. Everything here is idempotent: a second run writes no row.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from rest_framework.authtoken.models import Token

from catalog.models import Domain, DomainMembership
from catalog.permissions import STEWARDS_GROUP
from demo.mesh import DOMAINS

DEMO_PASSWORD = "meshport-demo"  # noqa: S105 -- a local demo login, printed by load_demo
# Stewards administer every model of these apps in the admin.
STEWARD_APPS = ("catalog", "governance", "lineage")
# ...and the accounts: users, groups and API tokens (catalog.admin_people keeps superusers out of reach).
STEWARD_ACCOUNT_MODELS = (("auth", "user"), ("auth", "group"), ("authtoken", "tokenproxy"), ("authtoken", "token"))


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str  # what the credentials table shows
    domain: str = ""
    membership: str = ""  # owner | member

    @property
    def email(self) -> str:
        return f"{self.username}@example.com"

    @property
    def token(self) -> str:
        """A fixed 40-character token key, so the demo's API examples keep working."""
        return hashlib.sha1(f"meshport-demo-token:{self.username}".encode()).hexdigest()  # noqa: S324


def demo_users() -> list[DemoUser]:
    users = [DemoUser("steward", "Sam", "Steward", "steward (all domains, admin)")]
    for domain in DOMAINS:
        users.append(DemoUser(domain.owner, domain.name, "Owner", f"owner of {domain.slug}", domain.slug, "owner"))
        for username in domain.member_usernames:
            title = username.removeprefix(f"{domain.slug}-").title()
            users.append(DemoUser(username, domain.name, title, f"member of {domain.slug}", domain.slug, "member"))
    users.append(DemoUser("consumer", "Casey", "Consumer", "consumer (no domain)"))
    return users


def _sync(instance, **fields) -> bool:
    """Save only the fields that differ; True if anything was written."""
    changed = [name for name, value in fields.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, fields[name])
    if changed:
        instance.save(update_fields=changed + (["updated"] if hasattr(instance, "updated") else []))
    return bool(changed)


@transaction.atomic
def demo_domains_ensure(*, data_dir: Path) -> list[Domain]:
    """The demo domains with their names and descriptions (created, or corrected if edited).

    Each is assigned its own folder under ``data_dir``: data belongs to a domain (``catalog.locations``).
    """
    domains = []
    for spec in DOMAINS:
        fields = {"name": spec.name, "description": spec.description, "data_locations": [str(data_dir / spec.slug)]}
        domain, created = Domain.objects.get_or_create(slug=spec.slug, defaults=fields)
        if not created:
            _sync(domain, **fields)
        domains.append(domain)
    return domains


@transaction.atomic
def demo_users_ensure() -> list[DemoUser]:
    """Create or correct every demo user, the stewards group, memberships and tokens."""
    stewards = _stewards_group()
    domains = {d.slug: d for d in Domain.objects.filter(slug__in=[d.slug for d in DOMAINS])}
    people = demo_users()
    for person in people:
        user = _user(person)
        if person.username == "steward":
            user.groups.add(stewards)  # add() skips rows that already exist
        if person.domain:
            _membership(domains[person.domain], user, person.membership)
        _token(user, person.token)
    return people


def _stewards_group() -> Group:
    group = Group.objects.get_or_create(name=STEWARDS_GROUP)[0]
    group.permissions.add(*Permission.objects.filter(content_type__app_label__in=STEWARD_APPS))
    group.permissions.add(*Permission.objects.filter(
        content_type__app_label__in=[app for app, _ in STEWARD_ACCOUNT_MODELS],
        content_type__model__in=[model for _, model in STEWARD_ACCOUNT_MODELS]))
    return group


def _user(person: DemoUser):
    user_model = get_user_model()
    user = user_model.objects.filter(username=person.username).first()
    if user is None:
        user = user_model(username=person.username)
        user.set_password(DEMO_PASSWORD)
    elif not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    fields = {"first_name": person.first_name, "last_name": person.last_name, "email": person.email,
              "is_staff": person.username == "steward", "is_active": True}
    if user.pk is None:
        for name, value in fields.items():
            setattr(user, name, value)
        user.save()
    else:
        _sync(user, **fields)
    return user


def _membership(domain: Domain, user, role: str) -> None:
    membership, created = DomainMembership.objects.get_or_create(domain=domain, user=user, defaults={"role": role})
    if not created:
        _sync(membership, role=role)


def _token(user, key: str) -> None:
    token = Token.objects.filter(user=user).first()
    if token is not None and token.key == key:
        return
    if token is not None:
        token.delete()
    Token.objects.create(user=user, key=key)
