"""Pages: the bell's unread count, the inbox (filter, mark read, links), settings, Follow on products and domains."""
import pytest
from django.test import Client, RequestFactory

from catalog.panels import product_actions
from notifications.models import Notification, Subscription
from tests.catalog.descriptors.conftest import product_doc
from tests.notifications.conftest import SECRET, publish, without_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def test_follow_a_product_then_the_bell_counts_and_the_inbox_links_to_it(mesh, make_user, browser,
                                                                        django_capture_on_commit_callbacks):
    lou = make_user("lou")
    page = browser(lou)
    followed = page.post("/notifications/follow/product/sales.orders/", {"next": "/products/sales.orders/"})
    assert followed.status_code == 302
    assert Subscription.objects.filter(user=lou, product=mesh.orders, channel="inbox").exists()
    with django_capture_on_commit_callbacks(execute=True):
        publish(mesh.api, product_doc(), without_email())

    home = page.get("/").content.decode()
    assert 'id="nav-bell"' in home
    assert 'aria-label="Notifications: 1 unread"' in home
    inbox = page.get("/notifications/").content.decode()
    row = Notification.objects.get(recipient=lou)
    assert f'id="notification-{row.pk}"' in inbox
    assert 'href="/products/sales.orders/"' in inbox
    assert "Breaking change to sales.orders" in inbox
    assert "Nothing here" in page.get("/notifications/?kind=quality_drop").content.decode()

    page.post("/notifications/read/", {"id": row.pk})
    row.refresh_from_db()
    assert row.read_at is not None
    assert 'aria-label="Notifications"' in page.get("/").content.decode()
    assert "Nothing here" in page.get("/notifications/?show=unread").content.decode()

    page.post("/notifications/follow/product/sales.orders/")
    assert not Subscription.objects.filter(user=lou).exists()  # Follow again: unfollowed


def test_the_follow_action_is_registered_for_the_product_header(mesh, make_user):
    request = RequestFactory().get("/products/sales.orders/")
    request.user = make_user("ed")
    rendered = [a.render(request, mesh.orders) for a in product_actions() if a.key == "follow"]
    assert len(rendered) == 1
    assert 'action="/notifications/follow/product/sales.orders/"' in rendered[0]
    assert ">Follow<" in rendered[0]


def test_follow_a_domain_from_its_page(mesh, make_user, browser):
    dee = make_user("dee")
    page = browser(dee)
    html = page.get("/domains/finance/").content.decode()
    assert 'action="/notifications/follow/domain/finance/"' in html
    page.post("/notifications/follow/domain/finance/")
    assert Subscription.objects.filter(user=dee, domain=mesh.revenue.domain).exists()
    assert "Following ✓" in page.get("/domains/finance/").content.decode()


def test_settings_add_a_webhook_send_a_test_event_and_refuse_bad_input(make_user, browser, receiver,
                                                                      django_capture_on_commit_callbacks):
    sue = make_user("sue")
    page = browser(sue)
    platform = receiver()
    page.post("/notifications/settings/webhooks/", {"name": "ops", "url": platform.url, "secret": SECRET})
    hook = sue.notification_webhooks.get()
    with django_capture_on_commit_callbacks(execute=True):
        page.post(f"/notifications/settings/webhooks/{hook.pk}/test/")
    assert platform.valid(platform.posts[0])
    html = page.get("/notifications/settings/").content.decode()
    assert "Delivery log" in html
    assert "Test event from Meshport to ops" in html
    refused = page.post("/notifications/settings/subscriptions/", {"target": "mine", "kinds": ["nonsense"],
                                                                    "channel": "inbox"}, follow=True)
    assert "kinds: unknown kinds" in refused.content.decode()
    page.post("/notifications/settings/subscriptions/", {"target": "mine", "kinds": ["breaking_change"],
                                                         "channel": "webhook", "webhook": hook.pk})
    assert Subscription.objects.get(user=sue).webhook == hook


def test_pages_need_a_signed_in_user(client):
    assert client.get("/notifications/").status_code == 302
    assert client.get("/notifications/settings/").status_code == 302


def test_the_home_page_lists_the_products_one_follows(mesh, make_user, browser):
    lou = make_user("lou")
    page = browser(lou)
    assert "You follow no products yet" in page.get("/").content.decode()
    page.post("/notifications/follow/product/sales.orders/")
    home = page.get("/").content.decode()
    following = home[home.index("Products you follow"):]
    following = following[:following.index("</section>")]
    assert 'href="/products/sales.orders/"' in following
    assert "not available on this installation" not in home
