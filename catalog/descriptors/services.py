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

from catalog.descriptors import mapping, sync
from catalog.descriptors.errors import DescriptorPermissionError
from catalog.descriptors.payload import (
    CONTRACT_KIND,
    PRODUCT_KIND,
    Document,
    documents_from_files,
    jsonable,
    label_documents,
)
from catalog.descriptors.validation import validate_documents
from catalog.events import products_changed
from catalog.models import Contract, DataProduct, Domain, InputPort, OutputPort
from catalog.permissions import can_write_domain

logger = logging.getLogger(__name__)


@dataclass
class ImportResult:
    """What an import did, product by product (identifiers)."""

    products: list[DataProduct] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    contracts: list[Contract] = field(default_factory=list)

    def outcome(self, product: DataProduct) -> str:
        for name in ("created", "updated", "unchanged"):
            if product.identifier in getattr(self, name):
                return name
        return "unchanged"


@transaction.atomic
def descriptors_import(*, documents: list[dict], actor=None, source: str) -> ImportResult:
    """Import ODPS products and ODCS contracts (as ``documents_from_payload`` returns them).

    ``actor`` None means the command line (may create domains); raises ``DescriptorError``
    naming every failing path, or ``DescriptorPermissionError``.
    """
    docs = label_documents([Document(data=jsonable(d)) for d in documents])
    return _import(docs, actor=actor, source=source)


@transaction.atomic
def descriptor_files_import(*, paths: list[Path], actor=None) -> ImportResult:
    """Import descriptor files and folders (.yaml, .yml, .json) together, all or nothing."""
    docs = documents_from_files([Path(p) for p in paths])
    return _import(docs, actor=actor, source=", ".join(map(str, paths)))


def _import(docs: list[Document], *, actor, source: str) -> ImportResult:
    validate_documents(docs, actor=actor)
    products = [d for d in docs if d.kind == PRODUCT_KIND]
    _check_domains(products, actor)
    result = ImportResult()
    changed_contracts = set()
    for doc in (d for d in docs if d.kind == CONTRACT_KIND):
        contract, changed = _contract_upsert(doc, actor)
        result.contracts.append(contract)
        if changed:
            changed_contracts.add(contract.pk)
    changed_ids = set()
    for doc in products:
        product, outcome = _product_upsert(doc.data, actor)
        _record(result, product, outcome, changed_ids)
    for product in _products_using(changed_contracts, exclude=[p.pk for p in result.products]):
        _check_product(product, actor)
        _record(result, *_product_upsert(product.descriptor, actor), changed_ids)
    changed_ids |= _input_ports_resolve(_published_refs(result.products))
    products_changed(changed_ids)
    logger.info("descriptors from %s: %d created, %d updated, %d unchanged",
                source, len(result.created), len(result.updated), len(result.unchanged))
    return result


def _record(result: ImportResult, product: DataProduct, outcome: str, changed_ids: set) -> None:
    result.products.append(product)
    getattr(result, outcome).append(product.identifier)
    if outcome != "unchanged":
        changed_ids.add(product.pk)


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


def _check_product(product: DataProduct, actor) -> None:
    if actor is not None and not can_write_domain(actor, product.domain):
        raise DescriptorPermissionError(
            f"This import changes a contract that {product.identifier} uses; only its domain team may."
        )


# --- contracts ---------------------------------------------------------------------------------


def _contract_upsert(doc: Document, actor) -> tuple[Contract, bool]:
    data = mapping.normalise_contract(doc.data, doc.base_dir)
    fields = mapping.contract_fields(data)
    domain = data.get("domain")
    fields["domain_id"] = Domain.objects.filter(slug=domain).values_list("pk", flat=True).first() if domain else None
    contract = Contract.objects.filter(external_id=data["id"]).select_related("domain").first()
    if contract is None:
        return Contract.objects.create(external_id=data["id"], **fields), True
    if contract.document_hash != fields["document_hash"] and contract.domain and actor is not None:
        if not can_write_domain(actor, contract.domain):
            raise DescriptorPermissionError(f"Only the {contract.domain.slug!r} team may change contract {contract.external_id!r}.")
    return contract, sync.apply(contract, fields)


def _products_using(contract_ids: set[int], *, exclude: Iterable[int]) -> list[DataProduct]:
    if not contract_ids:
        return []
    products = DataProduct.objects.filter(output_ports__contract__in=contract_ids).exclude(pk__in=exclude)
    # Products made without a descriptor (admin, demo code) have nothing to re-derive from.
    return [p for p in products.select_related("domain").distinct() if p.descriptor.get("id")]


# --- products ----------------------------------------------------------------------------------


def _product_upsert(data: dict, actor) -> tuple[DataProduct, str]:
    ports = mapping.dict_list(data.get("outputPorts"))
    contracts = _contracts_by_id(p.get("contractId") for p in ports)
    fields = mapping.product_fields(data)
    fields.update(mapping.product_slos([c.document for c in contracts.values()]))
    product = DataProduct.objects.filter(external_id=data["id"]).select_related("domain").first()
    if product is None:
        domain = _domain_get_or_create(data["domain"])
        product = DataProduct.objects.create(domain=domain, slug=mapping.product_slug(data), external_id=data["id"], **fields)
        _product_children_sync(product, data, contracts)
        return product, "created"
    changed = sync.apply(product, fields)
    if _product_children_sync(product, data, contracts) and not changed:
        product.save(update_fields=["updated"])  # the product changed through its ports or team
        changed = True
    return product, "updated" if changed else "unchanged"


def _product_children_sync(product: DataProduct, data: dict, contracts: dict[str, Contract]) -> bool:
    changed = sync.tags_sync(product, mapping.product_tags(data))
    changed |= sync.team_sync(product, mapping.team_members(data))
    changed |= sync.output_ports_sync(product, mapping.dict_list(data.get("outputPorts")), contracts)
    changed |= sync.input_ports_sync(product, mapping.dict_list(data.get("inputPorts")))
    return changed


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
