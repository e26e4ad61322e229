"""Accounts as stewards manage them in the admin: users, groups and API tokens, each write audited.

The admin's forms do the validation (passwords are hashed by Django's own forms); these functions
save in one transaction with an audit event naming what changed, never a secret: a password or
token appears in no event, only that it was set or issued.
"""
from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction
from rest_framework.authtoken.models import Token

from audit.services import Subject, record

SECRET_FIELDS = {"password", "password1", "password2", "key"}


def _subject(kind: str, obj) -> Subject:
    label = obj.get_username() if hasattr(obj, "get_username") else str(obj)
    return Subject(kind, obj.pk, label)


def _fields(changed) -> list[str]:
    return sorted("password" if name in SECRET_FIELDS else name for name in set(changed))


@transaction.atomic
def user_save(*, user, changed: list[str], actor, creating: bool = False) -> None:
    """Save a user edited in the admin (groups and permissions are saved by the caller's form, in this transaction)."""
    if not creating and not changed:
        return
    user.save()
    record(action="user.created" if creating else "user.changed", actor=actor, subject=_subject("user", user),
           data={"fields": _fields(changed)})


@transaction.atomic
def user_delete(*, user, actor) -> None:
    record(action="user.deleted", actor=actor, subject=_subject("user", user))
    user.delete()


@transaction.atomic
def group_save(*, group: Group, changed: list[str], actor, creating: bool = False) -> None:
    if not creating and not changed:
        return
    group.save()
    record(action="group.created" if creating else "group.changed", actor=actor, subject=_subject("group", group),
           data={"fields": _fields(changed)})


@transaction.atomic
def group_delete(*, group: Group, actor) -> None:
    record(action="group.deleted", actor=actor, subject=_subject("group", group))
    group.delete()


@transaction.atomic
def token_issue(*, token: Token, actor) -> Token:
    """Issue an API token for ``token.user`` (the key is generated on save and never audited)."""
    token.save()
    record(action="token.issued", actor=actor, subject=Subject("token", token.user_id, token.user.get_username()))
    return token


@transaction.atomic
def token_revoke(*, token: Token, actor) -> None:
    record(action="token.revoked", actor=actor, subject=Subject("token", token.user_id, token.user.get_username()))
    token.delete()
