"""Template helpers for the marketplace pages: Markdown, status badges, whom to ask."""
from django import template

from catalog.markdown import render_markdown
from catalog.selectors import product_owners

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """``{{ product.description|markdown }}``: sanitised HTML."""
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
