"""Template helpers of the product page: rule words with their names as code."""
import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from catalog.markdown import render_markdown

register = template.Library()

_CODE = re.compile(r"`([^`]+)`")


@register.filter
def code_spans(text) -> SafeString:
    """Escaped text whose backticked names (``standards.quality_words``) become ``<code>`` elements."""
    return mark_safe(_CODE.sub(lambda m: f"<code>{m.group(1)}</code>", escape(str(text or ""))))  # noqa: S308


_ONE_PARAGRAPH = re.compile(r"^<p>(?P<inner>.*)</p>$", re.DOTALL)


@register.filter
def markdown_inline(text) -> SafeString:
    """Markdown for a line of text (a reason, a note): sanitised HTML without the paragraph around it."""
    html = str(render_markdown(text)).strip()
    match = _ONE_PARAGRAPH.match(html)
    inner = match["inner"] if match and "<p>" not in match["inner"] else html
    return mark_safe(inner)  # noqa: S308 - render_markdown has sanitised it (nh3)
