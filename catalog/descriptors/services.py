"""Import descriptors: validate, then upsert products and contracts by their stable ids.

One transaction per call, so a bad document anywhere writes nothing. Rows are compared
with what the documents say and only differences are written: importing the same document
again issues no UPDATE at all and leaves every ``updated`` timestamp alone.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from audit.contracts import contract_change
from audit.diff import fields_diff
from audit.services import Subject, record
from catalog import locations
from catalog.changes import ChangeSet, Kind, actor_label, changes_announce
from catalog.descriptors import mapping, rules, sync
from catalog.descriptors.checks import publish_checks_run
from catalog.models import Contract, DataProduct, Domain, InputPort, OutputPort
from catalog.permissions import can_write_domain
from standards.errors import DescriptorError, DescriptorPermissionError
from standards.payload import (
    CONTRACT_KIND,
    PRODUCT_KIND,
    Document,
    documents_from_files,
    documents_from_text,
    jsonable,
    label_documents,
)
from standards.validation import validate_documents

logger = logging.getLogger(__name__)


@dataclass
class ImportResult:
    """What an import did, product by product (identifiers)."""

    products: list[DataProduct] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    contracts: list[Contract] = field(default_factory=list)
    # What the import did beyond what was asked ({"path", "message"}): versions upgraded, ports
    # kept with their contract pending, other products rewritten through a shared contract.
    warnings: list[dict] = field(default_factory=list)

    def outcome(self, product: DataProduct) -> str:
        for name in ("created", "updated", "unchanged"):
            if product.identifier in getattr(self, name):
                return name
        return "unchanged"

    def would_do(self) -> str:
        """What publishing would do, said the same way by the page's "Validate only" and the API's dry run."""
        product = self.products[0]
        return f"{WOULD_WORDS[self.outcome(product)]} {product.identifier}"


WOULD_WORDS = {"created": "would create", "updated": "would update", "unchanged": "would change nothing in"}


@transaction.atomic
def descriptors_import(*, documents: list[dict], actor=None, source: str, dry_run: bool = False) -> ImportResult:
    """Import ODPS products and ODCS contracts (as ``documents_from_payload`` returns them).

    ``actor`` None means the command line (may create domains); raises ``DescriptorError``
    naming every failing path, or ``DescriptorPermissionError``. ``dry_run``: as in
    ``descriptor_text_import``, everything is checked and nothing is written, audited or sent.
    """
    docs = label_documents([Document(data=jsonable(d)) for d in documents])
    result = _import(docs, actor=actor, source=f"{source} (validate only)" if dry_run else source)
    if dry_run:
        transaction.set_rollback(True)
    return result


@transaction.atomic
def descriptor_files_import(*, paths: list[Path], actor=None) -> ImportResult:
    """Import descriptor files and folders (.yaml, .yml, .json) together, all or nothing."""
    docs = documents_from_files([Path(p) for p in paths])
    return _import(docs, actor=actor, source=_describe_paths(paths))


@transaction.atomic
def descriptor_text_import(*, text: str, name: str, actor, dry_run: bool = False) -> ImportResult:
    """Import one product's descriptor (YAML or JSON text, as typed or uploaded in the marketplace).

    Errors name the line of each failing path. ``dry_run`` runs the whole import, permissions
    included, then rolls it back: nothing is written or sent, and the result says what
    publishing would do.
    """
    docs = documents_from_text(text, name=name)
    _require_one_product(docs)
    result = _import(docs, actor=actor, source=f"{name} (validate only)" if dry_run else name)
    if dry_run:
        # Rolls back this block only (a savepoint inside a caller's transaction); the
        # on_commit work registered by the import is discarded with it.
        transaction.set_rollback(True)
    return result


def _require_one_product(docs: list[Document]) -> None:
    found = [d for d in docs if d.kind == PRODUCT_KIND]
    if len(found) != 1:
        message = f"Expected exactly one ODPS document (kind: {PRODUCT_KIND}), found {len(found)}."
        error = found[1].error((), message) if found[1:] else {"path": "product", "message": message}
        raise DescriptorError([error])


def _import(docs: list[Document], *, actor, source: str) -> ImportResult:
    notices = validate_documents(docs, rules=lambda checked: rules.payload_errors(checked, actor=actor))
    products = [d for d in docs if d.kind == PRODUCT_KIND]
    _check_domains(products, actor)
    result = ImportResult(warnings=notices)
    changed_contracts = {}
    for doc in (d for d in docs if d.kind == CONTRACT_KIND):
        contract, changed = _contract_upsert(doc, actor)
        result.contracts.append(contract)
        if changed:
            changed_contracts[contract] = doc
    changes = ChangeSet(actor=actor_label(actor))
    for doc in products:
        product, outcome = _product_upsert(doc, actor, changes)
        _record(result, product, outcome)
        result.warnings += _pending_warnings(doc, product)
    using = _products_using(list(changed_contracts), exclude=[p.pk for p in result.products])
    _check_products(using, actor)
    result.warnings += _rewritten_warnings(using, changed_contracts)
    waiting = _products_waiting(list(changed_contracts), exclude=[p.pk for p in result.products + list(using)], actor=actor)
    for product in [*using, *waiting]:
        _record(result, *_product_upsert(Document(data=product.descriptor, label=product.identifier), actor, changes))
    for pk in _input_ports_resolve(_published_refs(result.products)):
        changes.add(pk, Kind.UPDATED, fields={"input_ports"})
    # what this import writes; an unchanged product is not published again, so nothing is refused for it
    written = [p for p in result.products if p.identifier not in result.unchanged]
    publish_checks_run(products=written, documents=docs, actor=actor)
    changes_announce(changes)
    logger.info("descriptors from %s: %d created, %d updated, %d unchanged",
                source, len(result.created), len(result.updated), len(result.unchanged))
    return result


def _record(result: ImportResult, product: DataProduct, outcome: str) -> None:
    result.products.append(product)
    getattr(result, outcome).append(product.identifier)


# --- permissions -------------------------------------------------------------------------------


def _check_domains(products: list[Document], actor) -> None:
    if actor is None:
        return
    slugs = {d.data["domain"] for d in products}
    for domain in Domain.objects.filter(slug__in=slugs):
        if not can_write_domain(actor, domain):
            raise DescriptorPermissionError(
                f"You may not publish in the domain {domain.slug!r}: only its team and stewards may."
            )


def _check_products(using: dict[DataProduct, set[str]], actor) -> None:
    """Refuse a contract change that would rewrite products of domains the actor may not write."""
    refused = [f"{p.identifier} (uses {', '.join(sorted(ids))})" for p, ids in using.items()
               if actor is not None and not can_write_domain(actor, p.domain)]
    if refused:
        raise DescriptorPermissionError(
            f"This import changes contracts that products of domains you may not write use: {'; '.join(refused)}. "
            "Only their domain teams may change them; nothing was imported."
        )


# --- warnings ----------------------------------------------------------------------------------


def _rewritten_warnings(using: dict[DataProduct, set[str]], changed: dict[Contract, Document]) -> list[dict]:
    """One warning per changed contract, naming every other product the change rewrote."""
    warnings = []
    for contract, doc in changed.items():
        names = sorted(p.identifier for p, ids in using.items() if contract.external_id in ids)
        if names:
            warnings.append(doc.error((), f"Contract {contract.external_id!r} changed: this import also rewrote "
                                          f"{', '.join(names)}, which use it."))
    return warnings


def _pending_warnings(doc: Document, product: DataProduct) -> list[dict]:
    pending = (product.flags or {}).get(mapping.PENDING_FLAG) or {}
    ports = mapping.dict_list(doc.data.get("outputPorts"))
    return [
        doc.error(("outputPorts", i, "contractId"), f"Contract {port['contractId']!r} is not in the catalog yet: "
                                                    "the port is kept as contract pending until it is imported.")
        for i, port in enumerate(ports) if f"{port.get('name')}@{port.get('version')}" in pending
    ]


# --- contracts ---------------------------------------------------------------------------------


def _contract_upsert(doc: Document, actor) -> tuple[Contract, bool]:
    data = mapping.normalise_contract(doc.data, doc.base_dir)
    fields = mapping.contract_fields(data)
    domain = data.get("domain")
    fields["domain_id"] = Domain.objects.filter(slug=domain).values_list("pk", flat=True).first() if domain else None
    if fields["domain_id"] is not None and actor is not None and not can_write_domain(actor, Domain(pk=fields["domain_id"])):
        raise DescriptorPermissionError(f"Contract {data['id']!r} names the {domain!r} domain: only its team may publish its contracts.")
    contract = Contract.objects.filter(external_id=data["id"]).select_related("domain").first()
    if contract is None:
        contract = Contract.objects.create(external_id=data["id"], **fields)
        _contract_audit(contract, None, actor)
        return contract, True
    if fields["domain_id"] is None:
        fields["domain_id"] = contract.domain_id  # the owner recorded when a product first published it
    if contract.document_hash != fields["document_hash"] and contract.domain and actor is not None:
        if not can_write_domain(actor, contract.domain):
            raise DescriptorPermissionError(f"Only the {contract.domain.slug!r} team may change contract {contract.external_id!r}.")
    old = contract.document
    changed = sync.apply(contract, fields) and _contract_audit(contract, old, actor)
    return contract, changed


def _contract_audit(contract: Contract, old: dict | None, actor) -> bool:
    subject = Subject("contract", contract.pk, contract.external_id, contract.domain.slug if contract.domain_id else "")
    record(action=f"contract.{'changed' if old else 'created'}", actor=actor, subject=subject,
           data=contract_change(old, contract.document))
    return True


def _products_using(contracts: list[Contract], *, exclude: Iterable[int]) -> dict[DataProduct, set[str]]:
    """Products outside this import whose output ports use these contracts → those contracts' ids."""
    ports = OutputPort.objects.filter(contract__in=contracts).exclude(product__in=exclude)
    using = {}
    for port in ports.select_related("product__domain", "contract").order_by("product__identifier"):
        # Products made without a descriptor (admin, demo code) have nothing to re-derive from.
        if port.product.descriptor.get("id"):
            using.setdefault(port.product, set()).add(port.contract.external_id)
    return using


