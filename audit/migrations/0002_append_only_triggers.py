"""Database triggers refuse UPDATE and DELETE on the audit log (and TRUNCATE on PostgreSQL)."""
from django.db import migrations

from audit import triggers


def install(apps, schema_editor):
    triggers.run(schema_editor.connection, install=True)


def remove(apps, schema_editor):
    triggers.run(schema_editor.connection, install=False)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
