"""Reads for quality: the checks that count now, score history, and the API/page summary."""
from __future__ import annotations

from datetime import timedelta

from django.db.models import Avg, Count, JSONField, Min, OuterRef, Q, Subquery
from django.utils import timezone

from catalog.models import DataProduct
from catalog.visibility import Viewer
from governance import disclosure
from governance.models import CheckResult, QualityRun, QualityScore

HISTORY_LIMIT = 200


def current_checks(product: DataProduct) -> list[CheckResult]:
    """Per port, the last full run's checks, freshness from any newer freshness run, and the pipeline's last report."""
    checks: list[CheckResult] = []
    done = QualityRun.objects.filter(product=product, state=QualityRun.State.SUCCEEDED)
    for port in product.output_ports.all():
        ours = done.exclude(reason=QualityRun.Reason.REPORTED)
        full = ours.filter(port=port, freshness_only=False).first()
        fresh = ours.filter(port=port, freshness_only=True)
        fresh = fresh.filter(started__gt=full.started).first() if full else fresh.first()
        port_checks = list(full.checks.all()) if full else []
        if fresh is not None:
            port_checks = [c for c in port_checks if c.rule_kind != CheckResult.Kind.FRESHNESS]
            port_checks += list(fresh.checks.all())
        reported = done.filter(port=port, reason=QualityRun.Reason.REPORTED).first()  # the pipeline's latest word
        if reported is not None:
            port_checks += list(reported.checks.all())
        checks += port_checks
    return checks


def check_as_dict(check: CheckResult, *, port_count: int = 1) -> dict:
    """A stored check in the shape scoring and the API use."""
    prefix = f"{check.run.port.name}: " if port_count > 1 and check.run.port_id else ""
    return {
        "id": check.pk,
        "port": check.run.port_id,
        "name": prefix + check.name,
        "rule_kind": check.rule_kind,
        "metric": check.metric,
        "dimension": check.dimension,
        "severity": check.severity,
        "column": check.column,
        "passed": check.passed,
        "error": check.error,
        "measured": check.measured,
        "expected": check.expected,
        "unit": check.unit,
        "rows_checked": check.rows_checked,
        "rows_failed": check.rows_failed,
        "message": check.message,
    }


def latest_score(product: DataProduct) -> QualityScore | None:
    return QualityScore.objects.filter(product=product).first()


def score_history(product: DataProduct, *, limit: int = HISTORY_LIMIT) -> list[dict]:
    """Oldest first: ``[{"at": datetime, "score": float}]``, the last ``limit`` scores."""
    rows = QualityScore.objects.filter(product=product).values_list("computed_at", "score")[:limit]
    return [{"at": at, "score": score} for at, score in reversed(rows)]


def quality_summary(product: DataProduct, *, viewer) -> dict:
    """``{score, dimensions, checks, history}``; checks only for viewers allowed the details.

    Values of checks that read personal or restricted data are withheld from viewers outside the
    product's domain team and stewards (``governance.disclosure``): ``measured`` None, ``hidden`` True.
    """
    latest = latest_score(product)
    checks = (latest.breakdown.get("checks", []) if latest else []) if Viewer.of(viewer).reads(product) else []
    shown = disclosure.checks_for(checks, sensitivity=disclosure.sensitivity_for(viewer, product) if checks else None)
    return {
        "score": latest.score if latest else None,
        "dimensions": latest.dimensions if latest else {},
        "checks": [
            {k: c.get(k) for k in ("name", "dimension", "severity", "passed", "measured", "expected", "message",
                                   "hidden", "rule_kind", "metric", "column", "unit", "port", "error")}
            for c in shown
        ],
        "history": score_history(product),
    }


def explanations(product: DataProduct, *, viewer) -> list[dict]:
    """What costs the product points, said without the values the viewer may not see."""
    latest = latest_score(product)
    if latest is None or not Viewer.of(viewer).reads(product):
        return []
    return _explanations_for(latest.breakdown, disclosure.sensitivity_for(viewer, product))


