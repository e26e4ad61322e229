"""The hash chain: each event's hash covers its content and the hash of the event before it.

The content is written as canonical JSON (sorted keys, no spaces, UTC time with microseconds), so
the same row read back from SQLite or PostgreSQL (whose jsonb reorders keys) hashes the same.
"""
from __future__ import annotations

import hashlib
import json
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder

HASHED_FIELDS = ("occurred_at", "actor", "actor_name", "action", "subject_type", "subject_id",
                 "subject_label", "domain", "request_id", "data")


def jsonable(data) -> dict:
    """``data`` as it will read back from the database: JSON types only (dates, decimals as text)."""
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder, allow_nan=False))


def canonical(event) -> str:
    content = {name: getattr(event, name) for name in HASHED_FIELDS}
    content["occurred_at"] = event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(event, prev_hash: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical(event)}".encode()).hexdigest()
