"""``manage.py export_descriptor IDENTIFIER``: a product and its contracts as multi-document YAML."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.descriptors.export import descriptor_export
from catalog.models import DataProduct


class Command(BaseCommand):
    help = "Export a data product (ODPS) and its ports' contracts (ODCS) as YAML."

    def add_arguments(self, parser):
        parser.add_argument("identifier", help="The product identifier, <domain>.<product>.")
        parser.add_argument("--output", "-o", type=Path, help="Write to this file instead of stdout.")

    def handle(self, *args, identifier, output=None, **options):
        product = DataProduct.objects.select_related("domain").filter(identifier=identifier).first()
        if product is None:
            raise CommandError(f"No data product {identifier!r}.")
        text = descriptor_export(product)
        if output is None:
            self.stdout.write(text, ending="")
            return
        output.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {product.identifier} to {output}.")
