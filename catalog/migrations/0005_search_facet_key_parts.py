import re

from django.db import migrations

# Repack SearchEntry.facet_keys from one part per key to parts of keys that recur together
# (store.pack_facet_keys, frozen here). Derived data: `search_index --rebuild` writes the same.
FIELD_SEP, GROUP_SEP, FACET_SEP = "\x1f", "\x1d", "\x1e"
PART = {"domain": 0, "status": 0, "tag": 1, "format": 2, "owner": 3}
CHUNK = 2000


def repack(keys: str, grouped: bool) -> str:
    parts: dict[int, list[str]] = {}
    for key in re.split(f"[{GROUP_SEP}{FACET_SEP}]", keys):
        if key:
            field = key.partition(FIELD_SEP)[0]
            parts.setdefault(PART.get(field, 0) if grouped else 0, []).append(key)
    if grouped:
        return FACET_SEP.join(GROUP_SEP.join(k) for _, k in sorted(parts.items()))
    return FACET_SEP.join(parts.get(0, []))


def _rewrite(schema_editor, grouped: bool) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT product_id, facet_keys FROM catalog_searchentry")
        rows = cursor.fetchall()
        for start in range(0, len(rows), CHUNK):
            cursor.executemany(
                "UPDATE catalog_searchentry SET facet_keys = %s WHERE product_id = %s",
                [(repack(keys, grouped), pk) for pk, keys in rows[start : start + CHUNK]],
            )


def forward(apps, schema_editor):
    _rewrite(schema_editor, grouped=True)


def backward(apps, schema_editor):
    _rewrite(schema_editor, grouped=False)


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0004_search_entry_hits_index"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
