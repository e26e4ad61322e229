"""Lineage knows the use: a grant given for a consumer product is an edge from the product to it.

Heard after commit with the grant signals; the product's edges of this kind are set from its live
grants each time, so an expiry or a revoke removes the edge and a second grant changes nothing.
"""
from __future__ import annotations


def register_signal_handlers() -> None:
    from governance.access.signals import grant_activated, grant_ended

    grant_activated.connect(granted_uses_sync, dispatch_uid="governance.access.uses.grant_activated")
    grant_ended.connect(granted_uses_sync, dispatch_uid="governance.access.uses.grant_ended")


def granted_uses_sync(sender=None, *, grant_id: int, **kwargs) -> None:
    from governance.access.models import AccessGrant
    from governance.access.selectors import live_grants
    from lineage.services.products import product_granted_uses_set

    product_id = AccessGrant.objects.filter(pk=grant_id).values_list("product_id", flat=True).first()
    if product_id is None:
        return
    consumers = (live_grants().filter(product_id=product_id, consumer_product__isnull=False)
                 .values_list("consumer_product_id", flat=True).distinct())
    product_granted_uses_set(product_id=product_id, consumer_ids=list(consumers))
