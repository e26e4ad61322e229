"""Reads for the profile API and the product page: per port, its runs, latest profile, drift and PII."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch

from catalog.models import DataProduct, OutputPort
from profiling.models import ColumnProfile, PiiSuggestion, ProfileRun

HISTORY = 10


@dataclass
class PortProfile:
    port: OutputPort
    latest_run: ProfileRun | None
    profile: ProfileRun | None  # the latest good run, with its columns
    history: list[ProfileRun] = field(default_factory=list)
    suggestions: list[PiiSuggestion] = field(default_factory=list)

    @property
    def columns(self) -> list[ColumnProfile]:
        return list(self.profile.columns.all()) if self.profile else []


def port_profiles(*, product: DataProduct) -> list[PortProfile]:
    """Each output port of ``product`` with its profile state (a handful of queries per port)."""
    from profiling.services import profilable

    ports = OutputPort.objects.filter(product=product).prefetch_related(
        Prefetch("pii_suggestions", queryset=PiiSuggestion.objects.order_by("column_name"))
    )
    out = []
    for port in ports:
        if not profilable(port):
            continue
        history = list(port.profile_runs.order_by("-created", "-pk")[:HISTORY])
        good = port.profile_runs.filter(is_latest_good=True).prefetch_related("columns").first()
        out.append(PortProfile(port=port, latest_run=history[0] if history else None, profile=good,
                               history=history, suggestions=list(port.pii_suggestions.all())))
    return out
