"""Breaking changes, deprecations and quality drops reach followers and, through lineage, downstream owners: once each."""
import pytest

from audit.models import AuditEvent
from notifications import services
from notifications.models import Notification
from tests.notifications.conftest import contract_doc, product_doc, publish, without_email

pytestmark = pytest.mark.django_db


def told(user, **filters):
    return list(Notification.objects.filter(recipient=user, **filters).order_by("pk"))


def test_a_removed_column_tells_followers_and_every_downstream_owner_once(mesh, make_user,
                                                                           django_capture_on_commit_callbacks):
    follower = make_user("fiona")
    services.follow_toggle(user=follower, product=mesh.orders)
    with django_capture_on_commit_callbacks(execute=True):
        publish(mesh.api, product_doc(), without_email())
    change = AuditEvent.objects.filter(action="contract.changed").latest("id")

    [direct] = told(follower)
    assert (direct.kind, direct.event_id, direct.channel) == ("breaking_change", change.pk, "inbox")
    assert "column orders.email removed" in direct.body  # she may read sales.orders: the reason is hers
    # fred owns finance: revenue (depth 1) and forecast (depth 2) are his, the draft ledger too; one notification
    [incident] = told(mesh.fred)
    assert incident.kind == "upstream_incident"
    assert incident.path in (["sales.orders", "finance.ledger"], ["sales.orders", "finance.revenue"])
    assert incident.product == mesh.orders
    # ana owns sales.orders' team, but she made the change: nobody is told of their own change
    assert told(mesh.ana) == []
    assert Notification.objects.filter(event_id=change.pk).count() == 2


def test_a_domain_follower_never_hears_of_a_product_it_may_not_see(mesh, make_user, django_capture_on_commit_callbacks):
    """finance.ledger is a draft: only finance's team may know it; the nearest product the follower may see is named."""
    outsider = make_user("oscar")
    services.subscription_create(user=outsider, target="domain", domain=mesh.revenue.domain,
                                 kinds=["upstream_incident"], channel="inbox")
    with django_capture_on_commit_callbacks(execute=True):
        publish(mesh.api, product_doc(), without_email())
    [incident] = told(outsider)
    assert incident.affected == mesh.revenue
    assert incident.path == ["sales.orders", "finance.revenue"]
    assert "ledger" not in incident.title + incident.body


def test_a_non_breaking_change_is_no_incident(mesh, make_user, django_capture_on_commit_callbacks):
    wider = contract_doc()
    wider["schema"][1]["properties"].append({"name": "channel", "logicalType": "string"})
    with django_capture_on_commit_callbacks(execute=True):
        publish(mesh.api, product_doc(), wider)
    assert told(mesh.fred) == []


def test_any_change_followers_hear_an_update_and_deprecation_is_an_incident(mesh, make_user,
                                                                          django_capture_on_commit_callbacks):
    watcher = make_user("wanda")
    services.subscription_create(user=watcher, target="product", product=mesh.orders, kinds=["any_change"],
                                 channel="inbox")
    described = product_doc()
    described["description"]["purpose"] = "Every order, every day."
    publish(mesh.api, described, contract_doc())
    assert [n.kind for n in told(watcher)] == ["any_change"]
    assert told(mesh.fred) == []  # owners do not follow "any change" by default

    publish(mesh.api, product_doc(status="deprecated"), contract_doc())
    assert [n.kind for n in told(watcher)] == ["any_change", "deprecation"]
    [incident] = told(mesh.fred)
    assert incident.title.startswith("Upstream incident: sales.orders (deprecation or retirement)")


def test_a_quality_band_drop_reaches_downstream_owners(mesh, make_user):
    from django.db import transaction

    from audit.services import Subject, record

    with transaction.atomic():
        record(action="quality.band_changed", subject=Subject("product", mesh.orders.pk, "sales.orders", "sales"),
               data={"score": [91.0, 52.0], "band": ["good", "poor"]})
    [incident] = told(mesh.fred)
    assert incident.kind == "upstream_incident"
    assert "fell from 91 to 52" in incident.body
    with transaction.atomic():  # better news tells nobody
        record(action="quality.band_changed", subject=Subject("product", mesh.orders.pk, "sales.orders", "sales"),
               data={"score": [52.0, 91.0], "band": ["poor", "good"]})
    assert len(told(mesh.fred)) == 1


def test_a_threshold_subscription_hears_only_a_drop_below_it(mesh, make_user):
    from django.db import transaction

    from audit.services import Subject, record

    picky = make_user("pia")
    services.subscription_create(user=picky, target="product", product=mesh.orders, kinds=["quality_drop"],
                                 channel="inbox", quality_below=60)
    for before, after in ((91.0, 75.0), (75.0, 58.0)):
        with transaction.atomic():
            record(action="quality.band_changed", subject=Subject("product", mesh.orders.pk, "sales.orders", "sales"),
                   data={"score": [before, after], "band": ["x", "y"]})
    assert [n.title for n in told(picky)] == ["Quality of sales.orders fell from 75 to 58"]


def test_a_rolled_back_change_leaves_no_notification(mesh, make_user):
    from django.db import transaction

    from catalog.descriptors.services import descriptors_import

    services.follow_toggle(user=make_user("rita"), product=mesh.orders)
    before = Notification.objects.count()
    def change_then_fail():
        with transaction.atomic():
            descriptors_import(documents=[product_doc(), without_email()], actor=mesh.ana, source="test")
            assert Notification.objects.count() > before  # written with the event, in its transaction
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert Notification.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_a_breaking_change_and_its_product_update_are_one_change_but_a_later_update_is_another(mesh, make_user):
    watcher = make_user("vic")
    services.subscription_create(user=watcher, target="product", product=mesh.orders, kinds=["any_change"],
                                 channel="inbox")
    publish(mesh.api, product_doc(), without_email())  # its own transaction, committed
    described = product_doc()
    described["description"]["purpose"] = "Every order, every day."
    publish(mesh.api, described, without_email())
    assert [n.kind for n in told(watcher)] == ["breaking_change", "any_change"]
