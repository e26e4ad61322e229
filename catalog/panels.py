"""Product-page panels and header actions contributed by other apps.

The catalog must not import governance, lineage or search (dependencies point one way). Those
apps register here from their ``AppConfig.ready()``:

- a *panel* is a callable ``(request, product) -> str | None`` returning safe HTML (usually
  ``render_to_string`` of its own template) or None to stay hidden; it belongs to one of the
  product page's tabs (``TABS``) and is rendered there in ``order``;
- an *action* is a callable ``(request, product) -> str | None`` returning a small piece of safe
  HTML (a button or a form) shown in the product page's header: "Follow", "Request access".
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# The product page's tabs, in the order they are shown: (key, label).
TABS = (
    ("overview", "Overview"),
    ("schema", "Schema & profile"),
    ("quality", "Quality"),
    ("lineage", "Lineage"),
    ("contract", "Contract"),
    ("history", "History"),
    ("access", "Access / Use it"),
    ("compliance", "Compliance"),
)
TAB_KEYS = frozenset(key for key, _ in TABS)


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    render: Callable
    order: int = 100
    tab: str = "overview"


@dataclass(frozen=True)
class Action:
    key: str
    render: Callable
    order: int = 100


_registry: dict[str, Panel] = {}
_actions: dict[str, Action] = {}


def register_product_panel(key: str, title: str, render: Callable, order: int = 100,
                           tab: str = "overview") -> None:
    if tab not in TAB_KEYS:
        raise ValueError(f"unknown product tab {tab!r}; one of {sorted(TAB_KEYS)}")
    _registry[key] = Panel(key=key, title=title, render=render, order=order, tab=tab)


def product_panels() -> list[Panel]:
    return sorted(_registry.values(), key=lambda p: (p.order, p.key))


def register_product_action(key: str, render: Callable, order: int = 100) -> None:
    _actions[key] = Action(key=key, render=render, order=order)


def product_actions() -> list[Action]:
    return sorted(_actions.values(), key=lambda a: (a.order, a.key))
