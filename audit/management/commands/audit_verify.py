"""Walk the audit log's hash chain and name the first event that was altered or whose predecessor is missing."""
from django.core.management.base import BaseCommand, CommandError

from audit.verify import chain_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exits non-zero naming the first broken event."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=2000, help="Events read per query (default 2000).")

    def handle(self, *, chunk_size: int, **options):
        result = chain_verify(chunk_size=chunk_size)
        if result.problem:
            raise CommandError(result.problem)
        self.stdout.write(self.style.SUCCESS(f"Audit log intact: {result.checked} event(s), chain unbroken."))
