"""Impact analysis: who is downstream of a product (or one of its columns), by domain, and whom to tell.

As the graph does (``lineage.selectors.visibility``): products the viewer may not list are left
out, and the columns of products it may not read are not listed (the product is, ``restricted``).
"""
from __future__ import annotations

from collections import defaultdict

from catalog.models import DataProduct, DomainMembership, ProductTeamMember
from catalog.visibility import Viewer
from lineage.models import Dataset
from lineage.selectors import sql
from lineage.selectors.graph import DEFAULT_MAX_NODES, MAX_DEPTH, ROWS_PER_NODE, product_url

OWNER_ROLES = ("owner", "product owner", "data owner")


class ColumnsHidden(PermissionError):
    """Impact of a column of a product whose columns the viewer may not read."""


def _downstream_products(product: DataProduct) -> tuple[dict[int, int], bool]:
    rows = sql.walk("lineage_productedge", [product.pk], direction="downstream", depth=MAX_DEPTH,
                    row_limit=DEFAULT_MAX_NODES * ROWS_PER_NODE)
    found, cut = sql.nearest(rows, DEFAULT_MAX_NODES)
    found.pop(product.pk, None)
    return found, cut


def _downstream_columns(product: DataProduct, column: str) -> tuple[dict[int, list[dict]], bool]:
    """Columns reached from ``column`` of the product's datasets, grouped by the product owning them."""
    seeds = [(pk, column) for pk in Dataset.objects.filter(product=product).values_list("pk", flat=True)]
    rows = sql.column_walk(seeds, direction="downstream", depth=MAX_DEPTH, row_limit=DEFAULT_MAX_NODES * ROWS_PER_NODE)
    found, cut = sql.nearest(rows, DEFAULT_MAX_NODES)
    datasets = {
        pk: (f"{ns}:{name}", product_id, port)
        for pk, ns, name, product_id, port in Dataset.objects.filter(pk__in={d for d, _ in found}).values_list(
            "pk", "namespace", "name", "product_id", "port__name")
    }
    by_product: dict[int, list[dict]] = defaultdict(list)
    for (ds, field), depth in found.items():
        address, owner, port = datasets[ds]
        if depth > 0 and owner is not None and owner != product.pk:
            by_product[owner].append({"dataset": address, "port": port, "column": field, "depth": depth})
    return by_product, cut


def _owners(products: list[DataProduct]) -> dict[int, list[dict]]:
    """Whom to notify per product: the team's owners, else its whole team, plus the domain owners."""
    owners: dict[int, list[dict]] = defaultdict(list)
    team = defaultdict(list)
    for m in ProductTeamMember.objects.filter(product__in=products).order_by("username"):
        team[m.product_id].append(m)
    domain_owners = defaultdict(list)
    for m in DomainMembership.objects.filter(
        domain__in={p.domain_id for p in products}, role=DomainMembership.Role.OWNER
    ).select_related("user"):
        domain_owners[m.domain_id].append(m.user.username)
    reported = _reported_owners(products)
    for p in products:
        members = [m for m in team[p.pk] if m.role.lower() in OWNER_ROLES] or team[p.pk]
        found = [{"name": m.username, "role": m.role or "team", "source": "product team"} for m in members]
        found += [{"name": u, "role": "owner", "source": "domain"} for u in domain_owners[p.domain_id]]
        found += reported[p.pk]
        seen: set[str] = set()
        owners[p.pk] = [o for o in found if not (o["name"] in seen or seen.add(o["name"]))]
    return owners


def _reported_owners(products: list[DataProduct]) -> dict[int, list[dict]]:
    """Owners named by OpenLineage ``ownership`` facets on the products' datasets."""
    found: dict[int, list[dict]] = defaultdict(list)
    rows = Dataset.objects.filter(product__in=products).values_list("product_id", "facets")
    for product_id, facets in rows:
        for owner in (facets.get("ownership") or {}).get("owners") or []:
            found[product_id].append({"name": owner["name"], "role": owner.get("type") or "owner",
                                      "source": "openlineage"})
    return found


def product_impact(*, product: DataProduct, column: str = "", viewer) -> dict:
    """Every product downstream of ``product`` (of its ``column`` when given), grouped by domain.

    With a column, products reached through column lineage list the columns that derive from it
    (``via: column``); products that depend on this one only at product level (declared input
    ports, or lineage without column detail) are still listed (``via: product``): they may break.
    """
    who = Viewer.of(viewer)
    if column and not who.reads(product):
        raise ColumnsHidden(f"The columns of {product.identifier} are visible only to its domain team, stewards "
                            "and those granted access; ask for its impact without a column.")
    depths, truncated = _downstream_products(product)
    columns: dict[int, list[dict]] = {}
    if column:
        columns, cut = _downstream_columns(product, column)
        truncated |= cut
    ids = set(depths) | set(columns)
    products = list(DataProduct.objects.known_to(viewer).filter(pk__in=ids).select_related("domain"))
    owners = _owners(products)
    domains: dict[str, dict] = {}
    for p in sorted(products, key=lambda p: (p.domain.slug, p.identifier)):
        group = domains.setdefault(p.domain.slug, {"domain": p.domain.slug, "name": p.domain.name, "products": []})
        readable = who.reads(p)
        group["products"].append({
            "identifier": p.identifier, "name": p.name, "url": product_url(p),
            "depth": depths.get(p.pk), "via": "column" if p.pk in columns else "product",
            "columns": sorted(columns.get(p.pk, []), key=lambda c: (c["depth"], c["dataset"], c["column"]))
            if readable else [],
            "restricted": not readable,
            "owners": owners[p.pk],
        })
    # People to tell: accounts, not the team names (``team:…``) pipelines report.
    notify = sorted({o["name"] for p in products for o in owners[p.pk] if o["source"] != "openlineage"})
    return {"product": product.identifier, "column": column or None, "domains": list(domains.values()),
            "notify": notify, "truncated": truncated}
