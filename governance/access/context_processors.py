"""The header's "To decide" count: asked only when a page's header is drawn for a signed-in user."""
from __future__ import annotations

from django.utils.functional import SimpleLazyObject


def access_nav(request) -> dict:
    def to_decide() -> int:
        from governance.access.selectors import access_requests_for

        return access_requests_for(user=request.user, to_decide=True).count()

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"access_to_decide": SimpleLazyObject(to_decide)}
