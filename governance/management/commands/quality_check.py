"""``manage.py quality_check``: run the contracts' checks and rebuild quality scores from the data."""
from django.core.management.base import BaseCommand, CommandError

from catalog.models import DataProduct


class Command(BaseCommand):
    help = "Check products' data against their contracts and store new quality scores (all by default)."

    def add_arguments(self, parser):
        parser.add_argument("identifiers", nargs="*", help="Products to check, e.g. sales.orders (default: all).")
        parser.add_argument("--score-only", action="store_true",
                            help="Re-score from the stored check results and current metadata; read no data.")

    def handle(self, *args, identifiers=(), score_only=False, **options):
        from governance.services import product_quality_check, quality_score_compute

        products = DataProduct.objects.listed().order_by("identifier")
        if identifiers:
            products = products.filter(identifier__in=identifiers)
            missing = sorted(set(identifiers) - set(products.values_list("identifier", flat=True)))
            if missing:
                raise CommandError(f"No such product: {', '.join(missing)}")
        for product in products:
            score = quality_score_compute(product=product) if score_only else product_quality_check(
                product_id=product.pk, reason="manual")
            shown = f"{score.score:.1f}" if score else "not scored"
            self.stdout.write(f"{product.identifier}: {shown}")
