"""Thin Celery wrappers around the policy services: ids in, services do the work."""
from celery import shared_task

from governance.tasks import RETRIED


@shared_task(acks_late=True, **RETRIED)
def products_policies_task(product_ids: list[int]) -> int:
    """After product changes: evaluate every enabled policy on them."""
    from governance.policies.services import product_policies_evaluate

    return product_policies_evaluate(product_ids=product_ids)


@shared_task(acks_late=True, **RETRIED)
def policy_evaluate_task(policy_id: int) -> int:
    """After a policy edit: re-evaluate the products it applies to."""
    from governance.policies.models import Policy
    from governance.policies.services import policy_evaluate

    policy = Policy.objects.filter(pk=policy_id).select_related("domain").first()
    return policy_evaluate(policy=policy) if policy is not None else 0


@shared_task(acks_late=True, **RETRIED)
def policies_evaluate_all_task() -> int:
    """Beat, nightly (and after policies_apply): every product, then the day's compliance summary."""
    from governance.policies.services import policies_evaluate_all

    return policies_evaluate_all()
