"""``flush`` that knows the audit log is append-only.

Django's flush empties every table with DELETE (SQLite) or TRUNCATE (PostgreSQL), which the log's
triggers refuse. On the test database (the test runner flushes it after each transactional
test) and on a database whose log is empty, the triggers are lifted for the flush and put back
in the same transaction; a real database with events is refused, naming how many would be lost.
"""
from django.core.management import CommandError
from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.creation import TEST_DATABASE_PREFIX
from django.test.utils import _TestState

from audit import triggers
from audit.models import AuditEvent


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        if triggers.TABLE not in connection.introspection.table_names():
            return super().handle(**options)
        events = AuditEvent.objects.using(connection.alias).count()
        if events and not _is_test_database(connection):
            raise CommandError(f"The audit log is append-only: flush would erase its {events} event(s). Nothing was flushed.")
        with transaction.atomic(using=connection.alias):
            triggers.run(connection, install=False)
            super().handle(**options)
            triggers.run(connection, install=True)


def _is_test_database(connection) -> bool:
    """A database the test runner made: in a test environment, named by TEST NAME or Django's test_ prefix."""
    name = str(connection.settings_dict["NAME"])
    test_name = name == str(connection.creation._get_test_db_name()) or name.startswith(TEST_DATABASE_PREFIX)
    return hasattr(_TestState, "saved_data") and test_name
