"""Bring a product's rows in line with its descriptor, writing only what differs.

Every function returns whether it wrote anything, so the import can tell "updated" from
"unchanged" and keep re-imports free of writes.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Model, Q

from catalog.descriptors import mapping
from catalog.models import Column, Contract, DataProduct, InputPort, OutputPort, ProductTeamMember, Tag


def apply(instance: Model, fields: dict) -> bool:
    """Set the fields that differ and save only those (plus ``updated``); True if any did."""
    return bool(apply_fields(instance, fields))


def apply_fields(instance: Model, fields: dict, old: dict | None = None) -> list[str]:
    """``apply``, returning the names of the fields that changed (for the change record); ``old`` gets their old values."""
    changed = [name for name, value in fields.items() if getattr(instance, name) != value]
    if not changed:
        return []
    if old is not None:
        old.update({name: getattr(instance, name) for name in changed})
    for name in changed:
        setattr(instance, name, fields[name])
    saved = [*changed, "updated"] if any(f.name == "updated" for f in instance._meta.concrete_fields) else changed
    instance.save(update_fields=saved)
    return changed


def rows_sync(model, existing: dict, wanted: dict, build, fields_of) -> bool:
    """Create, update and delete keyed rows so that they match ``wanted`` (key → values).

    ``build(key, values)`` returns an unsaved row; new rows are inserted in one statement.
    """
    new = [build(key, values) for key, values in wanted.items() if key not in existing]
    changed = bool(new)
    model.objects.bulk_create(new)
    for key, row in existing.items():
        if key in wanted:
            changed |= apply(row, fields_of(wanted[key]))
    stale = [row.pk for key, row in existing.items() if key not in wanted]
    if stale:
        model.objects.filter(pk__in=stale).delete()
        changed = True
    return changed


def tags_sync(product: DataProduct, names: list[str]) -> bool:
    if set(product.tags.values_list("name", flat=True)) == set(names):
        return False
    product.tags.set([Tag.objects.get_or_create(name=name)[0] for name in names])
    return True


def team_sync(product: DataProduct, members: list[dict]) -> bool:
    existing = {m.username: m for m in product.team_members.all()}
    wanted = {m["username"]: {**m, "user_id": _user_id(m["username"])} for m in members}

    def build(username, values):
        return ProductTeamMember(product=product, **values)

    return rows_sync(ProductTeamMember, existing, wanted, build, lambda v: {k: v[k] for k in ("name", "role", "user_id")})


def _user_id(username: str) -> int | None:
    """The account a team member is: same username first, else same e-mail address."""
    users = get_user_model().objects.filter(Q(username__iexact=username) | Q(email__iexact=username))
    ids = dict(users.values_list("username", "pk"))
    exact = next((pk for name, pk in ids.items() if name.lower() == username.lower()), None)
    return exact if exact is not None else min(ids.values(), default=None)


# What makes a port's data or contract another one: such a port is profiled again.
PORT_DATA_FIELDS = {"kind", "format", "location", "server_type", "server", "contract_id", "schema_object"}


def output_ports_sync(product: DataProduct, ports: list[dict], contracts: dict[str, Contract],
                      changed_ports: set[int] | None = None) -> bool:
    """Ports as the descriptor says; ``changed_ports`` collects the ids whose data or contract changed."""
    changed_ports = set() if changed_ports is None else changed_ports
    existing = {(p.name, p.version): p for p in product.output_ports.prefetch_related("columns")}
    wanted = {(p["name"], p["version"]): p for p in ports}
    changed = False
    for key, port in wanted.items():
        contract = contracts.get(port.get("contractId"))
        document = contract.document if contract else {}
        fields = {**mapping.port_fields(port, document), "contract_id": contract.pk if contract else None}
        row = existing.get(key)
        if row is None:
            row = OutputPort.objects.create(product=product, name=key[0], version=key[1], **fields)
            changed = True
            changed_ports.add(row.pk)
        else:
            names = apply_fields(row, fields)
            changed |= bool(names)
            if PORT_DATA_FIELDS.intersection(names):
                changed_ports.add(row.pk)
        columns = mapping.column_rows(mapping.schema_object(document, key[0]))
        if columns_sync(row, columns):
            changed = True
            changed_ports.add(row.pk)
    stale = [row.pk for key, row in existing.items() if key not in wanted]
    if stale:
        OutputPort.objects.filter(pk__in=stale).delete()
        changed = True
    return changed


def columns_sync(port: OutputPort, columns: list[dict]) -> bool:
    """The contract's columns; what pipelines reported beyond it stays (else every re-import would undo it).

    A column a pipeline reported and the contract does not declare is kept, and so is an observed
    type where the contract gives none: the next OpenLineage event would only write them back.
    """
    existing = {c.name: c for c in port.columns.all()}
    wanted = {c["name"]: {**c, "observed": False} for c in columns}
    for name, column in existing.items():
        if name in wanted and not wanted[name].get("physical_type"):
            wanted[name]["physical_type"] = column.physical_type
    existing = {name: c for name, c in existing.items() if name in wanted or not c.observed}

    def build(name, values):
        return Column(port=port, **values)

    return rows_sync(Column, existing, wanted, build, lambda v: {k: x for k, x in v.items() if k != "name"})


def input_ports_sync(product: DataProduct, ports: list[dict]) -> bool:
    existing = {(p.name, p.version): p for p in product.input_ports.all()}
    wanted = {
        (p["name"], p["version"]): {"contract_ref": p["contractId"], "source_port": source_port_for(p["contractId"])}
        for p in ports
    }

    def build(key, values):
        return InputPort(product=product, name=key[0], version=key[1], **values)

    def fields_of(values):
        source = values["source_port"]
        return {"contract_ref": values["contract_ref"], "source_port_id": source.pk if source else None}

    return rows_sync(InputPort, existing, wanted, build, fields_of)


def source_port_for(contract_ref: str) -> OutputPort | None:
    """The output port that publishes a contract (the oldest, if several do)."""
    return OutputPort.objects.filter(contract__external_id=contract_ref).order_by("pk").first()
