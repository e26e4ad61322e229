"""The dataset graph held in memory by each process, walked with numpy: ``GET /api/lineage/?level=dataset``.

Why: walking in SQL costs a query per level plus one for the names, and Python for every edge row
those return (BENCHMARKS.md, "Lineage"). Here each direction's edges are two sorted arrays (CSR: a
node's neighbours are ``nbr[indptr[node]:indptr[node + 1]]``), a level of the walk is a handful of
array operations, and the names are read once.

Coherence: ``GraphVersion`` (kept by triggers) says when the edges changed. Each query reads it
first: if it matches the copy, the copy is used; else, outside a transaction, the edges added since
are loaded (or, after a deletion, everything), and inside one the walk falls back to SQL
(``graph.dataset_graph``), since what it sees may never be committed. A copy is only ever built from
committed rows, so a transaction that sees the copy's version sees the copy's edges.

Names are cached by id as they are read: a dataset's namespace and name never change (a rename
draws a new generation), ids are never reused, so they need no version. Which product a dataset
belongs to does change (ports are matched later): that is read per query, for the few datasets
that have one.

Costs, per process, measured at 100,000 datasets and 300,000 edges on PostgreSQL: ~35 MB held
(11 MB of arrays, the rest the names) and the process 70 MB larger after the load; a full load
(0.4 s there) on its first dataset-level query and after a deletion; and on PostgreSQL, a
transaction adding edges holds the version row from that insert to its commit, so edge writers
take turns (ingestion inserts its edges near the end of its transaction: the turns are short).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import connection

SHIFT = 32  # a pair is one int64: node << 32 | neighbour
MAX_ID = 1 << 31  # past it, pairs would overflow: such a graph is walked in SQL


@dataclass(frozen=True)
class Side:
    """One direction's adjacency: ``keys`` sorted and distinct; a node's neighbours in ``nbr[indptr[node]:]``."""

    keys: np.ndarray
    nbr: np.ndarray
    indptr: np.ndarray

    @classmethod
    def build(cls, keys: np.ndarray) -> Side:
        nodes = keys >> SHIFT
        size = int(nodes[-1]) + 1 if len(keys) else 0
        indptr = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(np.bincount(nodes, minlength=size), out=indptr[1:])
        return cls(keys, keys & ((1 << SHIFT) - 1), indptr)

    def merged(self, keys: np.ndarray) -> Side:
        """With these pairs (sorted, distinct) added; those already here are skipped."""
        at = np.searchsorted(self.keys, keys)
        known = at < len(self.keys)
        known[known] = self.keys[at[known]] == keys[known]
        if known.all():
            return self
        return Side.build(np.insert(self.keys, at[~known], keys[~known]))

    def span(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each node's neighbours start, and how many there are (none past the last node)."""
        last = len(self.indptr) - 1
        start = self.indptr[np.minimum(nodes, last)]
        return start, self.indptr[np.minimum(nodes + 1, last)] - start

    def degree(self, nodes: np.ndarray) -> np.ndarray:
        return self.span(nodes)[1]

    def neighbours(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(node, neighbour)`` arrays of every pair leading from ``nodes``."""
        start, count = self.span(nodes)
        total = int(count.sum())
        if not total:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        ends = np.cumsum(count)
        index = np.repeat(start - ends + count, count) + np.arange(total)
        return np.repeat(nodes, count), self.nbr[index]


def _pairs(rows: np.ndarray, here: int, there: int) -> np.ndarray:
    if len(rows) and rows[:, 1:].max() >= MAX_ID:
        raise OverflowError("dataset ids past 2**31")
    return np.unique((rows[:, here] << SHIFT) | rows[:, there])


@dataclass(frozen=True)
class Graph:
    """One committed state of the dataset edges, as of ``version``."""

    version: tuple[str, int]
    last_edge: int
    down: Side
    up: Side
    # id -> namespace and id -> name, filled as read. Dicts of strings: the garbage collector never
    # tracks them, where 100,000 (namespace, name) tuples would be traversed by collections for a while.
    namespaces: dict[int, str] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    def side(self, way: str) -> Side:
        return self.down if way == "downstream" else self.up

    @property
    def size(self) -> int:
        return max(len(self.down.indptr), len(self.up.indptr))

    def plus(self, version: tuple[str, int], rows: np.ndarray) -> Graph:
        """This graph with the edge rows ``(id, source, target)`` added since it was loaded."""
        if not len(rows):
            return Graph(version, self.last_edge, self.down, self.up, self.namespaces, self.names)
        return Graph(version, max(self.last_edge, int(rows[:, 0].max())), self.down.merged(_pairs(rows, 1, 2)),
                     self.up.merged(_pairs(rows, 2, 1)), self.namespaces, self.names)

    @classmethod
    def of(cls, version: tuple[str, int], rows: np.ndarray) -> Graph:
        last = int(rows[:, 0].max()) if len(rows) else 0
        graph = cls(version, last, Side.build(_pairs(rows, 1, 2)), Side.build(_pairs(rows, 2, 1)))
        graph.read_names("SELECT id, namespace, name FROM lineage_dataset")
        return graph

    def read_names(self, sql: str, params=()) -> None:
        namespaces = {}  # one string per namespace, however many datasets share it
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for pk, namespace, name in cursor.fetchall():
                self.namespaces[pk] = namespaces.setdefault(namespace, namespace)
                self.names[pk] = name


_lock = threading.Lock()
_graphs: dict[tuple, Graph] = {}  # per database


def _edge_rows(sql: str, params=()) -> np.ndarray:
    """``(id, source, target)`` rows as an array, read in chunks: the row tuples never all exist at once."""
    chunks = [np.empty((0, 3), dtype=np.int64)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(20_000):
            chunks.append(np.array(rows, dtype=np.int64))
    return np.concatenate(chunks)


def _version() -> tuple[str, int] | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT generation, additions FROM lineage_graphversion WHERE id = 1")
        row = cursor.fetchone()
    return (row[0], int(row[1])) if row else None


def walkable(seeds: list[int]) -> bool:
    """Whether a walk from ``seeds`` can run here: some seeds, and none past ``MAX_ID``."""
    return bool(seeds) and max(seeds) < MAX_ID


def current() -> Graph | None:
    """The graph as this connection sees it, or None when SQL must answer: inside a transaction that
    sees a state no copy holds, with the version row gone, or with ``LINEAGE_MEMORY_GRAPH`` off.

    ``LINEAGE_MEMORY_GRAPH = "always"`` reads a private copy in such a transaction instead (slow on a
    big graph: the test suite uses it to put its dataset-level tests through this walk too).
    """
    mode = getattr(settings, "LINEAGE_MEMORY_GRAPH", True)
    version = _version() if mode else None
    if version is None:
        return None
    key = (connection.alias, connection.settings_dict["NAME"])
    graph = _graphs.get(key)
    if graph is not None and graph.version == version:
        return graph
    if connection.in_atomic_block:
        if mode != "always":
            return None
        try:
            return Graph.of(version, _edge_rows("SELECT id, source_id, target_id FROM lineage_datasetedge"))
        except OverflowError:
            return None
    with _lock:
        graph = _graphs.get(key)
        if graph is not None and graph.version[0] == version[0] and graph.version[1] >= version[1]:
            return graph  # brought up to date by another thread meanwhile
        try:
            if graph is None or graph.version[0] != version[0]:
                # Read after the version: the rows are at least as new, and a newer version reloads them.
                graph = Graph.of(version, _edge_rows("SELECT id, source_id, target_id FROM lineage_datasetedge"))
            else:
                rows = _edge_rows("SELECT id, source_id, target_id FROM lineage_datasetedge WHERE id > %s",
                                  [graph.last_edge])
                graph = graph.plus(version, rows)
        except OverflowError:
            _graphs.pop(key, None)
            return None
        _graphs[key] = graph
    return graph


def names(graph: Graph, ids: list[int]) -> tuple[list[str], list[str]]:
    """The namespaces and names of ``ids``: from the cache, the rest read (and kept, if committed)."""
    namespaces = list(map(graph.namespaces.get, ids))
    if None in namespaces:
        from lineage.selectors.sql import id_list_sql

        missing = {pk for pk, namespace in zip(ids, namespaces, strict=True) if namespace is None}
        # Inside a transaction the rows may be rolled back: they are read into a copy, not kept.
        into = graph if not connection.in_atomic_block else Graph(graph.version, graph.last_edge, graph.down,
                                                                  graph.up, dict(graph.namespaces), dict(graph.names))
        sub, params = id_list_sql(missing)
        into.read_names(f"SELECT d.id, d.namespace, d.name FROM ({sub}) AS k JOIN lineage_dataset d ON d.id = k.v",  # noqa: S608
                        params)
        graph = into
        namespaces = list(map(graph.namespaces.get, ids))
    return namespaces, list(map(graph.names.get, ids))


def owners() -> dict[int, int]:
    """``dataset id -> product id`` for the datasets that belong to a product (a port's, so few)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, product_id FROM lineage_dataset WHERE product_id IS NOT NULL")
        return dict(cursor.fetchall())


@dataclass
class Walked:
    """What a walk kept: nodes nearest first with their signed depths, the edges among them, the hubs."""

    nodes: np.ndarray
    depths: np.ndarray
    sources: np.ndarray
    targets: np.ndarray
    collapsed: np.ndarray  # per node: not expanded, too many edges
    truncated: bool


def walk(graph: Graph, seeds: list[int], ways: list[str], *, depth: int, max_nodes: int, fanout: int) -> Walked:
    """The answer ``graph.dataset_graph`` gives from SQL, computed on the arrays (same order, same rules)."""
    seeds = np.unique(np.asarray(seeds, dtype=np.int64))
    size = max(graph.size, int(seeds[-1]) + 2)
    walks = [_Walk(graph.side(way), way, seeds, size, depth=depth, max_nodes=max_nodes, fanout=fanout)
             for way in ways]
    nodes, depths, reached = _nearest(walks, size, max_nodes)
    truncated = reached > max_nodes or any(w.cut for w in walks)
    nodes, depths = nodes[:max_nodes], depths[:max_nodes]
    inside = np.zeros(size, dtype=bool)
    inside[nodes] = True
    hubs = np.zeros(size, dtype=bool)
    for w in walks:
        for found in w.hubs:
            hubs[found] = True
        # Kept nodes within the depth that the walk stopped short of (at the cap), on its side of the
        # seeds, are collapsed if they fan out too much, as if the walk had gone on.
        mine = (depths <= 0) if w.way == "upstream" else (depths >= 0)
        short = nodes[mine & (np.abs(depths) < depth) & ~w.probed[nodes]]
        hubs[short[w.side.degree(short) > fanout]] = True
    collapsed = hubs[nodes]
    sources, targets = graph.down.neighbours(nodes)
    among = inside[targets]
    return Walked(nodes, depths, sources[among], targets[among], collapsed, truncated or bool(collapsed.any()))


class _Walk:
    """Breadth first one way, a level at a time; each node is expanded once, at its nearest depth."""

    def __init__(self, side: Side, way: str, seeds: np.ndarray, size: int, *, depth: int, max_nodes: int,
                 fanout: int):
        self.side, self.way, self.fanout = side, way, fanout
        self.levels = [seeds]  # the nodes first reached at each depth, by id
        self.probed = np.zeros(size, dtype=bool)
        self.hubs: list[np.ndarray] = []
        seen = np.zeros(size, dtype=bool)
        seen[seeds] = True
        reached = len(seeds)
        while len(self.levels) <= depth and len(self.levels[-1]):
            # Once the finished levels hold more than the cap, deeper nodes cannot be among the nearest.
            if reached > max_nodes:
                break
            _, ends = side.neighbours(self.expand(self.levels[-1]))
            fresh = np.unique(ends[~seen[ends]])
            seen[fresh] = True
            reached += len(fresh)
            self.levels.append(fresh)
        self.cut = reached > max_nodes

    def expand(self, nodes: np.ndarray) -> np.ndarray:
        """The nodes to follow: all but the hubs (more than ``fanout`` neighbours this way), set aside."""
        self.probed[nodes] = True
        busy = self.side.degree(nodes) > self.fanout
        if not busy.any():
            return nodes
        self.hubs.append(nodes[busy])
        return nodes[~busy]


def _nearest(walks: list[_Walk], size: int, max_nodes: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Nodes nearest first: by rank (downstream level d ranks 2d, upstream 2d + 1), then id; their
    signed depths; how many were reached, stopping past ``max_nodes`` (one more says the cap was hit)."""
    ranked = sorted(((2 * d + (w.way == "upstream"), level) for w in walks for d, level in enumerate(w.levels)),
                    key=lambda item: item[0])
    inside = np.zeros(size, dtype=bool)
    nodes, depths, reached = [], [], 0
    for rank, level in ranked:
        if reached > max_nodes:
            break
        fresh = level[~inside[level]]
        inside[fresh] = True
        nodes.append(fresh)
        depths.append(np.full(len(fresh), -(rank // 2) if rank % 2 else rank // 2, dtype=np.int64))
        reached += len(fresh)
    return np.concatenate(nodes), np.concatenate(depths), reached


def positions(walked: Walked) -> tuple[list[int], list[int]]:
    """The edges' ends as positions in ``walked.nodes`` (lists index faster than dicts look up)."""
    at = np.zeros(int(walked.nodes.max()) + 1, dtype=np.int64)
    at[walked.nodes] = np.arange(len(walked.nodes))
    return at[walked.sources].tolist(), at[walked.targets].tolist()


def forget() -> None:
    """Drop every process-held graph (tests that rebuild databases under the same name)."""
    with _lock:
        _graphs.clear()