def _products_waiting(contracts: list[Contract], *, exclude: Iterable[int], actor) -> list[DataProduct]:
    """Products with a port pending on one of these contracts, to resolve now.

    Only products of the contract's own domain that the actor may write: a port cannot claim
    another domain's contract, nor hold that domain's import hostage by waiting for it.
    """
    by_id = {c.external_id: c for c in contracts}
    ports = OutputPort.objects.filter(contract__isnull=True, contract_ref__in=by_id).exclude(product__in=exclude)
    waiting = {}
    for port in ports.select_related("product__domain"):
        product, contract = port.product, by_id[port.contract_ref]
        if contract.domain_id not in (None, product.domain_id) or not product.descriptor.get("id"):
            continue
        if actor is None or can_write_domain(actor, product.domain):
            waiting[product.pk] = product
    return list(waiting.values())


# --- products ----------------------------------------------------------------------------------


def _product_upsert(doc: Document, actor, changes: ChangeSet) -> tuple[DataProduct, str]:
    """Create or update one product from its document; what changed goes into ``changes``."""
    data = doc.data
    ports = mapping.dict_list(data.get("outputPorts"))
    contracts = _contracts_by_id(p.get("contractId") for p in ports)
    fields = mapping.product_fields(data)
    fields.update(mapping.product_slos([c.document for c in contracts.values()]))
    product = DataProduct.objects.filter(external_id=data["id"]).select_related("domain").first()
    pending = mapping.pending_contracts(ports, contracts)
    fields["flags"] = mapping.product_flags(product.flags if product else {}, pending)
    if product is None:
        domain = _domain_get_or_create(data["domain"])
        product = DataProduct.objects.create(domain=domain, slug=mapping.product_slug(data), external_id=data["id"], **fields)
        ports: set[int] = set()
        _product_children_sync(product, data, contracts, ports)
        _locations_claim(product, doc)
        changes.add(product.pk, Kind.CREATED, port_ids=ports, diff=fields_diff({}, fields, ignore={"descriptor_hash"}))
        return product, "created"
    old: dict = {}
    names = {n for n in sync.apply_fields(product, fields, old) if n != "descriptor_hash"}
    ports = set()
    children = _product_children_sync(product, data, contracts, ports)
    if children and not names:
        product.save(update_fields=["updated"])  # the product changed through its ports or team
    _locations_claim(product, doc)
    if not names and not children:
        return product, "unchanged"
    changes.add(product.pk, Kind.UPDATED, fields=names | children, port_ids=ports, diff=fields_diff(old, fields, ignore={"descriptor_hash"}))
    return product, "updated"


