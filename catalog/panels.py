"""Product-page panels contributed by other apps.

The catalog must not import governance or lineage (dependencies point one way). Those apps
register a panel here from their ``AppConfig.ready()``; the product page renders every
registered panel in order. A panel is a callable ``(request, product) -> str | None`` that
returns safe HTML (usually ``render_to_string`` of its own template) or None to stay hidden.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    render: Callable
    order: int = 100


_registry: dict[str, Panel] = {}


def register_product_panel(key: str, title: str, render: Callable, order: int = 100) -> None:
    _registry[key] = Panel(key=key, title=title, render=render, order=order)


def product_panels() -> list[Panel]:
    return sorted(_registry.values(), key=lambda p: (p.order, p.key))
