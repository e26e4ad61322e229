"""Who is acting and in which request, held in context variables so services need not pass them.

The middleware (``audit.middleware``) opens a request scope; commands and tasks say who they are
with ``acting_as("command:import_descriptors")``. The request's user is read when an event is
recorded, not when the request starts: API token users are known only once DRF has
authenticated the view (it sets them on the underlying request too).
"""
from __future__ import annotations

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass

SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    label: str  # "user:<id>", "token:<user id>", "system", "task:<name>" …
    name: str = ""  # the username, for users and tokens

    @property
    def user_id(self) -> str | None:
        kind, _, rest = self.label.partition(":")
        return rest if kind in ("user", "token") else None


_request = ContextVar("audit_request", default=None)
_request_id = ContextVar("audit_request_id", default="")
_acting_as = ContextVar("audit_acting_as", default=None)


@contextlib.contextmanager
def request_scope(request, request_id: str):
    tokens = _request.set(request), _request_id.set(request_id)
    try:
        yield
    finally:
        _request.reset(tokens[0])
        _request_id.reset(tokens[1])


@contextlib.contextmanager
def acting_as(label: str, name: str = ""):
    """Record what happens inside as done by ``label`` (a command, a task): ``acting_as("task:expire")``."""
    token = _acting_as.set(Actor(label, name))
    try:
        yield
    finally:
        _acting_as.reset(token)


def request_id() -> str:
    return _request_id.get()


def user_actor(user, *, token: bool = False) -> Actor | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Actor(f"{'token' if token else 'user'}:{user.pk}", user.get_username())


def current_actor() -> Actor | None:
    """The innermost ``acting_as``, else the request's user (a token user as ``token:<id>``), else None."""
    actor = _acting_as.get()
    if actor is not None:
        return actor
    request = _request.get()
    if request is None:
        return None
    auth = getattr(request, "auth", None)
    return user_actor(getattr(request, "user", None), token=auth is not None and hasattr(auth, "key"))


def resolve(actor) -> Actor:
    """The actor an event is recorded with: given (a user, a label, an Actor) or from the context.

    A label that names the context's own user ("user:5" while token 5 acts) takes the context's
    richer form (token or session, username), so writers that only know a label lose nothing.
    """
    if isinstance(actor, Actor):
        return actor
    given = actor if isinstance(actor, str) or actor is None else user_actor(actor)
    found = current_actor()
    if given in (None, "", SYSTEM):
        return found or Actor(SYSTEM)
    given = Actor(given) if isinstance(given, str) else given
    if found is not None and found.user_id is not None and found.user_id == given.user_id:
        return found
    return given if given.name else Actor(given.label, _username(given.user_id))


def _username(user_id: str | None) -> str:
    if user_id is None or not user_id.isdigit():
        return ""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=int(user_id)).values_list("username", flat=True).first() or ""
