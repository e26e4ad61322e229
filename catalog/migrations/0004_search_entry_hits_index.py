from django.db import migrations

# SQLite only: a covering index of what a search reads from each hit (filters, sort keys, rank
# boost, packed facet keys). The hits are joined by product_id; through the primary key that is
# two b-tree descents per hit (the key's index, then a wide row carrying the result JSON), through
# this index one, into entries about a third the size. The search names it (INDEXED BY): SQLite
# prefers the unique key for an equality. PostgreSQL reads the heap through its primary key.
COLUMNS = ("product_id, status, visibility, domain_id, has_pii, rank_boost, identifier, name_norm, "
           "quality_score, usage_count, updated, facet_keys")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"CREATE INDEX catalog_searchentry_hits ON catalog_searchentry ({COLUMNS})")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP INDEX IF EXISTS catalog_searchentry_hits")


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0003_search_fts"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
