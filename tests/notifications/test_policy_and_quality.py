"""Policy failures and quality drops inside a band reach whoever chose to hear them, from the events governance records."""
import pytest

from audit.models import AuditEvent
from governance.policies.models import PolicyEvaluation
from governance.policies.services import policy_save, product_policies_evaluate
from governance.quality.scoring import Score
from governance.services import _score_record
from notifications import services
from notifications.models import Notification
from tests.notifications.conftest import contract_doc, product_doc, publish

pytestmark = pytest.mark.django_db

USAGE = {"!!": [{"trim": [{"var": "product.description.usage"}]}]}


def told(user, **filters):
    return list(Notification.objects.filter(recipient=user, **filters).order_by("pk"))


def test_a_change_that_makes_a_warning_policy_fail_tells_the_owner_once(mesh, make_user,
                                                                         django_capture_on_commit_callbacks):
    policy_save(key="usage-stated", data={"title": "The usage is stated", "severity": "warning", "rule": USAGE,
                                          "message": "The description lacks its usage"}, actor=None, evaluate=False)
    product_policies_evaluate(product_ids=[mesh.orders.pk])  # a first evaluation (passed) is no event
    follower = make_user("paula")
    services.subscription_create(user=follower, target="product", product=mesh.orders, kinds=["policy_failure"],
                                 channel="inbox")
    others = make_user("olaf")  # follows the product for breaking changes only
    services.subscription_create(user=others, target="product", product=mesh.orders, kinds=["breaking_change"],
                                 channel="inbox")
    assert not AuditEvent.objects.filter(action__startswith="policy.", subject_type="product").exists()

    vague = product_doc()
    vague["description"]["usage"] = ""
    with django_capture_on_commit_callbacks(execute=True):
        publish(mesh.api, vague, contract_doc())  # a warning: it publishes, and the evaluation after commit fails

    assert PolicyEvaluation.objects.get(product=mesh.orders, policy__key="usage-stated").result == "failed"
    [failed] = AuditEvent.objects.filter(action="policy.failed")
    assert failed.subject_label == "sales.orders"
    assert (failed.data["policy"], failed.data["severity"], failed.data["result"]) == (
        "usage-stated", "warning", ["passed", "failed"])
    assert failed.actor.startswith("task:")  # found by the evaluation, so ana (who made the change) hears it too
    [owner] = told(mesh.ana, kind="policy_failure")  # ana owns sales.orders' team
    assert owner.title == "sales.orders now fails warning policy usage-stated"
    assert "lacks its usage" in owner.body
    assert [n.event_id for n in told(follower)] == [failed.pk]
    assert told(others) == []
    assert told(mesh.fred, kind="upstream_incident") == []  # not downstream

    with django_capture_on_commit_callbacks(execute=True):  # the same again, then a bare re-evaluation: no change
        publish(mesh.api, vague, contract_doc())
    product_policies_evaluate(product_ids=[mesh.orders.pk])
    assert AuditEvent.objects.filter(action="policy.failed").count() == 1
    assert Notification.objects.filter(kind="policy_failure").count() == 2

    with django_capture_on_commit_callbacks(execute=True):  # fixed: recorded, told to nobody
        publish(mesh.api, product_doc(), contract_doc())
    [passed] = AuditEvent.objects.filter(action="policy.passed")
    assert passed.data["result"] == ["failed", "passed"]
    assert Notification.objects.filter(kind="policy_failure").count() == 2


def scored(product, *scores):
    for score in scores:
        _score_record(product=product, result=Score(score=score, dimensions={}), items=[])


def test_a_drop_inside_a_band_is_heard_by_the_thresholds_it_crosses(mesh, make_user):
    below = make_user("bea")
    services.subscription_create(user=below, target="product", product=mesh.orders, kinds=["quality_drop"],
                                 channel="inbox", quality_below=90)
    by_ten = make_user("tom")
    services.subscription_create(user=by_ten, target="product", product=mesh.orders, kinds=["quality_drop"],
                                 channel="inbox", quality_drop_points=10)
    mark = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    scored(mesh.orders, 95.0, 90.0, 95.0, 88.0)  # all good: no band crossed

    changes = AuditEvent.objects.filter(id__gt=mark, subject_label="sales.orders").order_by("id")
    assert [(e.action, e.data["score"]) for e in changes] == [
        ("quality.score_changed", [95.0, 90.0]), ("quality.score_changed", [90.0, 95.0]),
        ("quality.score_changed", [95.0, 88.0])]
    assert [n.title for n in told(below)] == ["Quality of sales.orders fell from 95 to 88"]
    assert told(by_ten) == []  # 95 → 90 and 95 → 88 are less than 10 points
    assert told(mesh.fred) == []  # inside a band: no downstream incident

    scored(mesh.orders, 78.0)  # 88 → 78 crosses into fair: one event, named for the band, 10 points
    assert AuditEvent.objects.filter(id__gt=mark).latest("id").action == "quality.band_changed"
    assert [n.title for n in told(by_ten)] == ["Quality of sales.orders fell from 88 to 78"]
    assert len(told(below)) == 1  # already below 90
    assert [n.kind for n in told(mesh.fred)] == ["upstream_incident"]


def test_nobody_can_hear_a_rising_score_and_it_costs_no_query(mesh, django_assert_num_queries):
    from django.db import transaction

    from audit.services import Subject, record
    from notifications.services import notifications_record

    with transaction.atomic():
        event = record(action="quality.score_changed", subject=Subject("product", mesh.orders.pk, "sales.orders", "sales"),
                       data={"score": [80.0, 85.0], "band": ["good", "good"]})
        small = record(action="quality.score_changed", subject=Subject("product", mesh.orders.pk, "sales.orders", "sales"),
                       data={"score": [85.0, 83.0], "band": ["good", "good"]})
    with django_assert_num_queries(0):
        notifications_record([event])
    with django_assert_num_queries(1):  # a small drop: only subscriptions hear it, and there are none
        notifications_record([small])
