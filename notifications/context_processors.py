"""The header's bell: the unread count, asked only when a page's header is drawn for a signed-in user."""
from __future__ import annotations

from django.utils.functional import SimpleLazyObject


def notifications_nav(request) -> dict:
    def unread() -> int:
        from notifications.services import unread_count

        return unread_count(request.user)

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": SimpleLazyObject(unread)}
