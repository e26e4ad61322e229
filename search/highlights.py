"""Highlight fragments from any engine, made safe for HTML: escaped text, ``<mark>`` around matches.

Engines mark matches with control-character sentinels; the text is escaped first and the
sentinels become tags afterwards, so product text can never inject markup into a page.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

START, END = "\x02", "\x03"
_RESTORE = str.maketrans({"\x01": "<", "\x04": ">"})  # PostgreSQL headlines swap these out


def marked(fragments: Iterable[str | None]) -> list[SafeString]:
    """The fragments that contain a match, escaped and marked (safe: templates must not escape them again)."""
    return [
        mark_safe(escape(f.strip().translate(_RESTORE)).replace(START, "<mark>").replace(END, "</mark>"))  # noqa: S308
        for f in fragments
        if f and START in f
    ]
