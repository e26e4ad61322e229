"""audit.services.record: written in the writer's transaction, chained, with the acting user and request."""
import pytest
from django.db import transaction

from audit import chain
from audit.context import acting_as
from audit.models import GENESIS, AuditEvent
from audit.services import AuditError, Event, Subject, record, record_many

pytestmark = pytest.mark.django_db

ORDERS = Subject("product", 1, "sales.orders", domain="sales")


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused():
    # Autocommit, as a transactional test runs: the event could not share the writer's fate.
    with pytest.raises(AuditError, match="inside the writer's transaction"):
        record(action="product.updated", subject=ORDERS)
    assert not AuditEvent.objects.exists()
    with transaction.atomic():
        record(action="product.updated", subject=ORDERS)  # left for the flush after the test to clear


def _write_then_fail(seen: list) -> None:
    with transaction.atomic():
        record(action="product.updated", subject=ORDERS)
        seen.append(AuditEvent.objects.count())
        raise RuntimeError("the writer failed after recording")


def test_a_rolled_back_transaction_leaves_no_event():
    seen = []
    with pytest.raises(RuntimeError):
        _write_then_fail(seen)
    assert seen == [1]
    assert not AuditEvent.objects.exists()


def test_events_are_chained_each_hash_covering_content_and_predecessor():
    with transaction.atomic():
        first = record(action="product.created", subject=ORDERS, data={"diff": {"added": {"name": "Orders"}}})
        second, third = record_many(events=[Event("product.updated", ORDERS, data={"n": 1}),
                                            Event("product.deleted", ORDERS)])
    rows = list(AuditEvent.objects.order_by("id"))
    assert [r.pk for r in rows] == [first.pk, second.pk, third.pk]
    assert rows[0].prev_hash == GENESIS
    assert rows[1].prev_hash == rows[0].hash
    assert rows[2].prev_hash == rows[1].hash
    for row in rows:  # read back from the database, the stored hash is still the content's
        assert chain.event_hash(row, row.prev_hash) == row.hash
    assert len({r.hash for r in rows}) == 3


def test_the_actor_comes_from_the_context_or_is_given(make_user):
    ana = make_user("ana")
    with transaction.atomic():
        system = record(action="product.updated", subject=ORDERS)
        with acting_as("task:access_grants_expire"):
            task = record(action="access.expired", subject=ORDERS)
        given = record(action="product.updated", subject=ORDERS, actor=ana)
        labelled = record(action="product.updated", subject=ORDERS, actor=f"user:{ana.pk}")
    assert (system.actor, task.actor) == ("system", "task:access_grants_expire")
    assert (given.actor, given.actor_name) == (f"user:{ana.pk}", "ana")
    assert (labelled.actor, labelled.actor_name) == (f"user:{ana.pk}", "ana")


def test_a_model_subject_is_named_by_its_model_and_a_deleted_one_keeps_its_last_label(sales):
    with transaction.atomic():
        by_model = record(action="domain.changed", subject=sales)
        record(action="product.created", subject=Subject("product", 99, "sales.gone", "sales"))
        deleted = record(action="product.deleted", subject=Subject("product", 99))
    assert (by_model.subject_type, by_model.subject_id, by_model.subject_label) == ("domain", str(sales.pk), "Sales")
    assert (deleted.subject_label, deleted.domain) == ("sales.gone", "sales")


def test_data_is_stored_as_json_reads_back(sales):
    import datetime as dt

    with transaction.atomic():
        event = record(action="x.y", subject=sales, data={"when": dt.date(2025, 1, 2), "n": 1.5})
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.data == {"when": "2025-01-02", "n": 1.5}
    assert chain.event_hash(stored, stored.prev_hash) == stored.hash
