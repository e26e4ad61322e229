"""What a viewer sees of a lineage answer: ``catalog.visibility`` applied to the nodes a walk kept.

Walks run on the whole graph (each process holds one copy of the edges, not one per viewer), and
the rule is applied to their result, with one query for the products owning the kept datasets:

- a dataset of a product the viewer may not list (another domain's draft; an internal product,
  for anonymous visitors) is **omitted**, and so are its edges. They are not bridged into an edge
  between the visible ends: no pipeline wrote such an edge, and a bridge would need the hidden
  part of the graph walked again. Visible nodes reached through it stay: they are visible;
- a dataset of a product the viewer lists but may not read (restricted) is an **opaque node**,
  "restricted dataset of <domain>", naming the product (which the viewer may know of) but no
  namespace, name or column; at column level its columns become that one node;
- a dataset no product publishes is shown as it is.

Asking for a node the viewer may not list answers as for an unknown node; asking for one it may
list but not read, below product level, answers with its opaque node(s) only (``graph``).
"""
from __future__ import annotations

from dataclasses import dataclass

from catalog.models import DataProduct
from catalog.visibility import Viewer

OPAQUE_PREFIX = "restricted:"


@dataclass(frozen=True)
class Sight:
    """What a viewer may see of some products: their labels, and which are hidden or opaque to it."""

    labels: dict[int, tuple[str, str]]  # pk -> (identifier, domain slug), of the products it may list
    opaque: frozenset[int]  # listed, but their details (datasets' names, columns) are not to be read

    def hides(self, product_id: int | None) -> bool:
        return product_id is not None and product_id not in self.labels

    def label(self, product_id: int | None) -> tuple[str | None, str | None]:
        return self.labels.get(product_id, (None, None))


def sight(product_ids, viewer) -> Sight:
    """One query: the viewer's sight of these products (``catalog.visibility`` decides, in Python)."""
    ids = {pk for pk in product_ids if pk is not None}
    if not ids:
        return Sight({}, frozenset())
    who = Viewer.of(viewer)
    products = DataProduct.objects.filter(pk__in=ids).select_related("domain").only(
        "pk", "identifier", "status", "visibility", "domain_id", "domain__slug")
    listed = [p for p in products if who.lists(p)]
    return Sight({p.pk: (p.identifier, p.domain.slug) for p in listed},
                 frozenset(p.pk for p in listed if not who.reads(p)))


def opaque_node(dataset_id: int, product: str, domain: str, depth: int) -> dict:
    """A dataset the viewer may know exists, but not what or where it is."""
    return {"id": f"{OPAQUE_PREFIX}{dataset_id}", "kind": "dataset", "label": f"restricted dataset of {domain}",
            "product": product, "domain": domain, "depth": depth, "restricted": True}


def screen(nodes: list[dict], owned: list[tuple[int, int, int]], viewer) -> dict[int, str | None]:
    """Apply the rule to dataset ``nodes`` in place; ``owned`` holds ``(position, dataset id, product id)``
    for the nodes that belong to a product. Labels them with their product and domain; returns the
    positions whose id changed: to the opaque node's, or None for a node to leave out.
    """
    seen = sight({product for *_, product in owned}, viewer)
    changed: dict[int, str | None] = {}
    for i, dataset_id, product_id in owned:
        if seen.hides(product_id):
            changed[i] = None
        elif product_id in seen.opaque:
            nodes[i] = opaque_node(dataset_id, *seen.label(product_id), nodes[i]["depth"])
            changed[i] = nodes[i]["id"]
        else:
            nodes[i]["product"], nodes[i]["domain"] = seen.label(product_id)
    return changed


def screened(nodes: list[dict], ids: list[str], changed: dict[int, str | None]) -> tuple[list[dict], list]:
    """The nodes left after ``screen`` and the ids by position (None where left out)."""
    if not changed:
        return nodes, ids
    ids = list(ids)
    for i, new in changed.items():
        ids[i] = new
    return [node for node, pk in zip(nodes, ids, strict=True) if pk is not None], ids
