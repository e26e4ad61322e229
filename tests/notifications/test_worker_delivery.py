"""Must show 4, against Redis and real ``celery worker`` processes (the fixtures of tests/test_worker.py): a
receiver answering 500 twice then 200 gets exactly one accepted delivery; killing the worker while it waits for
the receiver's answer neither loses the notification nor delivers it twice."""
import time

import pytest

from notifications import services
from notifications.models import Delivery, Notification
from notifications.tasks import notifications_sweep_task
from tests.notifications.conftest import SECRET, SigningReceiver
from tests.test_worker import queue, wait_for, workers  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
LOCAL = {"MESHPORT_WEBHOOK_ALLOW_PRIVATE": "true"}  # the receivers listen on 127.0.0.1


def state(row) -> str:
    return Notification.objects.values_list("state", flat=True).get(pk=row.pk)


def test_a_real_worker_retries_500_twice_then_delivers_once(queue, workers, make_user):  # noqa: F811
    platform = SigningReceiver((500, 500))
    worker = workers(queue, MESHPORT_NOTIFY_RETRY_BASE_SECONDS="0.5", **LOCAL)
    user = make_user("rhea")
    hook = services.webhook_create(user=user, name="ops", url=platform.url, secret=SECRET)
    row = services.webhook_test_send(webhook=hook, user=user)  # autocommit: queued over Redis at once
    wait_for(lambda: state(row) == "delivered", worker, what="the delivery after two 500s")
    assert [p["status"] for p in platform.posts] == [500, 500, 200]
    assert len(platform.accepted) == 1
    assert all(platform.valid(p) for p in platform.posts)
    assert list(Delivery.objects.filter(notification=row).order_by("attempt").values_list("status_code", flat=True)) == [
        500, 500, 200]
    platform.close()


def test_killing_the_worker_mid_delivery_neither_loses_nor_duplicates_it(queue, workers, make_user):  # noqa: F811
    platform = SigningReceiver()
    first = workers(queue, MESHPORT_NOTIFY_LEASE_SECONDS="2", **LOCAL)
    platform.on_post = first.kill  # the worker dies holding the request: it never hears the answer
    user = make_user("kai")
    hook = services.webhook_create(user=user, name="ops", url=platform.url, secret=SECRET)
    row = services.webhook_test_send(webhook=hook, user=user)
    wait_for(lambda: platform.posts, first, what="the first attempt")
    first.process.wait(timeout=30)
    assert state(row) == "sending"  # the dead worker could not say otherwise
    assert not Delivery.objects.filter(notification=row).exists()

    platform.on_post = None
    fresh = workers(queue, MESHPORT_NOTIFY_LEASE_SECONDS="2", CELERY_VISIBILITY_TIMEOUT="4", **LOCAL)
    time.sleep(2.5)  # past the dead attempt's lease: the sweep (beat, every minute) queues it again
    notifications_sweep_task()
    wait_for(lambda: state(row) == "delivered", fresh, what="the delivery to be accepted")
    time.sleep(6)  # a redelivered message, if any, has had its chance to send it again
    notifications_sweep_task()
    time.sleep(1)
    assert len(platform.accepted) == 1
    assert {p["body"] for p in platform.posts} == {platform.posts[0]["body"]}  # every attempt is the same event
    assert platform.valid(platform.accepted[0])
    assert list(Delivery.objects.filter(notification=row).values_list("accepted", flat=True)) == [True]
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("delivered", 2)
    platform.close()
