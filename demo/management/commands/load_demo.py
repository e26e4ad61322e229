"""``manage.py load_demo``: build the demo mesh (data files, descriptors, users) and print logins.

The logins come last, on their own: while the demo loads, tasks and apps log at WARNING (``--log-level``
or ``DEMO_LOG_LEVEL`` to see more), so the table is not buried under each task's INFO line. The
address printed is the one ``make demo`` serves on (``--url``, else ``HOST`` and ``PORT``).
"""
import logging
import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.users import DEMO_PASSWORD


def default_url() -> str:
    """Where ``make demo`` serves: ``HOST`` and ``PORT`` as the Makefile passes them to runserver."""
    host = os.environ.get("HOST") or "127.0.0.1"
    if host in ("0.0.0.0", "::", "[::]"):  # noqa: S104 -- every interface: the browser opens the loopback
        host = "127.0.0.1"
    return f"http://{host}:{os.environ.get('PORT') or '8000'}"


class Command(BaseCommand):
    help = "Generate the demo data, import its descriptors, create the demo users. Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", type=Path, default=None,
                            help="Where to write the data files (default: MESHPORT_DEMO_DATA_DIR).")
        parser.add_argument("--quick", action="store_true", help="Small files (for tests and quick looks).")
        parser.add_argument("--url", default=None, help="The address to print (default: http://$HOST:$PORT, "
                            "else http://127.0.0.1:8000).")
        parser.add_argument("--log-level", default=os.environ.get("DEMO_LOG_LEVEL", "WARNING"),
                            help="Log level while loading (default: DEMO_LOG_LEVEL, else WARNING).")

    def handle(self, *args, data_dir=None, quick=False, url=None, log_level="WARNING", **options):
        from demo.services import DemoSetupError, demo_load
        from standards.errors import DescriptorError

        data_dir = (data_dir or settings.MESHPORT_DEMO_DATA_DIR).resolve()
        root = logging.getLogger()
        level = root.level
        root.setLevel(log_level.upper())
        try:
            report = demo_load(data_dir=data_dir, quick=quick, stdout=self.stdout)
        except DemoSetupError as exc:
            raise CommandError(str(exc)) from exc
        except DescriptorError as exc:
            lines = [f"{e.get('file', '')}:{e.get('line', '')}: {e['path']}: {e['message']}" for e in exc.errors]
            raise CommandError("The demo descriptors were rejected:\n" + "\n".join(lines)) from exc
        finally:
            root.setLevel(level)
        self._summary(report, data_dir)
        self._credentials(report.users, url or default_url())

    def _summary(self, report, data_dir: Path) -> None:
        data = report.data
        self.stdout.write(self.style.SUCCESS(f"Demo mesh loaded in {report.seconds:.1f}s from {data_dir}"))
        self.stdout.write(
            f"  domains {report.domains}, products {report.products} "
            f"(created {len(report.created)}, updated {len(report.updated)}, unchanged {len(report.unchanged)})\n"
            f"  data ports {len(data.files)} ({data.generated} regenerated), rows {data.rows:,}, "
            f"generated in {data.seconds:.1f}s\n"
            f"  descriptor files {report.descriptor_files} ({report.descriptors_written} rewritten)"
        )
        for name, seconds in report.steps:
            self.stdout.write(f"  step {name}: {seconds:.1f}s")

    def _credentials(self, users, url: str) -> None:
        self.stdout.write(f"\nOpen {url}  (password for every demo user: {DEMO_PASSWORD})")
        width = max(len(u.username) for u in users)
        self.stdout.write(f"  {'user'.ljust(width)}  {'API token'.ljust(40)}  role")
        for user in users:
            self.stdout.write(f"  {user.username.ljust(width)}  {user.token}  {user.role}")
