"""``manage.py policies_apply PATH [--dry-run]``: sync a folder of policy files into the database."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from governance.policies.files import PolicyFileError
from governance.policies.services import PolicyInputError, policies_apply


class Command(BaseCommand):
    help = ("Create and update policies from YAML/JSON files by key; disable those this folder applied before "
            "and no longer has. Running it again changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="A folder (or file) of policies, e.g. governance/policies/defaults.")
        parser.add_argument("--dry-run", action="store_true", help="Print what would change; write nothing.")

    def handle(self, *args, path, dry_run, **options):
        try:
            report = policies_apply(path=path, dry_run=dry_run)
        except (PolicyFileError, PolicyInputError) as exc:
            raise CommandError(str(exc)) from exc
        prefix = "would be " if dry_run else ""
        for key in report.created:
            self.stdout.write(f"+ {key}: {prefix}created")
        for key, fields in report.updated.items():
            self.stdout.write(f"~ {key}: {prefix}updated ({', '.join(fields)})")
        for key in report.disabled:
            self.stdout.write(f"- {key}: {prefix}disabled (no longer in {path})")
        self.stdout.write(f"{len(report.created)} created, {len(report.updated)} updated, {len(report.disabled)} "
                          f"disabled, {len(report.unchanged)} unchanged{' (dry run: nothing written)' if dry_run else ''}.")
