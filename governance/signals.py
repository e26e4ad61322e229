"""Governance listens to catalog and lineage: a finished profile runs the checks, a change re-scores
metadata, assertions a pipeline reported become checks."""
from __future__ import annotations

from django.db import transaction

from catalog.events import product_changed
from catalog.profiling.signals import port_profiled
from lineage.signals import quality_observed


def register_signal_handlers() -> None:
    port_profiled.connect(on_port_profiled, dispatch_uid="governance.quality.port_profiled")
    product_changed.connect(on_product_changed, dispatch_uid="governance.quality.product_changed")
    quality_observed.connect(on_quality_observed, dispatch_uid="governance.quality.quality_observed")


def on_port_profiled(sender, *, port_id: int, run_id: int, **kwargs) -> None:
    from catalog.models import OutputPort
    from governance.tasks import product_quality_task

    product_id = OutputPort.objects.filter(pk=port_id).values_list("product_id", flat=True).first()
    if product_id is not None:
        transaction.on_commit(lambda: product_quality_task.delay(product_id, port_id=port_id, profile_run_id=run_id))


def on_product_changed(sender, *, product_ids: list[int], **kwargs) -> None:
    from governance.tasks import quality_score_refresh_task

    for product_id in product_ids:
        transaction.on_commit(lambda pk=product_id: quality_score_refresh_task.delay(pk))


def on_quality_observed(sender, *, port_ids: list[int], **kwargs) -> None:
    from governance.tasks import pipeline_quality_task

    for port_id in port_ids:
        pipeline_quality_task.delay(port_id)
