"""Quality use cases: run a port's checks, score a product, answer an owner's request."""
from __future__ import annotations

import logging
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from audit.services import Subject, record
from catalog.models import DataProduct, OutputPort
from catalog.permissions import can_write_domain
from catalog.services.quality import product_quality_set
from governance import selectors
from governance.models import CheckResult, QualityRun, QualityScore
from governance.quality import scoring
from governance.quality.engine import Outcome
from governance.quality.metadata import metadata_items
from governance.quality.reported import assertion_outcomes, metric_outcomes
from governance.quality.rules import contract_rules
from governance.quality.runner import port_outcomes
from governance.quality.scoring import BANDS, band
from profiling.drift import port_key, schema_drift
from profiling.errors import ProfilingError
from profiling.models import ProfileRun

logger = logging.getLogger(__name__)


def quality_run_execute(
    *, port: OutputPort, reason: str = QualityRun.Reason.PROFILED, profile_run_id: int | None = None,
    freshness_only: bool = False, now: datetime | None = None,
) -> QualityRun:
    """Measure one port and store the run with every check result (failed runs keep the reason).

    Idempotent per profile run: a profile whose checks already ran returns that run. Not one
    transaction: the data is read first (no database transaction held open during a scan),
    then the run and its results are written atomically.
    """
    if profile_run_id is not None:
        done = QualityRun.objects.filter(profile_run_id=profile_run_id, state=QualityRun.State.SUCCEEDED).first()
        if done is not None:
            return done
    started = timezone.now()
    drift = {} if freshness_only else _port_drift(port, profile_run_id)
    try:
        outcomes = port_outcomes(port, freshness_only=freshness_only, now=now, **drift)
        state, error = QualityRun.State.SUCCEEDED, ""
    except ProfilingError as exc:
        outcomes, state, error = [], QualityRun.State.FAILED, str(exc)
    return _run_record(port=port, reason=reason, profile_run_id=profile_run_id, freshness_only=freshness_only,
                       started=started, state=state, error=error, outcomes=outcomes)


@transaction.atomic
def _run_record(*, port, outcomes: list[Outcome], **fields) -> QualityRun:
    freshness = next((o for o in outcomes if o.rule_kind == CheckResult.Kind.FRESHNESS and o.passed is not None), None)
    was_fresh = _last_freshness(port) if freshness is not None else None
    run = QualityRun.objects.create(product=port.product, port=port, finished=timezone.now(), **fields)
    CheckResult.objects.bulk_create(CheckResult(run=run, **vars(o)) for o in outcomes)
    if freshness is not None and was_fresh is not freshness.passed and (was_fresh is not None or not freshness.passed):
        product = port.product  # a breach, or the end of one, is an audit event (a first pass is none)
        record(action=f"quality.freshness_{'restored' if freshness.passed else 'breached'}",
               subject=Subject("product", product.pk, product.identifier, product.domain.slug),
               data={"port": port.name, "measured_hours": freshness.measured, "slo_hours": product.freshness_slo_hours,
                     "message": freshness.message, "run": run.pk})
    return run


def _last_freshness(port) -> bool | None:
    """Whether the port's last evaluated freshness check passed (None: never evaluated)."""
    return (CheckResult.objects.filter(run__port=port, rule_kind=CheckResult.Kind.FRESHNESS, passed__isnull=False)
            .order_by("-run_id").values_list("passed", flat=True).first())


def _port_drift(port: OutputPort, profile_run_id: int | None) -> dict:
    """``{"drift": …}`` from the profile run (or the product's flags), or {} when none is known."""
    runs = ProfileRun.objects.filter(port=port, state=ProfileRun.State.SUCCEEDED)
    run = runs.filter(pk=profile_run_id).first() if profile_run_id else runs.filter(is_latest_good=True).first()
    if run is not None:
        return {"drift": run.drift or {}}
    flagged = schema_drift(port.product)
    if flagged:  # a port not named has none
        return {"drift": flagged.get(port_key(port), flagged.get(port.name)) or {}}
    return {}


def quality_score_compute(*, product: DataProduct, always_record: bool = True) -> QualityScore | None:
    """Score the product from its current checks and metadata; store it and write it to catalog.

    With ``always_record=False`` (a metadata change) nothing is stored when the result equals
    the latest score, so history grows by runs, not by unrelated edits.
    """
    checks = selectors.current_checks(product)
    ports = product.output_ports.count()
    items = [selectors.check_as_dict(c, port_count=ports) for c in checks] + metadata_items(product)
    result = scoring.compute(items)
    if result.score is None:
        return None
    latest = selectors.latest_score(product)
    explanations = [e["text"] for e in result.explanations]
    if not always_record and latest and (latest.score, latest.dimensions) == (result.score, result.dimensions) and (
        [e["text"] for e in latest.breakdown.get("explanations", [])] == explanations
    ):
        return latest
    return _score_record(product=product, result=result, items=items)


