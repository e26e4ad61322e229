"""The packed form of a dataset's neighbour ids (``Adjacency.downstream`` / ``upstream``).

Ids are stored ascending as little-endian signed 64-bit integers: 8 bytes an id, decoded by
``array`` in C, so the walk turns a row into a sequence of ids without a Python loop.
"""
from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable

SWAP = sys.byteorder != "little"  # big-endian hosts swap bytes; everything else reads the bytes as they are


def pack(ids: Iterable[int]) -> bytes:
    packed = array("q", sorted(set(ids)))
    if SWAP:
        packed.byteswap()
    return packed.tobytes()


def unpack(blob: bytes | memoryview | None) -> array:
    ids = array("q")
    if blob:
        ids.frombytes(blob)
        if SWAP:
            ids.byteswap()
    return ids
