"""Lineage graphs for the API and pages: product, dataset or column level, bounded and cycle-safe.

Product and column graphs come from recursive CTEs (``sql.walk``, ``sql.column_walk``). The
dataset graph, the big one (every table a pipeline touches), is walked level by level instead: per
depth, one query fetches the frontier's rows of ``Adjacency`` (each dataset's distinct neighbours,
packed, with its name from the same query), and the neighbours not seen yet form the next
frontier. Each node is expanded once, at its nearest depth; a recursive CTE cannot do that, as its
recursive term sees only the previous iteration's rows: carrying ``(node, depth)`` walks a node
again at every depth it is reached at (about twice per node on a 300,000-edge graph), and carrying
the node alone loses the depth. A row per node, not per edge, is read (a third of the rows on that
graph, and no separate query for the names), and the rows are reused: they are the edges among
the nodes (only the last level's rows are fetched again) and they give each node's fan-out when it
is about to be expanded, so hubs are collapsed as they are met. See BENCHMARKS.md, "Lineage".
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from itertools import chain, islice
from operator import itemgetter

import orjson
from django.db.models import Count
from django.urls import NoReverseMatch

from catalog.models import DataProduct
from lineage.adjacency import SWAP, unpack
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

    A node a walk would expand that has more than ``fanout`` neighbours that way is kept, marked
    ``collapsed`` and not expanded; the edges are those among the nodes, one per pair.
    """
    rows: dict[int, tuple] = {}
    walks = [_Walk(seeds, way, rows, depth=depth, max_nodes=max_nodes, fanout=fanout)
             for way in _directions(direction)]
    kept = _nearest(walks, max_nodes)
    truncated = len(kept) > max_nodes or any(walk.cut for walk in walks)
    kept = dict(islice(kept.items(), max_nodes))
    _finish_walks(walks, kept, depth=depth)
    if len(rows.keys() & kept.keys()) < len(kept):  # a dataset deleted since its neighbours were packed
        kept = {node: d for node, d in kept.items() if node in rows}
    hubs = set().union(*(walk.hubs for walk in walks)) & kept.keys()
    return _dataset_result(kept, rows, walks, truncated, hubs)


def _nearest(walks: list[_Walk], max_nodes: int) -> dict[int, int]:
    """``node -> depth``, nearest first: by rank (downstream level d ranks 2d, upstream 2d + 1), then id.

    Stops past ``max_nodes``: one node more says the cap was reached.
    """
    levels = sorted((2 * d + (walk.way == "upstream"), nodes) for walk in walks for d, nodes in enumerate(walk.levels))
    kept: dict[int, int] = {}
    for rank, nodes in levels:
        if len(kept) > max_nodes:
            break
        d = -(rank // 2) if rank % 2 else rank // 2
        for node in nodes:
            kept.setdefault(node, d)
    return kept


class _Walk:
    """A breadth-first walk one way, one query per level: the frontier's rows of packed neighbours.

    Each node is expanded once, at its nearest depth, so cycles and nodes reached at several
    depths cost nothing more. A fetched row gives the node's name (kept in the shared ``rows``)
    and its distinct neighbours this way (kept in ``near``): a hub is known before it would be
    expanded, so it simply is not, and the edges among the answer's nodes need no other query.
    """

    def __init__(self, seeds: list[int], way: str, rows: dict[int, tuple], *, depth: int, max_nodes: int,
                 fanout: int):
        self.way, self.fanout, self.rows = way, fanout, rows
        self.levels: list[list[int]] = [sorted(set(seeds))]  # the nodes first reached at each depth, by id
        self.near: dict[int, array] = {}  # node -> its neighbours this way, for every node fetched
        self.hubs: set[int] = set()
        seen = set(seeds)
        while len(self.levels) <= depth and self.levels[-1]:
            # Once the finished levels hold more than the cap, deeper nodes cannot be among the nearest.
            if len(seen) > max_nodes:
                break
            level = self.levels[-1]
            self.expand(level)
            ends: set[int] = set()
            hubs, near = self.hubs, self.near
            for node in level:
                if node not in hubs:
                    ends.update(near[node])
            self.levels.append(sorted(ends - seen))
            seen |= ends
        self.cut = len(seen) > max_nodes

    def expand(self, nodes: list[int]) -> None:
        """Fetch these nodes' rows, marking as hubs those with more than ``fanout`` neighbours."""
        self.fetch(nodes)
        near, fanout = self.near, self.fanout
        self.hubs.update(node for node in nodes if len(near[node]) > fanout)

    def fetch(self, nodes: list[int]) -> None:
        found = sql.adjacency_rows(nodes, direction=self.way)
        self.rows.update(zip(map(itemgetter(0), found), found, strict=True))
        self.near.update(dict.fromkeys(nodes, _NONE))  # a node whose dataset is gone has no row
        if SWAP:
            self.near.update((row[0], unpack(row[4])) for row in found)
        else:  # the bytes are the array's own: decoded in C, no call per row
            self.near.update((row[0], array("q", row[4] or b"")) for row in found)

    @property
    def probed(self) -> dict[int, array]:
        return self.near

    def edges_among(self, address: dict[int, str]) -> list[dict]:
        """The edges this walk fetched with both ends in ``address`` (the answer's nodes), a pair once."""
        near = self.near
        if self.way == "downstream":
            return [{"source": address[node], "target": address[end]}
                    for node in near if node in address for end in near[node] if end in address]
        return [{"source": address[end], "target": address[node]}
                for node in near if node in address for end in near[node] if end in address]


_NONE = array("q")


def _finish_walks(walks: list[_Walk], kept: dict[int, int], *, depth: int) -> None:
    """Fetch the rows of ``kept`` the walks did not (the nodes they never expanded).

    A kept node within the depth that a walk stopped short of (at the cap) is collapsed if it fans
    out too much that way, as if the walk had gone on, but only on its own side of the seeds. An
    edge is known when a walk probed its near end; the rest lead from nodes one walk left unprobed.
    """
    for walk in walks:
        up = walk.way == "upstream"
        short = [node for node in kept.keys() - walk.probed.keys()
                 if abs(kept[node]) < depth and (kept[node] <= 0 if up else kept[node] >= 0)]
        if short:
            walk.expand(sorted(short))
    last = min(walks, key=lambda walk: len(kept.keys() - walk.probed.keys()))  # either will do: the cheaper
    if rest := kept.keys() - last.probed.keys():
        last.fetch(sorted(rest))


def _dataset_result(depths: dict[int, int], rows: dict[int, tuple], walks: list[_Walk], truncated: bool,
                    hubs: set[int]) -> Graph:
    products = _product_labels({rows[pk][3] for pk in depths} - {None})
    products[None] = (None, None)
    address = {pk: f"{rows[pk][1]}:{rows[pk][2]}" for pk in depths}
    # A comprehension, not a loop: thousands of nodes, and nothing else to do for most of them.
    nodes = [{"id": address[pk], "kind": "dataset", "label": name, "namespace": namespace,
              "product": products[product_id][0], "domain": products[product_id][1], "depth": depths[pk]}
             for pk, namespace, name, product_id, _ in map(rows.__getitem__, depths)]
    for node, pk in zip(nodes, depths, strict=True):
        if pk in hubs:
            node["collapsed"] = truncated = True
    edges = walks[0].edges_among(address)
    for walk in walks[1:]:  # both ways: an edge between two nodes both walks expanded is in each
        edges = list({(e["source"], e["target"]): e for e in chain(edges, walk.edges_among(address))}.values())
    return Graph(nodes, edges, truncated)


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
