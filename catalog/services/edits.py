"""Edits made row by row (Django admin, later forms): the same rules and the same change record as a publish.

Each function saves only the fields that differ (an unchanged save writes nothing and tells
nothing), with text in one newline convention, and announces the product's change through
``catalog.changes`` in the same transaction. A port edit is held to data ownership like a
descriptor (``catalog.locations``).
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.diff import diff, instance_values
from audit.services import Subject, record
from catalog import locations
from catalog.changes import ChangeSet, Kind, actor_label, changes_announce
from catalog.models import DataProduct, DomainMembership, OutputPort
from catalog.services.text import normalised_newlines

PORT_DATA_FIELDS = {"kind", "format", "location", "server_type", "server", "contract", "schema_object"}


def _save(instance, changed: list[str], *, creating: bool) -> list[str]:
    for name in changed:
        value = getattr(instance, name, None)
        if isinstance(value, str):
            setattr(instance, name, normalised_newlines(value))
    if creating:
        instance.save()
    elif changed:
        fields = [instance._meta.get_field(n).attname for n in changed]
        if any(f.name == "updated" for f in instance._meta.concrete_fields):
            fields.append("updated")
        instance.save(update_fields=fields)
    return changed


@transaction.atomic
def product_edit(*, product: DataProduct, changed: list[str], actor, creating: bool = False) -> list[str]:
    """Save a product whose fields ``changed`` were edited; returns them ([] when nothing was)."""
    if not creating and not changed:
        return []
    old = {} if creating else instance_values(DataProduct.objects.get(pk=product.pk), changed)
    _save(product, changed, creating=creating)
    changes = ChangeSet(actor=actor_label(actor))
    new = instance_values(product, [f.name for f in product._meta.concrete_fields] if creating else changed)
    changes.add(product.pk, Kind.CREATED if creating else Kind.UPDATED, fields=changed, diff=diff(old, new))
    changes_announce(changes)
    return changed


@transaction.atomic
def output_port_edit(*, port: OutputPort, changed: list[str], actor, creating: bool = False) -> list[str]:
    """Save an edited port: refused (ValidationError) where its location or contract is not its domain's."""
    if not creating and not changed:
        return []
    _save(port, changed, creating=creating)
    problems = locations.claim_problems(port.product)
    if problems:
        raise ValidationError([p.message for p in problems])
    changes = ChangeSet(actor=actor_label(actor))
    data = creating or bool(PORT_DATA_FIELDS.intersection(changed))
    changes.add(port.product_id, Kind.UPDATED, fields={"output_ports"}, port_ids={port.pk} if data else ())
    changes_announce(changes)
    return changed


@transaction.atomic
def membership_edit(*, membership: DomainMembership, changed: list[str], actor, creating: bool = False) -> list[str]:
    """Save a membership (who is on a domain's team, in which role)."""
    if not creating and not changed:
        return []
    _save(membership, changed, creating=creating)
    domain = membership.domain
    record(action="membership.changed", actor=actor, subject=Subject("domain", domain.pk, domain.slug, domain.slug),
           data={"user": membership.user.get_username(), "role": membership.role, "created": creating, "fields": changed})
    return changed


@transaction.atomic
def membership_remove(*, membership: DomainMembership, actor) -> None:
    """Take someone off a domain's team."""
    domain, user, role = membership.domain, membership.user, membership.role
    membership.delete()
    record(action="membership.changed", actor=actor, subject=Subject("domain", domain.pk, domain.slug, domain.slug),
           data={"user": user.get_username(), "role": role, "removed": True, "fields": []})
