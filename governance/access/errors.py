"""What an access use case refuses, and why: the API maps each class to its status code."""
from __future__ import annotations


class AccessError(Exception):
    """Base: ``field`` names the input at fault ("" when it is the request as a whole)."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


class AccessInvalid(AccessError):
    """Bad input (400): nothing was written."""


class AccessForbidden(AccessError):
    """Not this actor's to do (403)."""


class AccessConflict(AccessError):
    """Not in this state, or the same thing is already asked for or held (409)."""
