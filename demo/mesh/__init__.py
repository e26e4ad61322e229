"""The demo mesh: six domains and their data products, declared one module per domain."""
from __future__ import annotations

from demo.mesh import finance, logistics, marketing, product, sales, support
from demo.spec import DomainSpec, Port, Product

_MODULES = (sales, marketing, finance, product, support, logistics)

DOMAINS: tuple[DomainSpec, ...] = tuple(m.DOMAIN for m in _MODULES)
PRODUCTS: tuple[Product, ...] = tuple(p for m in _MODULES for p in m.PRODUCTS)
PRODUCTS_BY_ID: dict[str, Product] = {p.identifier: p for p in PRODUCTS}
DOMAINS_BY_SLUG: dict[str, DomainSpec] = {d.slug: d for d in DOMAINS}


def port_rows(product: Product, port: Port, *, quick: bool) -> int:
    """Rows a data port holds (every data port of a product carries the same table)."""
    return 0 if port.kind == "api" else product.rows_for(quick)


def _check() -> None:
    for p in PRODUCTS:
        if p.domain not in DOMAINS_BY_SLUG:
            raise ValueError(f"{p.identifier}: unknown domain")
        for upstream in p.inputs:
            if upstream not in PRODUCTS_BY_ID:
                raise ValueError(f"{p.identifier}: input {upstream} is not a demo product")


_check()
