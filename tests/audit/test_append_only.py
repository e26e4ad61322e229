"""The database itself refuses to change the log, and audit_verify finds what was changed behind its back."""
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit import triggers
from audit.models import AuditEvent
from audit.services import Event, Subject, record_many

pytestmark = pytest.mark.django_db
TABLE = triggers.TABLE


@pytest.fixture
def log():
    subject = Subject("product", 7, "sales.orders", "sales")
    with transaction.atomic():
        return record_many(events=[Event(f"product.{n}", subject, data={"n": n}) for n in ("created", "updated", "deleted")])


def raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:  # a savepoint: the failure leaves the test usable
        cursor.execute(sql, params)


@pytest.fixture
def triggers_lifted():
    """Tamper as someone with the database's rights would: drop the triggers, then put them back."""
    def lift():
        triggers.run(connection, install=False)
    yield lift
    triggers.run(connection, install=False)
    triggers.run(connection, install=True)


def test_update_by_raw_sql_is_refused(log):
    with pytest.raises(DatabaseError, match="append-only"):
        raw(f"UPDATE {TABLE} SET actor = 'user:666' WHERE id = %s", [log[1].pk])
    assert AuditEvent.objects.get(pk=log[1].pk).actor == "system"


def test_delete_by_raw_sql_is_refused(log):
    with pytest.raises(DatabaseError, match="append-only"):
        raw(f"DELETE FROM {TABLE} WHERE id = %s", [log[1].pk])
    assert AuditEvent.objects.count() == 3


def test_emptying_the_table_is_refused(log):
    # TRUNCATE on PostgreSQL (a statement trigger); SQLite has none, and its DELETE without WHERE
    # (the "truncate optimisation") still fires row triggers when the table has them.
    with pytest.raises(DatabaseError, match="append-only"):
        raw(f"TRUNCATE {TABLE}" if connection.vendor == "postgresql" else f"DELETE FROM {TABLE}")
    assert AuditEvent.objects.count() == 3


def test_the_orm_refuses_too(log):
    event = AuditEvent.objects.get(pk=log[0].pk)
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_audit_verify_passes_an_intact_log(log, capsys):
    call_command("audit_verify", chunk_size=2)
    assert "3 event(s), chain unbroken" in capsys.readouterr().out


def test_audit_verify_names_a_row_altered_by_raw_sql(log, triggers_lifted):
    triggers_lifted()
    raw(f"UPDATE {TABLE} SET data = %s WHERE id = %s", ['{"n": "forged"}', log[1].pk])
    triggers.run(connection, install=True)
    with pytest.raises(CommandError, match=f"Audit event {log[1].pk}: its hash does not match its content"):
        call_command("audit_verify", chunk_size=2)


def test_audit_verify_reports_a_deleted_middle_row(log, triggers_lifted):
    triggers_lifted()
    raw(f"DELETE FROM {TABLE} WHERE id = %s", [log[1].pk])
    triggers.run(connection, install=True)
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify")
    assert f"Audit event {log[2].pk}: its prev_hash does not match event {log[0].pk}" in str(failure.value)


def _record_then_fail():
    with transaction.atomic():
        record_many(events=[Event("product.updated", Subject("product", 7, "sales.orders"))])
        raise RuntimeError


def test_a_gap_in_ids_alone_is_no_break(log):
    # A PostgreSQL sequence skips the ids of rolled-back inserts; SQLite reuses them. Either way
    # the chain, not the ids, says whether a row is missing.
    with pytest.raises(RuntimeError):
        _record_then_fail()
    with transaction.atomic():
        record_many(events=[Event("product.updated", Subject("product", 7, "sales.orders"))])
    call_command("audit_verify")


def test_flush_refuses_a_real_database_with_events(log, monkeypatch):
    monkeypatch.setattr("audit.management.commands.flush._is_test_database", lambda connection: False)
    with pytest.raises(CommandError, match="append-only: flush would erase its 3 event"):
        call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == 3
