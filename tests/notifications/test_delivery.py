"""Delivery: signed CloudEvents to webhooks, retried with backoff, logged, sent once; e-mail now or as a daily digest."""
import pytest
from django.core import mail

from audit.models import AuditEvent
from notifications import delivery, services
from notifications.models import Delivery, Notification, Webhook
from notifications.services import notifications_record
from tests.catalog.descriptors.conftest import product_doc
from tests.notifications.conftest import SECRET, publish, without_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def hooked(mesh, make_user, receiver):
    """wes follows sales.orders through a webhook to a receiver answering 500, 500, then 200."""
    wes = make_user("wes")
    platform = receiver(500, 500)
    hook = services.webhook_create(user=wes, name="ops", url=platform.url, secret=SECRET)
    services.subscription_create(user=wes, target="product", product=mesh.orders, kinds=["breaking_change"],
                                 channel="webhook", webhook=hook)
    return wes, hook, platform


def test_a_receiver_answering_500_twice_then_200_gets_one_accepted_delivery(mesh, hooked,
                                                                           django_capture_on_commit_callbacks):
    wes, hook, platform = hooked
    with django_capture_on_commit_callbacks(execute=True):
        publish(mesh.api, product_doc(), without_email())
    row = Notification.objects.get(recipient=wes, channel="webhook")
    assert (row.state, row.attempts) == ("delivered", 3)
    assert [p["status"] for p in platform.posts] == [500, 500, 200]
    assert len(platform.accepted) == 1
    assert all(platform.valid(p) for p in platform.posts)
    events = platform.events()
    assert {e["id"] for e in events} == {f"notification-{row.pk}"}  # every attempt is the same event
    assert events[0]["specversion"] == "1.0"
    assert events[0]["type"] == "io.meshport.notification.breaking_change"
    assert events[0]["data"]["product"] == "sales.orders"
    log = list(Delivery.objects.filter(notification=row).order_by("attempt").values_list("attempt", "status_code", "accepted"))
    assert log == [(1, 500, False), (2, 500, False), (3, 200, True)]
    hook.refresh_from_db()
    assert (hook.failures, hook.active) == (0, True)


def test_a_delivered_notification_is_never_sent_again(mesh, hooked, django_capture_on_commit_callbacks):
    wes, hook, platform = hooked
    with django_capture_on_commit_callbacks(execute=True):
        publish(mesh.api, product_doc(), without_email())
    row = Notification.objects.get(recipient=wes, channel="webhook")
    assert delivery.deliver(row.pk).state == ""  # a second task, or a redelivered message: nothing to claim
    assert delivery.deliver(row.pk, ignore_schedule=True).state == ""
    event = AuditEvent.objects.get(pk=row.event_id)
    notifications_record([event])  # the same event heard again queues nothing new (unique key)
    assert Notification.objects.filter(event_id=event.pk, recipient=wes).count() == 1
    assert len(platform.posts) == 3


def test_a_webhook_failing_again_and_again_is_turned_off_and_its_owner_told(mesh, hooked, settings,
                                                                          django_capture_on_commit_callbacks):
    wes, hook, platform = hooked
    settings.MESHPORT_WEBHOOK_DISABLE_AFTER = 2
    with django_capture_on_commit_callbacks(execute=True):
        publish(mesh.api, product_doc(), without_email())
    hook.refresh_from_db()
    assert not hook.active
    assert "2 failed attempts in a row" in hook.disabled_reason
    assert Notification.objects.get(recipient=wes, channel="webhook").state == "failed"
    [notice] = Notification.objects.filter(recipient=wes, channel="inbox", kind="notice")
    assert notice.title == "Your webhook ops was turned off"
    assert AuditEvent.objects.filter(action="webhook.disabled", subject_id=str(hook.pk)).count() == 1
    assert len(platform.posts) == 2


def test_the_test_event_is_signed_and_logged(make_user, receiver, django_capture_on_commit_callbacks):
    user = make_user("tess")
    platform = receiver()
    hook = services.webhook_create(user=user, name="mine", url=platform.url, secret=SECRET)
    with django_capture_on_commit_callbacks(execute=True):
        row = services.webhook_test_send(webhook=hook, user=user)
    row.refresh_from_db()
    assert row.state == "delivered"
    [post] = platform.posts
    assert platform.valid(post)
    assert platform.events()[0]["type"] == "io.meshport.notification.notice"
    assert Delivery.objects.get(notification=row).status_code == 200


def test_an_unreachable_webhook_gives_up_after_the_last_attempt(make_user, settings, django_capture_on_commit_callbacks):
    settings.MESHPORT_NOTIFY_MAX_ATTEMPTS = 3
    user = make_user("una")
    hook = services.webhook_create(user=user, name="gone", url="http://127.0.0.1:9/nothing", secret=SECRET)
    with django_capture_on_commit_callbacks(execute=True):
        row = services.webhook_test_send(webhook=hook, user=user)
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("failed", 3)
    assert row.last_error.startswith("gave up after 3 attempts")
    assert [d.status_code for d in Delivery.objects.filter(notification=row)] == [None, None, None]
    assert Webhook.objects.get(pk=hook.pk).failures == 3


def test_email_is_sent_at_once_or_in_the_daily_digest(mesh, make_user, django_capture_on_commit_callbacks):
    now_user = make_user("nora", email="nora@acme.example")
    later_user = make_user("dina", email="dina@acme.example")
    for user, digest in ((now_user, False), (later_user, True)):
        services.subscription_create(user=user, target="product", product=mesh.orders, kinds=["breaking_change"],
                                     channel="email", digest=digest)
    with django_capture_on_commit_callbacks(execute=True):
        publish(mesh.api, product_doc(), without_email())
    [message] = mail.outbox
    assert message.to == ["nora@acme.example"]
    assert message.subject == "[Meshport] Breaking change to sales.orders: contract c-orders"
    assert Notification.objects.get(recipient=later_user).state == "digest"

    assert delivery.digest_send() == 1
    assert mail.outbox[1].to == ["dina@acme.example"]
    assert "daily digest: 1 notification" in mail.outbox[1].subject
    assert "Breaking change to sales.orders" in mail.outbox[1].body
    assert delivery.digest_send() == 0  # sent once


def test_a_webhook_to_a_private_address_is_refused_unless_allowed(make_user, settings,
                                                                 django_capture_on_commit_callbacks):
    """Server-side request forgery: a user may not make Meshport POST to loopback, private or link-local hosts."""
    settings.MESHPORT_WEBHOOK_ALLOW_PRIVATE = False
    user = make_user("mal")
    for url in ("http://127.0.0.1:6379/", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.8/hook",
                "http://[::1]:8000/"):
        with pytest.raises(services.NotificationInvalid) as refused:
            services.webhook_create(user=user, name="x", url=url)
        assert refused.value.field == "url"
    settings.MESHPORT_WEBHOOK_ALLOW_PRIVATE = True
    hook = services.webhook_create(user=user, name="local", url="http://127.0.0.1:9/", secret=SECRET)
    settings.MESHPORT_WEBHOOK_ALLOW_PRIVATE = False  # checked again when sending
    with django_capture_on_commit_callbacks(execute=True):
        row = services.webhook_test_send(webhook=hook, user=user)
    row.refresh_from_db()
    assert row.state == "failed"
    assert "private address" in row.last_error
    assert not Delivery.objects.filter(notification=row).exists()
