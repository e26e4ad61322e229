"""Drift reported by pipelines takes the profiler's shape (``added`` / ``missing`` / ``changed``).

Before, ``flags["schema_drift_reported"]`` held ``unexpected`` and ``type_changed`` (with ``contract``
and ``observed``); both drifts are now computed by ``profiling.drift``. Rows are rewritten in
place; going back restores the old keys.
"""
from django.db import migrations

KEY = "schema_drift_reported"
NEW = {"unexpected": "added", "type_changed": "changed"}
NEW_CHANGE = {"contract": "expected", "observed": "found"}


def _rename(entry: dict, keys: dict, change_keys: dict) -> dict:
    out = {keys.get(k, k): v for k, v in entry.items()}
    changed = keys.get("type_changed") or "type_changed"  # the list of changed columns, once renamed
    if isinstance(out.get(changed), list):
        out[changed] = [{change_keys.get(k, k): v for k, v in c.items()} if isinstance(c, dict) else c
                        for c in out[changed]]
    return out


def _rewrite(apps, keys: dict, change_keys: dict) -> None:
    DataProduct = apps.get_model("catalog", "DataProduct")
    for product in DataProduct.objects.exclude(flags={}).only("pk", "flags").iterator(chunk_size=500):
        reported = (product.flags or {}).get(KEY)
        if not isinstance(reported, dict):
            continue
        rewritten = {port: _rename(e, keys, change_keys) if isinstance(e, dict) else e for port, e in reported.items()}
        if rewritten != reported:
            DataProduct.objects.filter(pk=product.pk).update(flags={**product.flags, KEY: rewritten})


def forwards(apps, schema_editor):
    _rewrite(apps, NEW, NEW_CHANGE)


def backwards(apps, schema_editor):
    _rewrite(apps, {v: k for k, v in NEW.items()}, {v: k for k, v in NEW_CHANGE.items()})


class Migration(migrations.Migration):
    dependencies = [("profiling", "0001_initial"), ("catalog", "0012_search_models_to_search_app")]
    operations = [migrations.RunPython(forwards, backwards)]
