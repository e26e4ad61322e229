"""Lineage graphs for the API and pages: product, dataset or column level, bounded and cycle-safe."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import orjson
from django.db.models import Count
from django.urls import NoReverseMatch

from catalog.models import DataProduct
from lineage.models import ColumnEdge, Dataset
from lineage.selectors import sql
from lineage.selectors.sql import one

LEVELS = ("product", "dataset", "column")
DIRECTIONS = ("upstream", "downstream", "both")
MAX_DEPTH = 50
DEFAULT_MAX_NODES = 5000
# Nodes with more edges than this one way are shown but not expanded (hubs would flood the graph).
DEFAULT_FANOUT = 500
ROWS_PER_NODE = sql.ROWS_PER_NODE


class NodeNotFound(LookupError):
    pass


@dataclass
class Graph:
    nodes: list[dict] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)
    truncated: bool = False

    def as_dict(self) -> dict:
        return {"nodes": self.nodes, "edges": self.edges, "truncated": self.truncated}

    def to_json(self) -> bytes:
        return orjson.dumps(self.as_dict())


def resolve_node(node: str, *, viewer=None) -> DataProduct | Dataset:
    """A product identifier, or a dataset written ``namespace:name`` (namespaces may hold colons)."""
    product = one(DataProduct.objects.visible_to(viewer).filter(identifier=node))
    if product is not None:
        return product
    for i, char in reversed(list(enumerate(node))):
        if char == ":":
            dataset = one(Dataset.objects.filter(namespace=node[:i], name=node[i + 1:]))
            if dataset is not None:
                return dataset
    raise NodeNotFound(f"No product or dataset is called {node!r}.")


def _directions(direction: str) -> list[str]:
    return ["upstream", "downstream"] if direction == "both" else [direction]


def _reach(table: str, seeds: list, direction: str, depth: int, max_nodes: int) -> tuple[dict, bool]:
    """Nearest depth per reachable node (seeds at 0), capped at ``max_nodes``."""
    found: dict = {s: 0 for s in seeds}
    truncated = False
    for way in _directions(direction):
        row_limit = max_nodes * ROWS_PER_NODE
        rows = sql.walk(table, seeds, direction=way, depth=depth, row_limit=row_limit)
        nearest, cut = sql.nearest(rows, max_nodes)
        truncated |= cut or len(rows) == row_limit
        for node, d in nearest.items():
            found.setdefault(node, -d if way == "upstream" else d)
    if len(found) > max_nodes:
        found = dict(list(found.items())[:max_nodes])
        truncated = True
    return found, truncated


def product_url(product: DataProduct) -> str:
    try:
        return product.get_absolute_url()
    except NoReverseMatch:  # the catalog's pages are not mounted (API-only deployments, some tests)
        return f"/products/{product.identifier}/"


def _product_nodes(depths: dict[int, int], viewer) -> list[dict]:
    products = DataProduct.objects.visible_to(viewer).filter(pk__in=list(depths)).select_related("domain")
    # How many datasets a collapsed product node stands for (what opening it will show).
    counts = dict(Dataset.objects.filter(product_id__in=list(depths)).values("product_id")
                  .annotate(n=Count("pk")).values_list("product_id", "n"))
    return [
        {"id": p.identifier, "kind": "product", "label": p.name, "domain": p.domain.slug,
         "domain_name": p.domain.name, "product": p.identifier, "depth": depths[p.pk],
         "datasets": counts.get(p.pk, 0), "url": product_url(p)}
        for p in products
    ]


def product_graph(*, seeds: list[int] | None, direction: str, depth: int, max_nodes: int, viewer=None) -> Graph:
    """Products and their dependencies; with no seeds, the whole product graph (capped)."""
    if seeds is None:
        ids = list(DataProduct.objects.visible_to(viewer).listed().values_list("pk", flat=True)[: max_nodes + 1])
        depths, truncated = dict.fromkeys(ids[:max_nodes], 0), len(ids) > max_nodes
    else:
        depths, truncated = _reach("lineage_productedge", seeds, direction, depth, max_nodes)
    nodes = _product_nodes(depths, viewer)
    by_pk = dict(DataProduct.objects.filter(pk__in=list(depths)).values_list("pk", "identifier"))
    shown = {n["id"] for n in nodes}
    edges = [
        {"source": by_pk[s], "target": by_pk[t]}
        for s, t in sql.edges_among("lineage_productedge", depths)
        if by_pk.get(s) in shown and by_pk.get(t) in shown
    ]
    return Graph(nodes, edges, truncated)


def dataset_graph(*, seeds: list[int], direction: str, depth: int, max_nodes: int,
                  fanout: int = DEFAULT_FANOUT) -> Graph:
    """Datasets around ``seeds``, nearest first (downstream wins a tie, then the lower id), capped.

    A node a walk would expand that has more than ``fanout`` edges that way is kept, marked
    ``collapsed`` and not expanded; the edges are those among the nodes, one per pair.
    """
    walks = [_Walk(seeds, way, depth=depth, max_nodes=max_nodes, fanout=fanout) for way in _directions(direction)]
    rank: dict[int, int] = {}
    for walk in walks:
        up = walk.way == "upstream"
        for node, d in walk.found.items():
            r = 2 * d + up
            if r < rank.get(node, r + 1):
                rank[node] = r
    ordered = sorted(rank, key=lambda node: (rank[node], node))
    kept = {node: -(rank[node] // 2) if rank[node] % 2 else rank[node] // 2 for node in ordered[:max_nodes]}
    truncated = len(ordered) > max_nodes or any(walk.cut for walk in walks)
    pairs = _finish_walks(walks, kept, depth=depth)
    edges = [(s, t) for s, t in pairs if s in kept and t in kept]
    hubs = set().union(*(walk.hubs for walk in walks)) & kept.keys()
    names = sql.dataset_rows(list(kept))
    rows = [(node, d, *names[node][1:]) for node, d in kept.items()]
    return _dataset_result(rows, edges, truncated, hubs)


class _Walk:
    """A breadth-first walk one way, one query per level: the edges leading from the whole frontier.

    Each node is expanded once, at its nearest depth, so cycles and nodes reached at several
    depths cost nothing more. The fetched edges are kept: they hold each expanded node's fan-out
    (a hub is known before it would be expanded, so it simply is not) and the edges among the nodes.
    """

    def __init__(self, seeds: list[int], way: str, *, depth: int, max_nodes: int, fanout: int):
        self.way, self.fanout = way, fanout
        self.here, self.there = (0, 1) if way == "downstream" else (1, 0)
        self.found: dict[int, int] = dict.fromkeys(seeds, 0)
        self.probed: set[int] = set()  # nodes whose edges this way are all in ``pairs``
        self.pairs: dict[tuple[int, int], None] = {}  # (source, target), one per pair whatever the jobs
        self.hubs: set[int] = set()
        frontier = list(self.found)
        for level in range(1, depth + 1):
            # Once the finished levels hold more than the cap, deeper nodes cannot be among the nearest.
            if not frontier or len(self.found) > max_nodes:
                break
            fetched = self.expand(frontier)
            reached = dict.fromkeys(pair[self.there] for pair in fetched if pair[self.here] not in self.hubs)
            frontier = [node for node in reached if node not in self.found]
            self.found.update(dict.fromkeys(frontier, level))
        self.cut = len(self.found) > max_nodes

    def expand(self, nodes) -> dict[tuple[int, int], None]:
        """Fetch the edges from ``nodes``, marking as hubs those with more than ``fanout`` of them."""
        fetched = self.fetch(nodes)
        if len(fetched) > self.fanout:  # else no node can have more
            degree = Counter(pair[self.here] for pair in fetched)
            self.hubs.update(node for node, n in degree.items() if n > self.fanout)
        return fetched

    def fetch(self, nodes) -> dict[tuple[int, int], None]:
        fetched = dict.fromkeys(sql.edges_from(nodes, direction=self.way))
        self.probed.update(nodes)
        self.pairs.update(fetched)
        return fetched


def _finish_walks(walks: list[_Walk], kept: dict[int, int], *, depth: int) -> dict[tuple[int, int], None]:
    """Every edge among ``kept``, after fetching what the walks did not (the nodes they never expanded).

    A kept node within the depth that a walk stopped short of (at the cap) is collapsed if it fans
    out too much that way, as if the walk had gone on, but only on its own side of the seeds. An
    edge is known when a walk probed its near end; the rest lead from nodes one walk left unprobed.
    """
    for walk in walks:
        up = walk.way == "upstream"
        short = [node for node, d in kept.items()
                 if abs(d) < depth and (d <= 0 if up else d >= 0) and node not in walk.probed]
        if short:
            walk.expand(short)
    last = min(walks, key=lambda walk: len(kept.keys() - walk.probed))  # either will do: the cheaper
    if rest := kept.keys() - last.probed:
        last.fetch(rest)
    pairs: dict[tuple[int, int], None] = {}
    for walk in walks:
        pairs.update(walk.pairs)
    return pairs


def _dataset_result(rows: list[tuple], edges: list, truncated: bool, hubs: set[int]) -> Graph:
    products = _product_labels({row[4] for row in rows} - {None})
    address, nodes = {}, []
    for pk, d, namespace, name, product_id in rows:
        address[pk] = node_id = f"{namespace}:{name}"
        product, domain = products.get(product_id, (None, None))
        node = {"id": node_id, "kind": "dataset", "label": name, "namespace": namespace,
                "product": product, "domain": domain, "depth": d}
        if pk in hubs:
            node["collapsed"] = truncated = True
        nodes.append(node)
    return Graph(nodes, [{"source": address[s], "target": address[t]} for s, t in edges], truncated)


def _product_labels(ids: set[int]) -> dict[int, tuple[str, str]]:
    """``pk -> (identifier, domain slug)`` for these products (often none: most datasets are external)."""
    if not ids:
        return {}
    return {pk: (identifier, domain) for pk, identifier, domain in DataProduct.objects.filter(pk__in=ids)
            .values_list("pk", "identifier", "domain__slug")}


def column_graph(*, seeds: list[tuple[int, str]], direction: str, depth: int, max_nodes: int) -> Graph:
    found: dict = dict.fromkeys(seeds, 0)
    truncated = False
    for way in _directions(direction):
        row_limit = max_nodes * ROWS_PER_NODE
        rows = sql.column_walk(seeds, direction=way, depth=depth, row_limit=row_limit)
        nearest, cut = sql.nearest(rows, max_nodes)
        truncated |= cut or len(rows) == row_limit
        for key, d in nearest.items():
            found.setdefault(key, -d if way == "upstream" else d)
    return _column_result(found, truncated)


def _column_result(found: dict, truncated: bool) -> Graph:
    info = {
        pk: (f"{ns}:{name}", product, domain)
        for pk, ns, name, product, domain in Dataset.objects.filter(pk__in={ds for ds, _ in found}).values_list(
            "pk", "namespace", "name", "product__identifier", "product__domain__slug")
    }
    nodes = [
        {"id": f"{info[ds][0]}#{col}", "kind": "column", "label": col, "dataset": info[ds][0],
         "product": info[ds][1], "domain": info[ds][2], "depth": d}
        for (ds, col), d in found.items()
    ]
    dataset_ids = {ds for ds, _ in found}
    edges = [
        {"source": f"{info[s][0]}#{sf}", "target": f"{info[t][0]}#{tf}"}
        for s, sf, t, tf in ColumnEdge.objects.filter(source_id__in=dataset_ids, target_id__in=dataset_ids)
        .values_list("source_id", "source_field", "target_id", "target_field")
        if (s, sf) in found and (t, tf) in found
    ]
    return Graph(nodes, edges, truncated)


def column_seeds(dataset_ids: list[int], column: str = "") -> list[tuple[int, str]]:
    """The columns of these datasets that lineage knows of (optionally only ``column``)."""
    edges = ColumnEdge.objects.all()
    seeds = set(edges.filter(source_id__in=dataset_ids).values_list("source_id", "source_field"))
    seeds |= set(edges.filter(target_id__in=dataset_ids).values_list("target_id", "target_field"))
    seeds |= set(Dataset.objects.filter(pk__in=dataset_ids, port__isnull=False).values_list("pk", "port__columns__name"))
    return sorted((ds, c) for ds, c in seeds if c and (not column or c == column))
