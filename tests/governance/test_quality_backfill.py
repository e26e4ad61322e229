"""A backfilled score is history: scored by the same formula, dated in the past, and never the current score."""
import datetime as dt

import pytest
from django.utils import timezone

from catalog.models import DataProduct, Domain
from governance.models import QualityScore
from governance.services import quality_score_backfill

pytestmark = pytest.mark.django_db

CHECKS = [
    {"name": "nullValues on email", "dimension": "completeness", "severity": "warning", "passed": True},
    {"name": "freshness", "dimension": "timeliness", "severity": "warning", "passed": False},
]


@pytest.fixture
def product():
    domain = Domain.objects.create(slug="sales", name="Sales")
    return DataProduct.objects.create(domain=domain, slug="orders", name="Orders", quality_score=88.0)


def test_a_backfilled_score_is_scored_dated_and_not_current(product):
    at = timezone.now() - dt.timedelta(weeks=3)
    row = quality_score_backfill(product=product, computed_at=at, checks=CHECKS)
    assert row.score == 50.0  # completeness 100, timeliness 0
    assert row.computed_at == at
    assert row.breakdown["backfilled"] is True
    product.refresh_from_db()
    assert product.quality_score == 88.0


def test_the_present_is_not_backfilled(product):
    with pytest.raises(ValueError, match="in the past"):
        quality_score_backfill(product=product, computed_at=timezone.now() + dt.timedelta(minutes=1), checks=CHECKS)
    assert not QualityScore.objects.exists()
