"""``manage.py load_demo``: build the demo mesh (data files, descriptors, users) and print logins."""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.users import DEMO_PASSWORD

URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = "Generate the demo data, import its descriptors, create the demo users. Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", type=Path, default=None,
                            help="Where to write the data files (default: MESHPORT_DEMO_DATA_DIR).")
        parser.add_argument("--quick", action="store_true", help="Small files (for tests and quick looks).")

    def handle(self, *args, data_dir=None, quick=False, **options):
        from demo.services import DemoSetupError, demo_load
        from standards.errors import DescriptorError

        data_dir = (data_dir or settings.MESHPORT_DEMO_DATA_DIR).resolve()
        try:
            report = demo_load(data_dir=data_dir, quick=quick, stdout=self.stdout)
        except DemoSetupError as exc:
            raise CommandError(str(exc)) from exc
        except DescriptorError as exc:
            lines = [f"{e.get('file', '')}:{e.get('line', '')}: {e['path']}: {e['message']}" for e in exc.errors]
            raise CommandError("The demo descriptors were rejected:\n" + "\n".join(lines)) from exc
        self._summary(report, data_dir)
        self._credentials(report.users)

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

    def _credentials(self, users) -> None:
        self.stdout.write(f"\nOpen {URL}  (password for every demo user: {DEMO_PASSWORD})")
        width = max(len(u.username) for u in users)
        self.stdout.write(f"  {'user'.ljust(width)}  {'API token'.ljust(40)}  role")
        for user in users:
            self.stdout.write(f"  {user.username.ljust(width)}  {user.token}  {user.role}")