def _locations_claim(product: DataProduct, doc: Document) -> None:
    """Data belongs to a domain (``catalog.locations``): refuse, naming each port, or hold its locations."""
    problems = locations.claim_problems(product)
    if not problems:
        return
    ports = [(p.get("name"), p.get("version")) for p in mapping.dict_list(doc.data.get("outputPorts"))]
    errors = []
    for problem in problems:
        key = (problem.port.name, problem.port.version)
        parts = ("outputPorts", ports.index(key), "contractId") if key in ports else ("outputPorts",)
        errors.append(doc.error(parts, problem.message))
    raise DescriptorError(errors)


def _product_children_sync(product: DataProduct, data: dict, contracts: dict[str, Contract],
                           changed_ports: set[int]) -> set[str]:
    """Tags, team and ports as the descriptor says; the names of the parts that changed."""
    synced = {
        "tags": sync.tags_sync(product, mapping.product_tags(data)),
        "team": sync.team_sync(product, mapping.team_members(data)),
        "output_ports": sync.output_ports_sync(product, mapping.dict_list(data.get("outputPorts")), contracts,
                                               changed_ports),
        "input_ports": sync.input_ports_sync(product, mapping.dict_list(data.get("inputPorts"))),
    }
    return {name for name, changed in synced.items() if changed}


