"""GET /api/products/<id>/quality/ and POST …/quality/run/: shape, visibility and who may run."""
import pytest
from django.utils import timezone

from catalog.models import DataProduct
from governance.models import QualityRun, QualityScore
from governance.services import product_quality_check

pytestmark = pytest.mark.django_db


def url(product, run=False):
    return f"/api/products/{product.identifier}/quality/{'run/' if run else ''}"


def test_quality_has_exactly_the_documented_shape(api, make_product):
    product = make_product()
    product_quality_check(product_id=product.pk)
    body = api.get(url(product)).json()
    assert set(body) == {"score", "dimensions", "checks", "history"}
    assert 0 <= body["score"] <= 100
    assert body["dimensions"]["uniqueness"] < 100
    assert set(body["checks"][0]) == {"name", "dimension", "severity", "passed", "measured", "expected", "message"}
    nulls = next(c for c in body["checks"] if c["name"] == "nullValues on email")
    assert nulls == {
        "name": "nullValues on email", "dimension": "completeness", "severity": "error", "passed": False,
        "measured": 20.0, "expected": {"mustBeLessOrEqualTo": 1},
        "message": "20% nulls in email (1 of 5 rows), rule allows at most 1%",
    }
    assert [set(h) for h in body["history"]] == [{"at", "score"}]
    assert body["history"][0]["score"] == body["score"]


def test_history_is_oldest_first(api, make_product):
    product = make_product()
    QualityScore.objects.create(product=product, score=40, dimensions={}, breakdown={},
                                computed_at=timezone.now() - timezone.timedelta(days=2))
    product_quality_check(product_id=product.pk)
    history = api.get(url(product)).json()["history"]
    assert [h["score"] for h in history][0] == 40
    assert len(history) == 2


def test_an_unscored_product_answers_empty(api, make_product):
    body = api.get(url(make_product())).json()
    assert body == {"score": None, "dimensions": {}, "checks": [], "history": []}


def test_drafts_are_only_for_their_domain(api, make_product, consumer, member):
    draft = make_product(status=DataProduct.Status.DRAFT)
    product_quality_check(product_id=draft.pk)
    assert api.get(url(draft)).status_code == 404
    api.force_authenticate(consumer)
    assert api.get(url(draft)).status_code == 404
    api.force_authenticate(member)
    assert api.get(url(draft)).status_code == 200


def test_restricted_products_show_the_score_but_not_the_checks(api, make_product, consumer, member):
    product = make_product(visibility=DataProduct.Visibility.RESTRICTED)
    product_quality_check(product_id=product.pk)
    api.force_authenticate(consumer)
    outsider = api.get(url(product)).json()
    assert outsider["score"] is not None
    assert outsider["checks"] == []
    api.force_authenticate(member)
    assert api.get(url(product)).json()["checks"]


def test_unknown_product_is_404(api, db):
    assert api.get("/api/products/nope.nothing/quality/").status_code == 404


@pytest.fixture
def queued_profiles(monkeypatch):
    from profiling import tasks

    calls = []
    monkeypatch.setattr(tasks.product_profile_task, "delay", lambda pk: calls.append(pk))
    return calls


def test_only_the_domain_team_or_a_steward_may_run_checks(
    api, make_product, consumer, member, steward, queued_profiles, django_capture_on_commit_callbacks
):
    product = make_product()
    assert api.post(url(product, run=True)).status_code == 401
    api.force_authenticate(consumer)
    response = api.post(url(product, run=True))
    assert response.status_code == 403
    assert "domain team or a steward" in response.json()["detail"]
    for user in (member, steward):
        api.force_authenticate(user)
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(url(product, run=True))
        assert response.status_code == 202
        assert response.json() == {"status": "queued", "product": product.identifier}
    assert queued_profiles == [product.pk, product.pk]


def test_a_run_request_profiles_then_checks_for_real(api, make_product, member, django_capture_on_commit_callbacks):
    product = make_product()
    api.force_authenticate(member)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(url(product, run=True)).status_code == 202
    run = QualityRun.objects.get(product=product)
    assert run.profile_run_id is not None
    assert run.state == "succeeded"
    body = api.get(url(product)).json()
    assert body["score"] is not None
    assert len(body["history"]) == 1
