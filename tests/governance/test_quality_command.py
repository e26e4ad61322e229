"""``manage.py quality_check`` rebuilds scores from the data (the database stays the truth)."""
import io

import pytest
from django.core.management import CommandError, call_command

from governance.models import QualityRun, QualityScore

pytestmark = pytest.mark.django_db


def test_checks_named_products_and_prints_their_scores(make_product):
    make_product("customers")
    make_product("other")
    out = io.StringIO()
    call_command("quality_check", "sales.customers", stdout=out)
    score = QualityScore.objects.get()
    assert out.getvalue() == f"sales.customers: {score.score:.1f}\n"
    assert QualityRun.objects.get().reason == "manual"


def test_score_only_reads_no_data(make_product):
    make_product()
    call_command("quality_check", "--score-only", stdout=io.StringIO())
    assert not QualityRun.objects.exists()
    assert QualityScore.objects.get().dimensions == {"metadata": pytest.approx(QualityScore.objects.get().score)}


def test_unknown_products_are_named(db):
    with pytest.raises(CommandError, match="No such product: nope.none"):
        call_command("quality_check", "nope.none")
