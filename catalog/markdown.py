"""Markdown from descriptors, rendered to HTML that is safe to show: sanitised by nh3.

Building a ``markdown.Markdown`` (its extensions, processors and patterns) costs far more than
converting a short description, so each thread keeps one parser and resets it between texts
(an instance is not safe to share between threads). The sanitiser is built once: nh3's
``Cleaner`` is immutable and thread-safe. Product descriptions are rendered once per change and
stored (``DataProduct.description_html``); this module renders the rest (purpose, ports, domains).
"""
from __future__ import annotations

import threading

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "td": {"align"},
    "th": {"align"},
    "code": {"class"},
}
EXTENSIONS = ["extra", "sane_lists"]

_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    link_rel="noopener noreferrer",
    url_schemes={"http", "https", "mailto"},
)
_local = threading.local()


def _parser() -> markdown_lib.Markdown:
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = markdown_lib.Markdown(extensions=EXTENSIONS, output_format="html")
    return parser


def render_markdown(text: str | None) -> SafeString:
    """Markdown to HTML; anything that could run script (tags, handlers, javascript: URLs) is dropped."""
    if not text:
        return mark_safe("")  # noqa: S308 - empty
    parser = _parser()
    try:
        html = parser.convert(text)
    finally:
        parser.reset()  # abbreviations, footnotes and references belong to one text only
    return mark_safe(_CLEANER.clean(html))  # noqa: S308 - nh3 has sanitised it