@transaction.atomic
def _score_record(*, product: DataProduct, result: scoring.Score, items: list[dict]) -> QualityScore:
    before = selectors.latest_score(product)
    if before is not None and before.score != result.score:  # a changed score is one audit event:
        crossed = band(before.score) != band(result.score)  # named for the band it crossed, if it crossed one
        record(action="quality.band_changed" if crossed else "quality.score_changed",
               subject=Subject("product", product.pk, product.identifier, product.domain.slug),
               data={"score": [before.score, result.score], "band": [band(before.score), band(result.score)],
                     "thresholds": list(BANDS)})
    row = QualityScore.objects.create(
        product=product, score=result.score, dimensions=result.dimensions,
        breakdown={"explanations": result.explanations, "checks": items},
    )
    product_quality_set(product_id=product.pk, score=result.score)
    # policies read the score: governance wrote it, so it tells its policies itself (no app hears its own kind)
    transaction.on_commit(lambda: _policies_after_score(product.pk))
    return row


def _policies_after_score(product_id: int) -> None:
    from governance.policies.tasks import products_policies_task

    products_policies_task.delay([product_id])


def product_quality_check(
    *, product_id: int, port_id: int | None = None, profile_run_id: int | None = None,
    reason: str = QualityRun.Reason.PROFILED,
) -> QualityScore | None:
    """Run the checks of one port (or all ports) of a product, then re-score it."""
    product = DataProduct.objects.filter(pk=product_id).first()
    if product is None:
        return None  # deleted after the task was queued
    ports = _data_ports(product)
    for port in ports.filter(pk=port_id) if port_id else ports:
        quality_run_execute(port=port, reason=reason, profile_run_id=profile_run_id)
    return quality_score_compute(product=product)


def product_freshness_check(*, product_id: int, now: datetime | None = None) -> QualityScore | None:
    """The hourly check: freshness of every port against the product's SLO, then re-score."""
    product = DataProduct.objects.filter(pk=product_id).first()
    if product is None:
        return None
    for port in _data_ports(product):
        quality_run_execute(port=port, reason=QualityRun.Reason.FRESHNESS, freshness_only=True, now=now)
    return quality_score_compute(product=product)


@transaction.atomic
def pipeline_quality_record(*, port_id: int) -> QualityScore | None:
    """What pipelines last reported on a port (assertions, metrics) becomes a run of checks; the product is re-scored.

    Idempotent: a report already recorded (same port, same latest observation) is not recorded
    twice; the port's row is locked so that two deliveries of the task cannot both record it.
    """
    from lineage.models import QualityObservation

    ports = OutputPort.objects.select_for_update(of=("self",)).select_related("product", "contract")
    port = ports.filter(pk=port_id).first()
    if port is None:
        return None
    observations = QualityObservation.objects.filter(port=port).select_related("run__job", "dataset")
    latest = {kind: observations.filter(kind=kind).first() for kind in QualityObservation.Kind.values}
    latest = {kind: o for kind, o in latest.items() if o is not None}
    if not latest:
        return None
    stamp = max(o.observed_at for o in latest.values())
    if QualityRun.objects.filter(port=port, reason=QualityRun.Reason.REPORTED, started=stamp).exists():
        return None
    outcomes = []
    if assertions := latest.get(QualityObservation.Kind.ASSERTIONS):
        outcomes += assertion_outcomes(assertions.payload, source=_reporter(assertions))
    if metrics := latest.get(QualityObservation.Kind.METRICS):
        document = port.contract.document if port.contract_id else {}
        outcomes += metric_outcomes(metrics.payload, contract_rules(document, port.schema_object),
                                    source=_reporter(metrics))
    _run_record(port=port, reason=QualityRun.Reason.REPORTED, started=stamp, state=QualityRun.State.SUCCEEDED,
                error="", outcomes=outcomes)
    return quality_score_compute(product=port.product)


def _reporter(observation) -> str:
    return f"job {observation.run.job.name}" if observation.run else observation.dataset.address


def _data_ports(product: DataProduct):
    """Ports with data we can read (files and tables); APIs and streams have no rows to check."""
    return product.output_ports.filter(kind__in=[OutputPort.Kind.FILE, OutputPort.Kind.TABLE])


def product_quality_request(*, product: DataProduct, actor) -> None:
    """An owner asks for a fresh profile and checks; the profile's signal runs the checks."""
    if not can_write_domain(actor, product.domain):
        raise PermissionDenied("Only this product's domain team or a steward may run its quality checks.")
    from profiling.tasks import product_profile_task

    logger.info("quality run requested for %s by %s", product.identifier, actor)
    transaction.on_commit(lambda: product_profile_task.delay(product.pk))


@transaction.atomic
def quality_score_backfill(*, product: DataProduct, computed_at: datetime, checks: list[dict]) -> QualityScore:
    """Record what the product's score *was* at a past moment, scored by the same formula from the
    checks as they stood then (a history imported from an older tool, or the demo's weeks).

    Unlike ``quality_score_compute`` it changes nothing current: the product's score, its band and
    its policies stay as the latest run left them. The row says it was backfilled.
    """
    if computed_at >= timezone.now():
        raise ValueError("A backfilled score lies in the past; score the present with quality_score_compute.")
    result = scoring.compute(checks)
    if result.score is None:
        raise ValueError(f"{product.identifier}: no evaluated check to score at {computed_at:%Y-%m-%d}.")
    return QualityScore.objects.create(
        product=product, computed_at=computed_at, score=result.score, dimensions=result.dimensions,
        breakdown={"explanations": result.explanations, "checks": checks, "backfilled": True},
    )
