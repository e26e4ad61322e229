"""``manage.py lineage_rebuild``: recompute derived lineage (links to ports, column and product edges)."""
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Recompute the lineage derived from stored events and facets: port links, column and product edges."

    def handle(self, *args, **options):
        from lineage.services.products import lineage_rebuild

        count = lineage_rebuild()
        self.stdout.write(f"Lineage rebuilt for {count} products.")
