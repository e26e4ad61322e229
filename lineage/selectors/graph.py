"""Lineage graphs for the API and pages: product, dataset or column level, bounded and cycle-safe.

Product and column graphs come from recursive CTEs (``sql.walk``, ``sql.column_walk``). The
dataset graph, the big one (every table a pipeline touches), is walked level by level instead: per
depth, one query fetches every edge leading from the current frontier (ids bound as one
parameter, each one an index probe), and the nodes not seen yet form the next frontier. Each node
is expanded once, at its nearest depth; a recursive CTE cannot do that, as its recursive term sees
only the previous iteration's rows: carrying ``(node, depth)`` walks a node again at every depth
it is reached at (about twice per node on a 300,000-edge graph), and carrying the node alone loses
the depth. The fetched edges are reused: they are the edges among the nodes (only the last
level's are fetched again) and they give each node's fan-out when it is about to be expanded, so
hubs are collapsed as they are met rather than by walking again. See BENCHMARKS.md, "Lineage".

That SQL walk is the fallback: a dataset graph is first asked of the process's copy of the edges
in memory (``memory``), which gives the same answer, walked on arrays. SQL answers inside a
transaction that sees a state the copy does not hold, and when ``LINEAGE_MEMORY_GRAPH`` is off.

Every answer is for a viewer: walks cover the whole graph, then ``lineage.selectors.visibility``
leaves out or blanks what the viewer may not see, with one query for the kept nodes' products.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import reduce
from itertools import chain, compress, islice
from operator import itemgetter, or_

import numpy as np
import orjson
from django.db.models import Count, Q
from django.urls import NoReverseMatch

from catalog.models import DataProduct
from catalog.visibility import Viewer
from lineage.models import ColumnEdge, Dataset
from lineage.selectors import memory, sql
from lineage.selectors.sql import one
from lineage.selectors.visibility import opaque_node, screen, screened, sight

LEVELS = ("product", "dataset", "column")
DIRECTIONS = ("upstream", "downstream", "both")
MAX_DEPTH = 50
DEFAULT_MAX_NODES = 5000
# Nodes with more edges than this one way are shown but not expanded (hubs would flood the graph).
DEFAULT_FANOUT = 500
ROWS_PER_NODE = sql.ROWS_PER_NODE


class NodeNotFound(LookupError):
    """No such node, or none the viewer may know of: the same answer, so the two cannot be told apart."""


class BadNode(ValueError):
    """The node exists but cannot answer this query (a dataset no product publishes, at product level)."""


@dataclass
class Graph:
    nodes: list[dict] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)
    truncated: bool = False

    def as_dict(self) -> dict:
        return {"nodes": self.nodes, "edges": self.edges, "truncated": self.truncated}

    def to_json(self) -> bytes:
        return orjson.dumps(self.as_dict())


def resolve_node(node: str, *, viewer) -> DataProduct | Dataset:
    """A product identifier, or a dataset written ``namespace:name`` (namespaces may hold colons),
    that the viewer may know of.

    An identifier is two slugs, so a colon says dataset; one query tries every split of the address,
    and the longest namespace that exists wins.
    """
    if ":" not in node:
        product = one(DataProduct.objects.known_to(viewer).filter(identifier=node))
        if product is not None:
            return product
    else:
        splits = [(node[:i], node[i + 1:]) for i, char in enumerate(node) if char == ":"]
        found = {(d.namespace, d.name): d for d in Dataset.objects.select_related("product").filter(
            reduce(or_, (Q(namespace=namespace, name=name) for namespace, name in splits)))}
        for split in reversed(splits):
            if split in found:
                dataset = found[split]
                if dataset.product is None or Viewer.of(viewer).lists(dataset.product):
                    return dataset
                break
    raise NodeNotFound(f"No product or dataset is called {node!r}.")


def lineage_graph(*, node: str, level: str, column: str = "", direction: str, depth: int, max_nodes: int,
                  fanout: int = DEFAULT_FANOUT, viewer) -> Graph:
    """``GET /api/lineage/``: the graph around ``node`` (a product or a dataset) at ``level``, as ``viewer`` sees it.

    No node: the whole product graph. Below product level, a node the viewer may list but not read
    answers with its opaque dataset node(s) only: walking from it would show what its columns feed.
    """
    limits = {"direction": direction, "depth": depth, "max_nodes": max_nodes}
    if not node:
        return product_graph(seeds=None, viewer=viewer, **limits)
    found = resolve_node(node, viewer=viewer)
    product = found if isinstance(found, DataProduct) else found.product
    if level == "product":
        if product is None:
            raise BadNode(f"{node} belongs to no product; ask for level=dataset.")
        return product_graph(seeds=[product.pk], viewer=viewer, **limits)
    datasets = [found] if isinstance(found, Dataset) else list(found.lineage_datasets.all())
    if product is not None and not Viewer.of(viewer).reads(product):
        return Graph([opaque_node(d.pk, product.identifier, product.domain.slug, 0) for d in datasets])
    seeds = [d.pk for d in datasets]
    if level == "dataset":
        return dataset_graph(seeds=seeds, fanout=fanout, viewer=viewer, **limits)
    return column_graph(seeds=column_seeds(seeds, column), viewer=viewer, **limits)


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
    products = DataProduct.objects.known_to(viewer).filter(pk__in=list(depths)).select_related("domain")
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
        ids = list(DataProduct.objects.known_to(viewer).listed().values_list("pk", flat=True)[: max_nodes + 1])
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
                  fanout: int = DEFAULT_FANOUT, viewer) -> Graph:
    """Datasets around ``seeds``, nearest first (downstream wins a tie, then the lower id), capped,
    as ``viewer`` may see them (``lineage.selectors.visibility``).

    A node a walk would expand that has more than ``fanout`` edges that way is kept, marked
    ``collapsed`` and not expanded; the edges are those among the nodes, one per pair.
    """
    graph = memory.current() if memory.walkable(seeds) else None
    if graph is not None:
        return _memory_dataset_graph(graph, seeds, direction, viewer, depth=depth, max_nodes=max_nodes,
                                     fanout=fanout)
    walks = [_Walk(seeds, way, depth=depth, max_nodes=max_nodes, fanout=fanout) for way in _directions(direction)]
    kept = _nearest(walks, max_nodes)
    truncated = len(kept) > max_nodes or any(walk.cut for walk in walks)
    kept = dict(islice(kept.items(), max_nodes))
    _finish_walks(walks, kept, depth=depth)
    edges = dict.fromkeys(chain.from_iterable(_among(rows, kept) for walk in walks for rows in walk.fetched))
    hubs = set().union(*(walk.hubs for walk in walks)) & kept.keys()
    return _dataset_result(kept, edges, truncated, hubs, viewer)


def _memory_dataset_graph(graph: memory.Graph, seeds: list[int], direction: str, viewer, **limits) -> Graph:
    """``dataset_graph`` from the process's copy of the edges (``memory``): the same answer, no walk in SQL.

    Built from lists, not per-id dicts: with 5,000 nodes and 11,000 edges, building the answer
    costs more than the walk, and most of that is looking things up at random in large dicts.
    """
    walked = memory.walk(graph, seeds, _directions(direction), **limits)
    ids = walked.nodes.tolist()
    namespaces, names = memory.names(graph, ids)
    address = [f"{namespace}:{name}" for namespace, name in zip(namespaces, names, strict=True)]
    nodes = [{"id": a, "kind": "dataset", "label": name, "namespace": namespace, "product": None, "domain": None,
              "depth": d} for a, namespace, name, d in zip(address, namespaces, names, walked.depths.tolist(), strict=True)]
    for i in np.flatnonzero(walked.collapsed).tolist():
        nodes[i]["collapsed"] = True
    owners = memory.owners()
    owned = [(i, pk, owners[pk]) for i, pk in enumerate(ids) if pk in owners] if owners else []
    nodes, address = screened(nodes, address, screen(nodes, owned, viewer))
    source, target = memory.positions(walked)
    edges = [{"source": address[s], "target": address[t]} for s, t in zip(source, target, strict=True)
             if address[s] is not None and address[t] is not None]
    return Graph(nodes, edges, walked.truncated)


def _among(rows: list[tuple[int, int]], nodes: dict) -> Iterator[tuple[int, int]]:
    """The rows with both ends in ``nodes`` (filtered in C: there are tens of thousands)."""
    inside = nodes.__contains__
    rows = list(compress(rows, map(inside, map(itemgetter(0), rows))))
    return compress(rows, map(inside, map(itemgetter(1), rows)))


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
    """A breadth-first walk one way, one query per level: the edges leading from the whole frontier.

    Each node is expanded once, at its nearest depth, so cycles and nodes reached at several
    depths cost nothing more. The fetched edges are kept: they hold each expanded node's fan-out
    (a hub is known before it would be expanded, so it simply is not) and the edges among the nodes.
    """

    def __init__(self, seeds: list[int], way: str, *, depth: int, max_nodes: int, fanout: int):
        self.way, self.fanout = way, fanout
        self.here, self.there = (0, 1) if way == "downstream" else (1, 0)
        self.levels: list[list[int]] = [sorted(set(seeds))]  # the nodes first reached at each depth, by id
        self.probed: set[int] = set()  # nodes whose edges this way are all in ``fetched``
        self.fetched: list[list[tuple[int, int]]] = []  # (source, target) rows, a pair once per job
        self.hubs: set[int] = set()
        seen = set(seeds)
        while len(self.levels) <= depth and self.levels[-1]:
            # Once the finished levels hold more than the cap, deeper nodes cannot be among the nearest.
            if len(seen) > max_nodes:
                break
            rows = self.expand(self.levels[-1])
            ends = ({pair[self.there] for pair in rows if pair[self.here] not in self.hubs} if self.hubs
                    else set(map(itemgetter(self.there), rows)))
            self.levels.append(sorted(ends - seen))
            seen |= ends
        self.cut = len(seen) > max_nodes

    def expand(self, nodes) -> list[tuple[int, int]]:
        """Fetch the edges from ``nodes``, marking as hubs those with more than ``fanout`` of them."""
        rows = self.fetch(nodes)
        if len(rows) > self.fanout:  # else no node can have more
            busy = {node for node, n in Counter(map(itemgetter(self.here), rows)).items() if n > self.fanout}
            if busy:  # counted again without the pairs repeated for several jobs
                pairs = {pair for pair in rows if pair[self.here] in busy}
                degree = Counter(map(itemgetter(self.here), pairs))
                self.hubs.update(node for node in busy if degree[node] > self.fanout)
        return rows

    def fetch(self, nodes) -> list[tuple[int, int]]:
        rows = sql.edges_from(nodes, direction=self.way)
        self.probed.update(nodes)
        self.fetched.append(rows)
        return rows


def _finish_walks(walks: list[_Walk], kept: dict[int, int], *, depth: int) -> None:
    """Fetch the edges among ``kept`` the walks did not (from the nodes they never expanded).

    A kept node within the depth that a walk stopped short of (at the cap) is collapsed if it fans
    out too much that way, as if the walk had gone on, but only on its own side of the seeds. An
    edge is known when a walk probed its near end; the rest lead from nodes one walk left unprobed.
    """
    for walk in walks:
        up = walk.way == "upstream"
        short = [node for node in kept.keys() - walk.probed
                 if abs(kept[node]) < depth and (kept[node] <= 0 if up else kept[node] >= 0)]
        if short:
            walk.expand(sorted(short))
    last = min(walks, key=lambda walk: len(kept.keys() - walk.probed))  # either will do: the cheaper
    if rest := kept.keys() - last.probed:
        last.fetch(sorted(rest))


def _dataset_result(depths: dict[int, int], edges: Iterable, truncated: bool, hubs: set[int], viewer) -> Graph:
    rows = sql.dataset_rows(sorted(depths))  # in id order, the index's
    order = list(depths)
    address = [f"{rows[pk][1]}:{rows[pk][2]}" for pk in order]
    # A comprehension, not a loop: thousands of nodes, and nothing else to do for most of them.
    nodes = [{"id": a, "kind": "dataset", "label": rows[pk][2], "namespace": rows[pk][1], "product": None,
              "domain": None, "depth": depths[pk]} for a, pk in zip(address, order, strict=True)]
    for node, pk in zip(nodes, order, strict=True):
        if pk in hubs:
            node["collapsed"] = truncated = True
    owned = [(i, pk, rows[pk][3]) for i, pk in enumerate(order) if rows[pk][3] is not None]
    nodes, address = screened(nodes, address, screen(nodes, owned, viewer))
    at = dict(zip(order, address, strict=True))
    return Graph(nodes, [{"source": at[s], "target": at[t]} for s, t in edges
                         if at[s] is not None and at[t] is not None], truncated)


def column_graph(*, seeds: list[tuple[int, str]], direction: str, depth: int, max_nodes: int, viewer) -> Graph:
    """Columns around ``seeds``; columns of datasets the viewer may not read are never returned (a
    restricted product's become its opaque dataset nodes, an unlisted product's are left out)."""
    found: dict = dict.fromkeys(seeds, 0)
    truncated = False
    for way in _directions(direction):
        row_limit = max_nodes * ROWS_PER_NODE
        rows = sql.column_walk(seeds, direction=way, depth=depth, row_limit=row_limit)
        nearest, cut = sql.nearest(rows, max_nodes)
        truncated |= cut or len(rows) == row_limit
        for key, d in nearest.items():
            found.setdefault(key, -d if way == "upstream" else d)
    return _column_result(found, truncated, viewer)


def _column_result(found: dict, truncated: bool, viewer) -> Graph:
    rows = Dataset.objects.filter(pk__in={ds for ds, _ in found}).values_list("pk", "namespace", "name", "product_id")
    info = {pk: (f"{ns}:{name}", product_id) for pk, ns, name, product_id in rows}
    seen = sight({product_id for _, product_id in info.values()}, viewer)
    node_id: dict[tuple[int, str], str | None] = {}  # column -> the node it is shown as (None: left out)
    nodes: dict[str, dict] = {}
    for (ds, col), d in found.items():
        address, product_id = info[ds]
        if seen.hides(product_id):
            node_id[ds, col] = None
        elif product_id in seen.opaque:  # one opaque node per dataset, at its nearest column's depth
            shown = opaque_node(ds, *seen.label(product_id), d)
            node = nodes.setdefault(shown["id"], shown)
            node["depth"] = min(node["depth"], d, key=abs)
            node_id[ds, col] = shown["id"]
        else:
            product, domain = seen.label(product_id)
            node_id[ds, col] = f"{address}#{col}"
            nodes[node_id[ds, col]] = {"id": node_id[ds, col], "kind": "column", "label": col, "dataset": address,
                                       "product": product, "domain": domain, "depth": d}
    dataset_ids = {ds for ds, _ in found}
    pairs = {
        (node_id[s, sf], node_id[t, tf])
        for s, sf, t, tf in ColumnEdge.objects.filter(source_id__in=dataset_ids, target_id__in=dataset_ids)
        .values_list("source_id", "source_field", "target_id", "target_field")
        if (s, sf) in found and (t, tf) in found
    }
    edges = [{"source": a, "target": b} for a, b in pairs if a is not None and b is not None and a != b]
    return Graph(list(nodes.values()), sorted(edges, key=itemgetter("source", "target")), truncated)


def column_seeds(dataset_ids: list[int], column: str = "") -> list[tuple[int, str]]:
    """The columns of these datasets that lineage knows of (optionally only ``column``)."""
    edges = ColumnEdge.objects.all()
    seeds = set(edges.filter(source_id__in=dataset_ids).values_list("source_id", "source_field"))
    seeds |= set(edges.filter(target_id__in=dataset_ids).values_list("target_id", "target_field"))
    seeds |= set(Dataset.objects.filter(pk__in=dataset_ids, port__isnull=False).values_list("pk", "port__columns__name"))
    return sorted((ds, c) for ds, c in seeds if c and (not column or c == column))
