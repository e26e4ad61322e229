"""Markdown from descriptors, rendered to HTML that is safe to show: sanitised by nh3.

Building a ``markdown.Markdown`` (its extensions, processors and patterns) costs far more than
converting a short description, so each thread keeps one parser and resets it between texts
(an instance is not safe to share between threads). The sanitiser is built once: nh3's
``Cleaner`` is immutable and thread-safe. Product descriptions are rendered once per change and
stored (``DataProduct.description_html``); this module renders the rest (purpose, ports, domains).
"""
from __future__ import annotations

import re
import threading
from html import unescape

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


# --- Markdown as plain text (search snippets, product cards) --------------------------------------
_LIST_ITEM = re.compile(r"<li\b[^>]*>", re.I)
_BLOCK_END_TEXT = re.compile(r"</(?:p|h[1-6]|td|th|dd|dt|pre|blockquote|tr|ul|ol|table)>|<br\s*/?>|<hr\s*/?>", re.I)
_LIST_END = re.compile(r"</li>", re.I)
_TAG = re.compile(r"<[^>]*>")
_PUNCT_END = re.compile(r"[.!?:;…]$")
_MARKUP_HINT = re.compile(r"[*`\[\]#>|~<&]|^\s*(?:[-+]|\d+[.)])\s|\n\s*(?:[-+]|\d+[.)])\s|_\w.*?\w_")


def html_text(html: str | None) -> str:
    """Rendered (sanitised) Markdown as one line of plain text that still reads: list items as
    "• item", paragraphs and headings kept apart by a full stop where they had no punctuation."""
    text = _LIST_ITEM.sub("\x00• ", str(html or ""))
    text = _LIST_END.sub("\x00", text)
    text = _BLOCK_END_TEXT.sub("\x00", text)
    parts = []
    for piece in _TAG.sub("", text).split("\x00"):
        piece = " ".join(unescape(piece).split())
        if piece and piece != "•":
            parts.append(piece)
    return _joined(parts)


def markdown_text(text: str | None) -> str:
    """Markdown as plain text (``html_text`` of its rendering); text without markup passes through as is."""
    if not text:
        return ""
    if not _MARKUP_HINT.search(text):
        return " ".join(text.split())
    return html_text(render_markdown(text))


# The same, without rendering (50x faster: for the search index, which reads every product on a rebuild).
_FENCE = re.compile(r"^[ \t]*(```|~~~).*$", re.M)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)|\[([^\]]+)\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_REF_DEF = re.compile(r"^[ \t]{0,3}\[[^\]]+\]:\s+\S+.*$", re.M)
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$", re.M)
_QUOTE = re.compile(r"^[ \t]{0,3}>[ \t]?", re.M)
_ITEM = re.compile(r"^[ \t]*(?:[-+*]|\d+[.)])[ \t]+(?:\[[ xX]\][ \t]+)?", re.M)
_RULE = re.compile(r"^[ \t]{0,3}(?:[-*_][ \t]*){3,}$", re.M)
_TABLE_SEP = re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$", re.M)
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])|(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_CODE = re.compile(r"(`+)\s?(.+?)\s?\1")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")


def strip_markdown(text: str | None) -> str:
    """Markdown as plain text by pattern (no rendering): emphasis, code, links and headings reduced to
    their words, list items to "• item", blocks ended by a full stop, all on one line."""
    if not text:
        return ""
    if not _MARKUP_HINT.search(text):
        return " ".join(text.split())
    if "`" in text or "~" in text:
        text = _FENCE.sub("", text)
    if "[" in text:
        text = _REF_DEF.sub("", text)
        text = _IMAGE.sub(r"\1", text)
        text = _LINK.sub(lambda m: m.group(1) or m.group(2), text)
    if "|" in text:
        text = _TABLE_SEP.sub("", text).replace("|", " ")
    text = _RULE.sub("", text)
    if "<" in text:
        text = _AUTOLINK.sub(r"\1", text)
        text = _HTML_TAG.sub("", text)
    if "#" in text:
        text = _HEADING.sub(r"\1", text)
    if ">" in text:
        text = _QUOTE.sub("", text)
    text = _ITEM.sub("\x00• ", text)
    if "`" in text:
        text = _CODE.sub(r"\2", text)
    if "*" in text or "_" in text:
        text = _STRONG.sub(r"\2", text)
        text = _EMPHASIS.sub(lambda m: m.group(1) or m.group(2), text)
    if "~" in text:
        text = _STRIKE.sub(r"\1", text)
    if "\\" in text:
        text = _ESCAPED.sub(r"\1", text)
    blocks = [" ".join(b.split()) for part in _BLANK_LINE.split(text) for b in part.split("\x00")]
    return _joined([b for b in blocks if b and b != "•"])


def _joined(parts: list[str]) -> str:
    """Blocks on one line: one ending without punctuation before a block that is no list item gets a stop."""
    out = []
    for i, piece in enumerate(parts):
        following = parts[i + 1] if i + 1 < len(parts) else ""
        needs_stop = following and not following.startswith("• ") and not _PUNCT_END.search(piece)
        out.append(piece + ("." if needs_stop else ""))
    return " ".join(out)
