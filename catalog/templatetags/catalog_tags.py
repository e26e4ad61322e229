"""Template helpers for the marketplace pages: Markdown, status badges, whom to ask."""
from django import template

from catalog.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """``{{ product.description|markdown }}``: sanitised HTML."""
    return render_markdown(text)


@register.filter
def classification_class(value: str) -> str:
    """CSS modifier for a column's classification badge."""
    return f"badge--{value}" if value else "badge--none"
