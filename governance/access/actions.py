"""The product page's "Request access" header action (registered with ``catalog.panels``)."""
from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html

from catalog.permissions import can_write_domain


def request_access_action(request, product) -> str | None:
    """A button to the request form; the log-in page first for a visitor; nothing for the product's team."""
    user = request.user
    if user.is_authenticated and can_write_domain(user, product.domain):
        return None
    target = reverse("access:request", args=[product.identifier])
    if not user.is_authenticated:
        return format_html('<a class="button" id="action-request-access" href="{}?next={}">Log in to request access</a>',
                           reverse("login"), target)
    return format_html('<a class="button" id="action-request-access" href="{}">Request access</a>', target)
