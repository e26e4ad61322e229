"""Template helpers for the marketplace pages: Markdown, status badges, whom to ask."""

from django import template

from catalog.markdown import html_text, render_markdown
from catalog.selectors import product_owners

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """``{{ port.description|markdown }}``: sanitised HTML (product descriptions are stored rendered)."""
    return render_markdown(text)


@register.filter
def classification_class(value: str) -> str:
    """CSS modifier for a column's classification badge."""
    return f"badge--{value}" if value else "badge--none"


@register.filter
def owners(product) -> list[str]:
    """Whom to ask about a product (its team's owners, else its domain's)."""
    return product_owners(product)


@register.filter
def safe_url(value) -> str:
    """Only web and mail links from descriptors become hrefs; anything else (javascript:) is dropped."""
    url = str(value or "")
    return url if url.split(":", 1)[0].lower() in {"http", "https", "mailto"} else ""


@register.filter
def summary(text, words: int = 28) -> str:
    """The Markdown as one line of plain text, cut after ``words`` words."""
    return html_summary(render_markdown(text), words)


@register.filter
def html_summary(html, words: int = 28) -> str:
    """Rendered HTML (``product.description_html``) as one line of plain text, for product cards."""
    # list items keep their bullets ("• item"), blocks their full stops; the template escapes the text
    kept, counted = [], 0
    for word in html_text(html).split():
        if word != "•":
            counted += 1
            if counted > int(words):
                return " ".join(kept).rstrip(" •") + "…"
        kept.append(word)
    return " ".join(kept)


_FLAG_TEXT = {
    "schema_drift": "The profiled data of {ports} differs from its contract",
    "schema_drift_reported": "Pipelines report a schema for {ports} that differs from its contract",
}


@register.filter
def flag_notes(flags) -> list[str]:
    """One readable sentence per raised product flag (details live in the panels below)."""
    notes = []
    for key, value in (flags or {}).items():
        if not value:
            continue
        ports = ", ".join(sorted(value)) if isinstance(value, dict) else ""
        text = _FLAG_TEXT.get(key, key.replace("_", " ").capitalize() + (" on {ports}" if ports else ""))
        notes.append(text.format(ports=ports or "a port"))
    return notes
