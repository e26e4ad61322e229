"""``manage.py policies_check DESCRIPTOR...``: the active policies on descriptor files, nothing written.

Exits 1 when publishing them would be refused (a blocking policy fails on a product being published)
or when they are invalid; what a domain team runs in its CI before it publishes.
"""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from governance.policies.dryrun import descriptor_files_check
from governance.policies.services import active_specs
from standards.errors import DescriptorError, DescriptorPermissionError, format_error


class Command(BaseCommand):
    help = "Evaluate the active policies on descriptor files (rolled back); exit 1 on blocking failures."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="Descriptor files or folders (.yaml, .yml, .json).")

    def handle(self, *args, paths, **options):
        try:
            checks = descriptor_files_check(paths=paths, specs=active_specs())
        except DescriptorError as exc:
            for line in exc.lines():
                self.stderr.write(line)
            raise CommandError(f"{len(exc.errors)} descriptor error(s).") from exc
        except DescriptorPermissionError as exc:
            raise CommandError(str(exc)) from exc
        blocking = 0
        for check in checks:
            failed = sum(o.result == "failed" for o in check.outcomes)
            self.stdout.write(f"{check.identifier} ({check.status}): {len(check.outcomes) - failed} passed or not "
                              f"applicable, {failed} failed")
            for error in check.errors:
                self.stdout.write(f"  {error['severity']}: {format_error(error)}")
            blocking += len(check.blocking)
        if blocking:
            raise CommandError(f"{blocking} blocking failure(s): publishing these descriptors would be refused.")
        self.stdout.write(f"{len(checks)} product(s) checked: no blocking failure.")
