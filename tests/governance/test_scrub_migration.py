"""Migration 0003: quality messages stored before the fix no longer quote the data."""
import importlib
import json

import pytest
from django.apps import apps

from governance.models import CheckResult, QualityRun, QualityScore

pytestmark = pytest.mark.django_db

IBAN = "DE89370400440532013000"
migration = importlib.import_module("governance.migrations.0003_scrub_quoted_values")


def test_stored_messages_that_quote_values_are_rewritten(make_product):
    product = make_product()
    run = QualityRun.objects.create(product=product, port=product.output_ports.get(), state="succeeded")
    legacy = {
        "not a number": f"the query must return a number, got '{IBAN},GB82WEST12345698765432'",
        "cast": f"the query failed: Conversion Error: Could not convert string '{IBAN}' to INT64",
    }
    for name, error in legacy.items():
        CheckResult.objects.create(run=run, name=name, rule_kind="sql", dimension="validity", error=error,
                                   message=f"not evaluated: {error}")
    CheckResult.objects.create(run=run, name="fine", rule_kind="sql", dimension="validity", passed=True,
                               measured=3, message="query returned 3, rule allows at most 5")
    score = QualityScore.objects.create(product=product, score=50, breakdown={"checks": [
        {"name": name, "error": error, "message": f"not evaluated: {error}"} for name, error in legacy.items()
    ], "explanations": []})

    migration.scrub(apps, None)

    stored = json.dumps(list(CheckResult.objects.values_list("error", "message")))
    score.refresh_from_db()
    assert IBAN not in stored
    assert IBAN not in json.dumps(score.breakdown)
    cast = CheckResult.objects.get(name="cast")
    assert cast.error == "rule 'cast': the query failed (the database's message is withheld: it can quote the data)"
    assert cast.message == f"not evaluated: {cast.error}"
    assert CheckResult.objects.get(name="not a number").error == (
        "the query must return one number; it returned something else")
    assert CheckResult.objects.get(name="fine").message == "query returned 3, rule allows at most 5"
