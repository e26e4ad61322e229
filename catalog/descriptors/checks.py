"""Publish checks other apps register (catalog imports none of them): each may refuse an import.

A check is ``fn(*, products, documents, actor) -> list[{"path", "message", ...}]``, called inside the
import's transaction once the rows are written but before they commit; any error refuses the whole
import (``DescriptorError``), so nothing is written.
"""
from __future__ import annotations

from collections.abc import Callable

from standards.errors import DescriptorError

_checks: list[Callable] = []


def register_publish_check(check: Callable) -> None:
    if check not in _checks:
        _checks.append(check)


def publish_checks_run(*, products: list, documents: list, actor) -> None:
    errors = [e for check in _checks for e in check(products=products, documents=documents, actor=actor)]
    if errors:
        raise DescriptorError(errors, detail="The descriptor breaks blocking policies; nothing was published.")
