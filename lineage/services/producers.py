"""Lineage-producer roles: who may post OpenLineage events (``lineage.selectors.producers`` reads them)."""
from __future__ import annotations

from django.db import transaction

from lineage.models import LineageProducer


@transaction.atomic
def lineage_producer_grant(*, user, domain=None) -> LineageProducer:
    """Let ``user`` post lineage for ``domain`` (None: every domain); granting twice changes nothing."""
    return LineageProducer.objects.get_or_create(user=user, domain=domain)[0]


@transaction.atomic
def lineage_producer_revoke(*, producer: LineageProducer) -> None:
    LineageProducer.objects.filter(pk=producer.pk).delete()
