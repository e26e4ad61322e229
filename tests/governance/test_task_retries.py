"""Governance tasks retry a briefly unreachable database with backoff, like the others."""
import pytest
from django.db import OperationalError

from governance import tasks


@pytest.mark.parametrize("name", ["product_quality_task", "pipeline_quality_task", "quality_score_refresh_task",
                                  "product_freshness_task", "freshness_check_all_task"])
def test_each_task_retries_transient_database_errors_with_backoff(name):
    task = getattr(tasks, name)
    assert OperationalError in task.autoretry_for
    assert task.retry_backoff
    assert task.max_retries == 5


def test_a_transient_error_is_retried_not_lost(monkeypatch):
    from celery.exceptions import Retry

    def unreachable(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("governance.services.product_freshness_check", unreachable)
    with pytest.raises(Retry, match="Retry in"):  # rescheduled with backoff, not failed
        tasks.product_freshness_task.apply(args=(7,), throw=True)
