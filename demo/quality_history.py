"""Weeks of quality history for the demo: each defect appeared some weeks ago, and before that its
checks passed. Each past week's score is the scoring formula applied to the product's current
checks with the defects not yet there passing (``governance.services.quality_score_backfill``):
no score is typed in, and products without defects stay at their score.
"""
from __future__ import annotations

import datetime as dt
import zlib

from django.utils import timezone

from demo import truth

WEEKS = 8  # history points: one a week, the oldest eight weeks ago


def defect_since_weeks(defect: truth.Defect) -> int:
    """How many weeks ago the defect appeared (1–7), fixed per defect."""
    return 1 + zlib.crc32(f"{defect.product}/{defect.kind}/{defect.column}".encode()) % (WEEKS - 1)


def _caused_by(check: dict, defect: truth.Defect) -> bool:
    if check.get("passed") is not False:
        return False
    if defect.kind == "stale":
        return check.get("rule_kind") == "freshness"
    if defect.kind == "schema_drift":
        return check.get("rule_kind") == "schema"
    return bool(defect.column) and check.get("column") == defect.column


def checks_weeks_ago(checks: list[dict], defects: list[truth.Defect], weeks: int) -> list[dict]:
    """The checks as they stood ``weeks`` ago: failures of defects that came later had passed."""
    later = [d for d in defects if defect_since_weeks(d) < weeks]
    past = []
    for check in checks:
        if any(_caused_by(check, d) for d in later):
            check = {**check, "passed": True, "rows_failed": 0, "message": "passed"}
            check.pop("conformance", None)
        past.append(check)
    return past


def demo_quality_history(*, stdout=None) -> None:
    """Backfill ``WEEKS`` weekly scores for every scored demo product; a second run adds nothing."""
    from catalog.models import DataProduct
    from governance.models import QualityScore
    from governance.services import quality_score_backfill

    midnight = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    written = 0
    for product in DataProduct.objects.filter(identifier__in=truth.products()):
        latest = QualityScore.objects.filter(product=product).exclude(breakdown__has_key="backfilled").first()
        if latest is None:
            continue
        defects = truth.defects_for(product.identifier)
        for weeks in range(WEEKS, 0, -1):
            at = midnight - dt.timedelta(weeks=weeks)
            if QualityScore.objects.filter(product=product, computed_at=at).exists():
                continue
            quality_score_backfill(product=product, computed_at=at,
                                   checks=checks_weeks_ago(latest.breakdown["checks"], defects, weeks))
            written += 1
    if stdout is not None:
        stdout.write(f"Quality history: {written} weekly scores backfilled over {WEEKS} weeks.")
