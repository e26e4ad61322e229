"""Product history: a version per change of a product's descriptor, with a semantic-version bump suggestion.

A product's *snapshot* is its ODPS document and the ODCS documents of the contracts its output
ports use. When a change leaves the snapshot's hash as it was (a no-op re-import, a profile, a
score), no version is made. Otherwise the version keeps the snapshot, its ``audit.diff`` against
the one before, a suggested bump and a readable description:

- **major**: a breaking contract change (``audit.contracts``: a column or schema object removed or
  renamed, a type narrowed, a column made required), a contract or output port removed;
- **minor**: a port, schema object, column or other field added;
- **patch**: anything else (descriptions, versions, tags …).

Catalog builds the snapshots (audit imports no app) and calls ``versions_record`` in the change
fan-out, right after the product's audit event, in the same transaction.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection

from audit import context, sql
from audit.contracts import _narrowed, _objects
from audit.diff import diff
from audit.models import ProductVersion
from audit.services import recording

RANK = {ProductVersion.Bump.PATCH: 0, ProductVersion.Bump.MINOR: 1, ProductVersion.Bump.MAJOR: 2}
VERSION_COLUMNS = ("product_id", "identifier", "domain", "sequence", "snapshot_hash", "snapshot", "diff", "bump",
                   "description", "summary", "actor", "actor_name", "created_at", "event_id")
UNCHANGED = object()  # a product whose snapshot is its last version's
_TOP = re.compile(r"^([^.\[]+)(?:\[([^\]]+)\])?")


@dataclass(frozen=True)
class Snapshot:
    """What catalog knows of one changed product: its document and its ports' contracts' documents,
    as JSON values (decoded from the database's JSON columns: no dates, decimals or tuples)."""

    product_id: int
    identifier: str
    domain: str
    descriptor: dict
    contracts: dict  # contract id -> ODCS document
    actor: object = None  # as ``audit.services.record`` takes it
    event_id: int | None = None

    @property
    def document(self) -> dict:
        return {"product": self.descriptor, "contracts": self.contracts}


@dataclass(frozen=True)
class Change:
    text: str  # with column names
    summary: str  # without them
    bump: str


def snapshot_hash(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def versions_record(*, snapshots: Sequence[Snapshot]) -> list[ProductVersion]:
    """Inside the writer's transaction: a new version for each product whose snapshot changed."""
    snapshots = [s for s in snapshots if s.descriptor]  # made without a descriptor: nothing to version
    if not snapshots or not recording():
        return []
    documents = {s.product_id: s.document for s in snapshots}
    digests = {pid: snapshot_hash(document) for pid, document in documents.items()}
    latest = _latest(digests)
    versions = []
    for snap in snapshots:
        document, digest, before = documents[snap.product_id], digests[snap.product_id], latest.get(snap.product_id)
        if before is UNCHANGED:
            continue
        actor = context.resolve(snap.actor)
        changed = diff(before.snapshot, document) if before else {}
        changes = describe(before.snapshot if before else None, document, changed=changed)
        versions.append(ProductVersion(
            product_id=snap.product_id, identifier=snap.identifier[:200], domain=snap.domain[:64],
            sequence=before.sequence + 1 if before else 1, snapshot_hash=digest, snapshot=document,
            diff=changed, bump=bump_of(changes, first=before is None),
            description=_sentence(c.text for c in changes), summary=_sentence(c.summary for c in changes),
            actor=actor.label[:120], actor_name=actor.name[:150], event_id=snap.event_id,
        ))
    return sql.insert(connection, versions, VERSION_COLUMNS)


def _latest(snapshots: dict[int, str]) -> dict[int, ProductVersion]:
    """The last version of each product, ``UNCHANGED`` where its snapshot hash is the given one.

    One query in plain SQL (it runs on every publish); a snapshot is decoded only when it differs.
    """
    table = ProductVersion._meta.db_table
    sql = (f"SELECT v.id, v.product_id, v.sequence, v.snapshot_hash, v.snapshot FROM {table} v "  # noqa: S608 - our tables
           f"WHERE v.product_id IN ({', '.join(['%s'] * len(snapshots))}) "
           f"AND v.sequence = (SELECT MAX(w.sequence) FROM {table} w WHERE w.product_id = v.product_id)")
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, list(snapshots))
        for pk, product_id, sequence, digest, snapshot in cursor.fetchall():
            if digest == snapshots[product_id]:
                found[product_id] = UNCHANGED
                continue
            found[product_id] = ProductVersion(pk=pk, product_id=product_id, sequence=sequence, snapshot_hash=digest,
                                               snapshot=json.loads(snapshot) if isinstance(snapshot, str | bytes) else snapshot)
    return found


def bump_of(changes: Sequence[Change], *, first: bool = False) -> str:
    if first:
        return ProductVersion.Bump.INITIAL
    return max((c.bump for c in changes), key=RANK.__getitem__, default=ProductVersion.Bump.PATCH)


def describe(old: dict | None, new: dict, *, changed: dict | None = None) -> list[Change]:
    """What changed from ``old`` to ``new`` (snapshots), one readable ``Change`` per fact.

    ``changed``: ``diff(old, new)`` when the caller has it already (its ``product.`` paths are the product's diff).
    """
    if old is None:
        ports = [p.get("name") for p in new["product"].get("outputPorts") or [] if isinstance(p, dict)]
        text = f"First version: {len(ports)} output port{'s' if len(ports) != 1 else ''}"
        return [Change(text, text, ProductVersion.Bump.INITIAL)]
    if changed is None:
        product_diff = diff(old.get("product") or {}, new.get("product") or {})
    else:
        product_diff = {part: {path.removeprefix("product."): value for path, value in paths.items() if path.startswith("product.")}
                        for part, paths in changed.items()}
    changes = _product_changes(product_diff)
    before, after = old.get("contracts") or {}, new.get("contracts") or {}
    for cid in sorted(before.keys() - after.keys()):
        changes.append(Change(f"Contract {cid} no longer used (breaking)", f"Contract {cid} no longer used (breaking)", "major"))
    for cid in sorted(before.keys() & after.keys()):
        changes += _contract_changes(cid, before[cid] or {}, after[cid] or {})
    for cid in sorted(after.keys() - before.keys()):
        changes.append(Change(f"Contract {cid} used", f"Contract {cid} used", "minor"))
    return changes or [Change("Changed", "Changed", "patch")]


def _product_changes(product_diff: dict) -> list[Change]:
    found: dict[str, Change] = {}
    for part, paths in product_diff.items():
        for path in paths:
            key, name = _TOP.match(path).groups() if _TOP.match(path) else (path, None)
            if key == "outputPorts" and name and part != "changed":
                verb, bump = ("Added", "minor") if part == "added" else ("Removed", "major")
                text = f"{verb} output port `{name}`" + (" (breaking)" if bump == "major" else "")
            elif key == "description" or path.endswith("description"):
                text, bump = "description changed", "patch"
            elif part == "added":
                text, bump = f"`{key}` added", "minor"
            else:
                text, bump = f"`{key}` {part}", "patch"
            found.setdefault(text, Change(text, text, bump))
    return list(found.values())


def _contract_changes(cid: str, old: dict, new: dict) -> list[Change]:
    if old == new:
        return []
    changes = []
    before, after = _objects(old), _objects(new)
    for obj in before.keys() - after.keys():
        text = f"Removed schema object `{obj}` from contract {cid} (breaking)"
        changes.append(Change(text, f"Removed a schema object from contract {cid} (breaking)", "major"))
    for obj in sorted(before.keys() & after.keys()):
        was, now = before[obj], after[obj]
        for column in [c for c in was if c not in now]:
            changes.append(Change(f"Removed column `{column}` from contract {cid} (breaking)",
                                  f"Removed a column from contract {cid} (breaking)", "major"))
        for column in [c for c in was if c in now]:
            if reasons := _narrowed(was[column], now[column]):
                changes.append(Change(f"Column `{column}` of contract {cid}: {', '.join(reasons)} (breaking)",
                                      f"Changed a column of contract {cid} (breaking)", "major"))
        for column in [c for c in now if c not in was]:
            changes.append(Change(f"Added column `{column}` to contract {cid}", f"Added a column to contract {cid}", "minor"))
    for obj in sorted(after.keys() - before.keys()):
        changes.append(Change(f"Added schema object `{obj}` to contract {cid}", f"Added a schema object to contract {cid}", "minor"))
    if not changes and (rest := diff(old, new)):
        if all(p.endswith("description") for part in rest.values() for p in part):
            text, bump = f"contract {cid}: descriptions changed", "patch"
        else:
            text, bump = f"contract {cid} changed", "minor" if "added" in rest else "patch"
        changes.append(Change(text, text, bump))
    return changes


def _sentence(parts) -> str:
    seen = list(dict.fromkeys(p for p in parts if p))
    text = "; ".join(seen)
    return text[:1].upper() + text[1:]


# Left out for who may not read the details: contracts (columns, servers), ports (locations; an input
# port names a source the viewer may not know) and custom properties.
_PRIVATE = ("product.outputPorts", "product.inputPorts", "product.customProperties")


def public_diff(value: dict) -> dict:
    """A version's diff without column-level details: the product document's own descriptive paths."""
    kept = {part: {p: v for p, v in paths.items() if p.startswith("product.") and not p.startswith(_PRIVATE)}
            for part, paths in value.items()}
    return {part: paths for part, paths in kept.items() if paths}