def _explanations_for(breakdown: dict, sensitivity: disclosure.Sensitivity | None) -> list[dict]:
    found = breakdown.get("explanations", [])
    if not found:
        return []
    return disclosure.explanations_for(found, breakdown.get("checks", []), sensitivity=sensitivity)


def recent_runs(product: DataProduct, *, limit: int = 5):
    return QualityRun.objects.filter(product=product).select_related("port")[:limit]


# --- the mesh at a glance (/governance/) --------------------------------------------------------

GOOD = 80.0  # the "good" badge of a product page starts here
ATTENTION_LIMIT = 25


def _listed_for(viewer):
    return DataProduct.objects.filter(pk__in=DataProduct.objects.known_to(viewer).listed().values("pk"))


def domain_quality(*, viewer) -> list[dict]:
    """Per domain, of the products the viewer may know: how many, how many scored, mean, lowest, how many under GOOD."""
    return list(
        _listed_for(viewer).values("domain__slug", "domain__name")
        .annotate(products=Count("pk"), scored=Count("quality_score"), average=Avg("quality_score"),
                  lowest=Min("quality_score"), below=Count("pk", filter=Q(quality_score__lt=GOOD)))
        .order_by("domain__name")
    )


def needs_attention(*, viewer, limit: int = ATTENTION_LIMIT) -> list[DataProduct]:
    """The lowest-scored products that lose any points, each with ``reasons``: what costs it points (if the viewer may see)."""
    latest = QualityScore.objects.filter(product=OuterRef("pk")).values("breakdown")[:1]
    products = list(
        _listed_for(viewer).filter(quality_score__lt=100).select_related("domain")
        .annotate(latest_breakdown=Subquery(latest, output_field=JSONField())).order_by("quality_score", "identifier")[:limit]
    )
    visible = set(DataProduct.objects.filter(Viewer.of(viewer).reads_q(), pk__in=[p.pk for p in products])
                  .values_list("pk", flat=True))
    sensitivities = disclosure.sensitivities_for(viewer, [p for p in products if p.pk in visible])
    for product in products:
        breakdown = product.latest_breakdown or {}
        reasons = _explanations_for(breakdown, sensitivities[product.pk]) if product.pk in visible else []
        product.reasons = [e["text"] for e in reasons[:3]]
    return products


TREND_DAYS = 42


def score_trends(*, viewer, days: int = TREND_DAYS, now=None) -> dict[str, list[dict]]:
    """Day by day over the last ``days`` days, the mean score of the products the viewer may know of:
    ``{"": mesh series, <domain slug>: that domain's series}``, each ``[{"at": datetime, "score": float}]``.

    A product counts on a day with its latest score at that day's end (scores carry over from earlier
    days); a product with no score yet does not count. Read from the stored score history alone.
    """
    now = now or timezone.now()
    start = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    listed = _listed_for(viewer)
    domain_of = dict(listed.values_list("pk", "domain__slug"))
    # each product's last score before the window, then every score inside it, oldest first
    before = (QualityScore.objects.filter(product__in=listed, computed_at__lt=start)
              .order_by("product_id", "-computed_at").values_list("product_id", "computed_at", "score"))
    rows, seen = [], set()
    for product_id, at, score in before.iterator():
        if product_id not in seen:
            seen.add(product_id)
            rows.append((at, product_id, score))
    rows += [(at, pid, score) for pid, at, score in QualityScore.objects.filter(
        product__in=listed, computed_at__gte=start).values_list("product_id", "computed_at", "score")]
    rows.sort(key=lambda r: r[0])
    current: dict[int, float] = {}
    series: dict[str, list[dict]] = {}
    i, day_end = 0, start + timedelta(days=1)
    while day_end <= now + timedelta(days=1):
        while i < len(rows) and rows[i][0] < day_end:
            current[rows[i][1]] = rows[i][2]
            i += 1
        if current:
            by: dict[str, list[float]] = {"": list(current.values())}
            for pid, score in current.items():
                by.setdefault(domain_of.get(pid, ""), []).append(score)
            at = min(day_end, now)
            for key, scores in by.items():
                series.setdefault(key, []).append({"at": at, "score": sum(scores) / len(scores)})
        day_end += timedelta(days=1)
    return series
