"""Write a generated mesh into the database quickly (bulk inserts; no events: the bench indexes)."""
from __future__ import annotations

from searchkit.mesh import product_rows

BATCH = 5000


def generate(n: int) -> None:
    from django.db import transaction

    from catalog.models import Column, DataProduct, Domain, OutputPort, ProductTeamMember, Tag

    with transaction.atomic():
        DataProduct.objects.all().delete()
        domains = {}
        rows = list(product_rows(n))
        for slug in sorted({r["domain"] for r in rows}):
            domains[slug] = Domain.objects.get_or_create(slug=slug, defaults={"name": slug.title()})[0]
        tags = {}
        for name in sorted({t for r in rows for t in r["tags"]}):
            tags[name] = Tag.objects.get_or_create(name=name)[0]
        for start in range(0, n, BATCH):
            _batch(rows[start : start + BATCH], domains, tags, DataProduct, OutputPort, Column, ProductTeamMember)


def _batch(rows, domains, tags, DataProduct, OutputPort, Column, ProductTeamMember) -> None:  # noqa: N803
    products = DataProduct.objects.bulk_create([
        DataProduct(domain=domains[r["domain"]], slug=r["slug"], identifier=f"{r['domain']}.{r['slug']}",
                    external_id=f"urn:bench:{r['domain']}.{r['slug']}", name=r["name"], description=r["description"],
                    status=r["status"], visibility=r["visibility"], quality_score=r["quality"], usage_count=r["usage"],
                    team_name=f"{r['domain']} team")
        for r in rows
    ])
    ports = OutputPort.objects.bulk_create([
        OutputPort(product=p, name=r["slug"], version="1.0.0", format=r["format"], location=f"/data/{r['slug']}")
        for p, r in zip(products, rows, strict=True)
    ])
    Column.objects.bulk_create([
        Column(port=port, name=name, position=i, classification="pii" if name in ("email", "phone") else "")
        for port, r in zip(ports, rows, strict=True) for i, name in enumerate(r["columns"])
    ])
    through = DataProduct.tags.through
    through.objects.bulk_create([through(dataproduct_id=p.pk, tag_id=tags[t].pk)
                                 for p, r in zip(products, rows, strict=True) for t in r["tags"]])
    ProductTeamMember.objects.bulk_create([ProductTeamMember(product=p, username=r["owner"], role="owner")
                                           for p, r in zip(products, rows, strict=True)])
