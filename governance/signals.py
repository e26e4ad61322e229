"""Governance listens to catalog and lineage: a finished profile runs the checks, a change re-scores
metadata, assertions a pipeline reported become checks."""
from __future__ import annotations

from django.db import transaction

from catalog import changes
from lineage.signals import quality_observed
from profiling.signals import port_profiled


def register_signal_handlers() -> None:
    port_profiled.connect(on_port_profiled, dispatch_uid="governance.quality.port_profiled")
    for kind in (changes.Kind.CREATED, changes.Kind.UPDATED, changes.Kind.PROFILED):
        changes.SIGNALS[kind].connect(score_changed_products, dispatch_uid=f"governance.quality.{kind}")
    quality_observed.connect(on_quality_observed, dispatch_uid="governance.quality.quality_observed")


def on_port_profiled(sender, *, port_id: int, run_id: int, **kwargs) -> None:
    from catalog.models import OutputPort
    from governance.tasks import product_quality_task

    product_id = OutputPort.objects.filter(pk=port_id).values_list("product_id", flat=True).first()
    if product_id is not None:
        transaction.on_commit(lambda: product_quality_task.delay(product_id, port_id=port_id, profile_run_id=run_id))


def score_changed_products(sender, *, changes: tuple, **kwargs) -> None:
    """A product created, edited or profiled is scored again (its metadata and checks may differ)."""
    from governance.tasks import quality_score_refresh_task

    for product_id in sorted({c.product_id for c in changes}):
        transaction.on_commit(lambda pk=product_id: quality_score_refresh_task.delay(pk))


def on_quality_observed(sender, *, port_ids: list[int], **kwargs) -> None:
    from governance.tasks import pipeline_quality_task

    for port_id in port_ids:
        pipeline_quality_task.delay(port_id)
