"""Errors of the descriptor pipeline: every problem names the path that caused it."""
from __future__ import annotations


class DescriptorError(Exception):
    """One or more descriptors are invalid; ``errors`` lists each failing path and why.

    Each error is ``{"path": "product.outputPorts[0].name", "message": "..."}``; errors from
    files also carry ``file`` and, when the YAML position is known, ``line``.
    """

    def __init__(self, errors: list[dict], detail: str = "The descriptor is invalid.") -> None:
        self.errors = list(errors)
        self.detail = detail
        super().__init__(detail)

    def __str__(self) -> str:
        return "\n".join([self.detail, *self.lines()])

    def lines(self) -> list[str]:
        """One ``file:line: path: reason`` line per error (what the command prints)."""
        return [format_error(e) for e in self.errors]


class DescriptorPermissionError(Exception):
    """The actor may not write the domain a descriptor publishes in."""


def format_error(error: dict) -> str:
    where = ""
    if error.get("file"):
        where = f"{error['file']}:{error['line']}: " if error.get("line") else f"{error['file']}: "
    path = f"{error['path']}: " if error.get("path") else ""
    return f"{where}{path}{error['message']}"
