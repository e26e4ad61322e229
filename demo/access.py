"""The demo's access requests, one in every state, made through the access services like a user's.

A consumer waits for finance; marketing holds a grant on payments for its attribution model (its
file is served by Meshport, so provisioning completes at once); support denied a consumer with a
note and revoked logistics' grant; sales' grant ran out and was expired by the hourly task; a
public product was granted at once, its purpose recorded. Run again, it adds nothing.
"""
from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from catalog.models import DataProduct
from governance.access import services
from governance.access.models import AccessRequest

PAYMENTS, TRANSCRIPTS, ORDERS = "finance.payments", "customer-support.chat_transcripts", "sales.orders"


def _user(username: str):
    return get_user_model().objects.get(username=username)


def _ask(username: str, identifier: str, purpose: str, *, days: int = 90, consumer: str = "", now=None) -> AccessRequest:
    product = DataProduct.objects.get(identifier=identifier)
    return services.access_request_create(
        requester=_user(username), product=product, port=product.output_ports.order_by("name").first(),
        purpose=purpose, duration_days=days, now=now,
        consumer_product=DataProduct.objects.get(identifier=consumer) if consumer else None)


def demo_access_requests(*, stdout=None) -> None:
    if AccessRequest.objects.filter(product__identifier__in=[PAYMENTS, TRANSCRIPTS, ORDERS]).exists():
        return
    now = timezone.now()
    _ask("consumer", PAYMENTS, "Fraud-rate dashboard for the risk team: share of payments later charged back, by method.")

    granted = _ask("marketing-analyst", PAYMENTS, "Revenue attribution needs captured amounts per order; "
                   "card and bank details are not used.", days=60, consumer="marketing.attribution")
    services.access_request_approve(request=granted, actor=_user("finance-owner"), valid_until=now + dt.timedelta(days=60),
                                    note="Approved for the attribution model; card numbers stay masked in samples.")

    denied = _ask("consumer", TRANSCRIPTS, "Count chats per topic for a customer-experience report.")
    services.access_request_deny(request=denied, actor=_user("customer-support-owner"),
                                 note="Transcripts are for quality reviews only: customer-support.tickets has the topics.")

    long_ago = now - dt.timedelta(days=100)
    expired = _ask("sales-analyst", PAYMENTS, "One-off reconciliation of refunds against captured payments.",
                   days=30, now=long_ago)
    services.access_request_approve(request=expired, actor=_user("finance-owner"), now=long_ago,
                                    valid_until=long_ago + dt.timedelta(days=30), note="For the Q2 close only.")
    services.access_grants_expire(now=now)

    revoked = _ask("logistics-planner", TRANSCRIPTS, "Read delivery complaints to tune carrier SLAs.", days=30)
    services.access_request_approve(request=revoked, actor=_user("customer-support-owner"), note="For the carrier review.")
    services.access_grant_revoke(grant=revoked.grants.get(), actor=_user("customer-support-owner"),
                                 note="Carrier review finished; ask again for the next one.")

    _ask("consumer", ORDERS, "Weekly order volumes for the company newsletter.", days=180)
    if stdout is not None:
        stdout.write(f"access: {AccessRequest.objects.count()} requests in every state")
