"""The demo's policies, applied through the policy services like a steward's and a domain owner's.

The shipped global policies come from their folder (as ``policies_apply`` does); finance's owner
applies finance's stricter ones; the steward waives "no schema drift" for logistics' delivery events
(the pipeline renamed columns; the fix ships with the next contract) until next month. Then every
product is evaluated and today's compliance recorded. Run again, it changes nothing.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils import timezone

from catalog.models import DataProduct
from governance.policies.files import DEFAULTS_DIR
from governance.policies.models import Policy, PolicyException
from governance.policies.services import policies_apply, policies_evaluate_all, policy_exception_create

FINANCE_POLICIES = Path(__file__).resolve().parent / "policy_files" / "finance"
WAIVED_POLICY, WAIVED_PRODUCT = "no-schema-drift", "logistics.delivery_events"


def demo_policies(*, stdout=None) -> None:
    users = get_user_model().objects
    policies_apply(path=DEFAULTS_DIR)
    policies_apply(path=FINANCE_POLICIES, actor=users.get(username="finance-owner"))
    policy = Policy.objects.get(key=WAIVED_POLICY)
    product = DataProduct.objects.filter(identifier=WAIVED_PRODUCT).first()
    if product is not None and not PolicyException.objects.filter(policy=policy, product=product).exists():
        policy_exception_create(
            policy=policy, product=product, actor=users.get(username="steward"),
            justification="The pipeline renamed columns in its last release; the contract catches up in v2 next month.",
            expires=timezone.now() + dt.timedelta(days=30))
    policies_evaluate_all()
    if stdout is not None:
        failed = policy.evaluations.model.objects.filter(result="failed").count()
        stdout.write(f"policies: {Policy.objects.filter(enabled=True).count()} enabled, {failed} failing results\n")