def _contracts_by_id(refs: Iterable) -> dict[str, Contract]:
    wanted = {r for r in refs if isinstance(r, str)}
    return {c.external_id: c for c in Contract.objects.filter(external_id__in=wanted)} if wanted else {}


def _domain_get_or_create(slug: str) -> Domain:
    # Validation allowed this only for stewards and the command line.
    name = slug.replace("_", " ").replace("-", " ").title()
    return Domain.objects.get_or_create(slug=slug, defaults={"name": name})[0]


# --- lineage between products ------------------------------------------------------------------


def _published_refs(products: list[DataProduct]) -> set[str]:
    return set(
        OutputPort.objects.filter(product__in=products, contract__isnull=False)
        .values_list("contract__external_id", flat=True)
    )


def _input_ports_resolve(refs: set[str]) -> set[int]:
    """Point dangling input ports at output ports that now publish their contract."""
    changed = set()
    if not refs:
        return changed
    for port in InputPort.objects.filter(source_port__isnull=True, contract_ref__in=refs):
        source = sync.source_port_for(port.contract_ref)
        if source is not None:
            port.source_port = source
            port.save(update_fields=["source_port", "updated"])
            changed.add(port.product_id)
    return changed


def _describe_paths(paths) -> str:
    """A short log label for the paths of one import: the first, and how many more."""
    paths = [str(p) for p in paths]
    return paths[0] if len(paths) == 1 else f"{paths[0]} and {len(paths) - 1} more path(s)"
