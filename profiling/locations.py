"""Port locations are data a user typed: resolve them and refuse anything outside the data roots."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from profiling.errors import LocationRefused, SourceTooLarge, SourceUnavailable, SourceUnreadable

ALLOWED_SCHEMES = {"", "file"}


def data_roots() -> list[Path]:
    return [Path(root).resolve() for root in settings.MESHPORT_DATA_ROOTS]


def safe_path(location: str) -> Path:
    """The real path of a file location, if it lies under a data root (symlinks resolved first)."""
    location = (location or "").strip()
    if not location:
        raise LocationRefused("the port has no location")
    parts = urlsplit(location)
    scheme = parts.scheme.lower() if len(parts.scheme) > 1 else ""  # "C:" is a drive, not a scheme
    if scheme not in ALLOWED_SCHEMES:
        raise LocationRefused(f"scheme {scheme!r} is not allowed; only local files under the data roots are read")
    raw = parts.path if scheme == "file" else location
    if "\x00" in raw:
        raise LocationRefused("the location contains a NUL byte")
    if not os.path.isabs(raw):
        raise LocationRefused(f"{raw!r} is not an absolute path")
    real = Path(raw).resolve()
    if not any(real.is_relative_to(root) for root in data_roots()):
        raise LocationRefused(f"{raw!r} is outside the configured data roots")
    return real


def checked_file(location: str) -> Path:
    """A readable, non-empty file under a data root, no larger than the configured limit."""
    path = safe_path(location)
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise SourceUnavailable(f"file not found: {path}") from exc
    except OSError as exc:
        raise SourceUnavailable(f"cannot read {path}: {exc.strerror}") from exc
    if not path.is_file():
        raise SourceUnreadable(f"{path} is not a regular file")
    if size == 0:
        raise SourceUnreadable(f"{path} is empty")
    limit = settings.MESHPORT_PROFILE_MAX_BYTES
    if size > limit:
        raise SourceTooLarge(f"{path} is {size / 2**20:,.0f} MiB, over the {limit / 2**20:,.0f} MiB limit")
    return path
