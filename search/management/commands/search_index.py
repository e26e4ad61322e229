"""``manage.py search_index --rebuild | --check | --reconcile``: build, verify or heal the search index."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.models import DataProduct
from search.backends import get_backend
from search.documents import CHUNK_SIZE
from search.indexing import RebuildRunning, drift, rebuild, reconcile


class Command(BaseCommand):
    help = "Rebuild the search index with zero downtime, report drift from the database, or heal it."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--rebuild", action="store_true", help="Build a new index and swap it in atomically.")
        action.add_argument("--check", action="store_true", help="Report products missing or stale in the index.")
        action.add_argument("--reconcile", action="store_true", help="Re-index dirty and drifted products.")
        parser.add_argument("--backend", default="default", help="The SEARCH_BACKENDS alias (default: default).")
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE, help="Products read per chunk.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (logs, CI).")

    def handle(self, *args, **options):
        backend = get_backend(options["backend"])
        if options["rebuild"]:
            self._rebuild(backend, options)
        elif options["check"]:
            self._check(backend)
        else:
            self.stdout.write(f"Reconciled {reconcile(full=True, backend=backend)} product(s).")

    def _rebuild(self, backend, options):
        total = DataProduct.objects.count()
        with tqdm(total=total, unit="product", disable=options["no_progress"], file=self.stderr._out) as bar:
            try:
                written = rebuild(backend=backend, chunk_size=options["chunk_size"], progress=bar.update)
            except RebuildRunning as exc:
                raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Indexed {written} product(s) into a fresh {backend.name} index."))

    def _check(self, backend):
        found = drift(backend=backend)
        self.stdout.write(f"Search index drift: {found}.")
        if found.total:
            raise CommandError(f"{found.total} product(s) differ from the database; run --reconcile or --rebuild.")
