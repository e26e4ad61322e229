"""``manage.py import_descriptors PATH...``: import ODPS/ODCS descriptor files, all or nothing."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.context import acting_as
from catalog.descriptors.services import descriptor_files_import
from standards.errors import DescriptorError, format_error


class Command(BaseCommand):
    help = "Import data product descriptors (ODPS) and contracts (ODCS) from YAML/JSON files or folders."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="Files or folders (.yaml, .yml, .json).")

    def handle(self, *args, paths, **options):
        try:
            with acting_as("command:import_descriptors"):  # the audit log names the command as the actor
                result = descriptor_files_import(paths=paths)
        except DescriptorError as exc:
            for line in exc.lines():
                self.stderr.write(line)
            raise CommandError(f"{len(exc.errors)} error(s): nothing was imported.") from exc
        for product in result.products:
            self.stdout.write(f"{result.outcome(product)}: {product.identifier}")
        for warning in result.warnings:
            self.stdout.write(f"warning: {format_error(warning)}")
        self.stdout.write(
            f"{len(result.created)} created, {len(result.updated)} updated, {len(result.unchanged)} unchanged."
        )
