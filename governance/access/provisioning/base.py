"""The provisioning interface: what to provision (``Target``), what came of it (``Outcome``), and who does it.

A provisioner makes a grant real on the platform that serves the port's data, and undoes it when
the grant ends. Which one runs is chosen by the port's server type (``kind_for``); the classes are
named by dotted path in ``MESHPORT_PROVISIONERS`` and built once (``provisioner_for``), like
Django's cache backends: a bad path fails with a sentence naming the setting.
"""
from __future__ import annotations

import abc
import functools
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

POSTGRES = "postgres"
WEBHOOK = "webhook"
FILES = "files"
KINDS = (POSTGRES, WEBHOOK, FILES)

# Server types whose ports are files Meshport itself serves (download, sample).
FILE_SERVERS = {"", "local", "file", "files"}
POSTGRES_SERVERS = {"postgres", "postgresql"}

DEFAULT_PROVISIONERS = {
    POSTGRES: "governance.access.provisioning.postgres.PostgresProvisioner",
    WEBHOOK: "governance.access.provisioning.webhook.WebhookProvisioner",
    FILES: "governance.access.provisioning.files.FilesProvisioner",
}


@dataclass(frozen=True)
class Target:
    """Everything a provisioner needs about one grant on one port, as plain values.

    Stored with the provisioning row, so access is undone exactly as it was given even when the
    port has been edited or deleted since.
    """

    grant_id: int
    grantee: str  # the grantee's username
    role: str  # the role to grant to (PostgreSQL: the grantee's database role)
    product: str  # the product's identifier, <domain>.<slug>
    domain: str  # the domain's slug
    port_id: int | None
    port_name: str
    server_type: str
    server: dict = field(default_factory=dict)
    location: str = ""
    contract_role: str = ""  # the ODCS role the grant was asked for, if any
    valid_until: str = ""  # ISO 8601, or "" for no end

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Target:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class Outcome:
    """What a provisioner reports: a provisioning state, the platform's reference and diagnostics.

    ``state`` is ``provisioned``/``deprovisioned`` when done, ``provisioning``/``deprovisioning``
    when the platform accepted the work and will report back, ``failed`` when it refused.
    """

    state: str
    reference: str = ""
    diagnostics: str = ""


class TransientError(Exception):
    """The platform could not be reached or answered "try later": retried with backoff."""


class Provisioner(abc.ABC):
    """Grants and revokes access on one kind of platform."""

    name: str = ""
    # True when the platform holds privileges per grantee, not per grant (a PostgreSQL role): ending
    # one grant must not revoke what another live grant of the same grantee on the same port still needs.
    shared_privileges: bool = False
    # True when the work finishes after the call returns and the platform reports it (a webhook).
    reports_back: bool = False

    @abc.abstractmethod
    def provision(self, target: Target) -> Outcome: ...

    @abc.abstractmethod
    def deprovision(self, target: Target) -> Outcome: ...


def kind_for(server_type: str, *, port_kind: str = "") -> str:
    """Which provisioner serves a port: PostgreSQL grants, Meshport itself for files, else a webhook."""
    server_type = (server_type or "").lower()
    if server_type in POSTGRES_SERVERS:
        return POSTGRES
    if server_type in FILE_SERVERS and port_kind in ("", "file"):
        return FILES
    return WEBHOOK


@functools.cache
def _build(kind: str) -> Provisioner:
    paths = {**DEFAULT_PROVISIONERS, **getattr(settings, "MESHPORT_PROVISIONERS", {})}
    if kind not in paths:
        raise ImproperlyConfigured(f"MESHPORT_PROVISIONERS: no provisioner for {kind!r} (known: {', '.join(paths)})")
    try:
        cls = import_string(paths[kind])
    except ImportError as exc:
        raise ImproperlyConfigured(f"MESHPORT_PROVISIONERS[{kind!r}]: cannot import {paths[kind]}") from exc
    return cls()


def provisioner_named(kind: str) -> Provisioner:
    return _build(kind)


def provisioner_for(target: Target, *, port_kind: str = "") -> Provisioner:
    """The provisioner for a target's server type, built once per process."""
    return _build(kind_for(target.server_type, port_kind=port_kind))
