"""The demo mesh: generated data files, descriptors, users, and steps other apps contribute.

Apps that catalog must not import (lineage, governance) add to the demo by registering a step
from their ``AppConfig.ready()``; ``load_demo`` runs every step after the products exist.
A step is ``fn(*, stdout) -> None``.
"""
from __future__ import annotations

from collections.abc import Callable

_steps: dict[str, tuple[int, Callable]] = {}


def register_demo_step(name: str, fn: Callable, order: int = 100) -> None:
    _steps[name] = (order, fn)


def demo_steps() -> list[tuple[str, Callable]]:
    return [(name, fn) for name, (_, fn) in sorted(_steps.items(), key=lambda kv: (kv[1][0], kv[0]))]
