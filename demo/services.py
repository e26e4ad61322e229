"""Load the demo mesh: data files, descriptors imported like a user's, people, then each app's demo work."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from demo.access import demo_access_requests
from demo.data import GenerationReport, demo_data_generate
from demo.descriptors import demo_descriptors_write
from demo.lineage import demo_events_post
from demo.notifications import demo_notifications
from demo.policies import demo_policies
from demo.quality_history import demo_quality_history
from demo.users import DemoUser, demo_domains_ensure, demo_users_ensure

# Other apps' demo work, run in this order once the products exist: ``fn(*, stdout) -> None``.
DEMO_STEPS: list[tuple[str, Callable]] = [
    ("lineage-events", demo_events_post),
    ("access-requests", demo_access_requests),
    ("policies", demo_policies),
    ("quality-history", demo_quality_history),  # weeks of scores before today's
    ("notifications", demo_notifications),  # last: an incident after everything else is in place
]


class DemoSetupError(Exception):
    """The demo cannot be loaded as asked (said before anything is written)."""


@dataclass
class DemoLoadReport:
    data: GenerationReport
    descriptor_files: int
    descriptors_written: int
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    users: list[DemoUser]
    domains: int
    steps: list[tuple[str, float]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def products(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged)


def demo_load(*, data_dir: Path, quick: bool = False, stdout=None) -> DemoLoadReport:
    """Build the whole demo mesh under ``data_dir`` and in the database; safe to run again.

    Not one transaction: the data files cannot roll back, and the import is its own atomic unit.
    Each step is idempotent, so a run that fails half-way is finished by running it again.
    """
    from catalog.descriptors.services import descriptor_files_import

    started = time.monotonic()
    data_dir = Path(data_dir).resolve()
    _check_data_dir(data_dir)
    domains = demo_domains_ensure(data_dir=data_dir)
    users = demo_users_ensure()
    data = demo_data_generate(data_dir=data_dir, quick=quick)
    files = demo_descriptors_write(data_dir=data_dir)
    result = descriptor_files_import(paths=files.paths, actor=None)  # as the command line does
    report = DemoLoadReport(
        data=data, descriptor_files=len(files.paths), descriptors_written=files.written, created=result.created,
        updated=result.updated, unchanged=result.unchanged, users=users, domains=len(domains),
    )
    for name, step in DEMO_STEPS:
        step_started = time.monotonic()
        step(stdout=stdout)
        report.steps.append((name, time.monotonic() - step_started))
    report.seconds = time.monotonic() - started
    return report


def _check_data_dir(data_dir: Path) -> None:
    roots = [Path(r).resolve() for r in settings.MESHPORT_DATA_ROOTS]
    if not any(data_dir.is_relative_to(root) for root in roots):
        raise DemoSetupError(
            f"{data_dir} is outside MESHPORT_DATA_ROOTS ({', '.join(map(str, roots))}), so Meshport would "
            "refuse to read it: pick a folder under one of them, or add it to MESHPORT_DATA_ROOTS."
        )
