"""The demo mesh's pipelines as OpenLineage events, posted through the real endpoint by ``load_demo``."""
from __future__ import annotations


def demo_events() -> list[dict]:
    return []


def demo_events_post(*, stdout=None) -> None:
    """Post the demo's events to ``/api/v1/lineage`` in-process, as a steward, like a pipeline would."""
