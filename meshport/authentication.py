"""Authentication: API tokens (``Token <key>`` and ``Bearer <key>``), and how guessing is slowed down.

OpenLineage clients send their api key as a Bearer token; everything else in the DRF world
sends ``Token``. Both name the same ``authtoken`` key.

Guessing: failed log-ins (login page, admin) are counted by django-axes per username and
address, through ``LoginAttemptBackend``. Failed tokens are counted here per address, in the
``throttle`` cache (Redis when ``REDIS_URL`` is set, so every web process shares the count): an
address that sent ``MESHPORT_TOKEN_FAILURE_LIMIT`` wrong tokens in a window gets 429 for every
token, the right one too, until the window ends.
"""
from __future__ import annotations

import time
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_ip_address, get_cool_off
from django.conf import settings
from django.core.cache import caches
from rest_framework import authentication, exceptions


def now() -> float:
    return time.time()


def login_cooloff() -> timedelta:
    """How long a username stays locked at an address after too many failed log-ins."""
    return get_cool_off()


class LoginAttemptBackend(AxesStandaloneBackend):
    """django-axes' lock-out check, for log-ins that come from a request.

    ``authenticate()`` without a request (the test client's ``login()``, the shell) is no
    attempt from the web and has no address to count: it is left to the next backend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class TokenAuthentication(authentication.TokenAuthentication):
    keywords = ("Token", "Bearer")

    def authenticate(self, request):
        auth = authentication.get_authorization_header(request).split()
        if not auth or auth[0].decode(errors="replace").lower() not in {k.lower() for k in self.keywords}:
            return None
        failures = _TokenFailures(get_client_ip_address(request) or "unknown")
        failures.refuse_when_exhausted()
        try:
            return self._authenticate_header(auth)
        except exceptions.AuthenticationFailed:
            failures.count()
            raise

    def _authenticate_header(self, auth: list[bytes]):
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: expected '<keyword> <key>'.")
        try:
            key = auth[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token header: the key is not text.") from exc
        return self.authenticate_credentials(key)


class _TokenFailures:
    """Failed tokens from one address in the current fixed window (atomic ``incr`` on Redis)."""

    def __init__(self, address: str):
        self.window = settings.MESHPORT_TOKEN_FAILURE_WINDOW
        start = int(now() // self.window) * self.window
        self.ends = start + self.window
        self.key = f"meshport:token-failures:{address}:{start}"
        self.cache = caches["throttle"]

    def refuse_when_exhausted(self) -> None:
        if (self.cache.get(self.key) or 0) >= settings.MESHPORT_TOKEN_FAILURE_LIMIT:
            wait = max(1, round(self.ends - now()))
            raise exceptions.Throttled(wait=wait, detail="Too many failed token attempts from your address.")

    def count(self) -> None:
        if self.cache.add(self.key, 1, timeout=self.window + 1):
            return
        try:
            self.cache.incr(self.key)
        except ValueError:  # expired between add() and incr()
            self.cache.set(self.key, 1, timeout=self.window + 1)
