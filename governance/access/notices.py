"""Grants about to end: their holders and the product's domain owners are told once, by e-mail.

``MESHPORT_ACCESS_EXPIRY_WARNING_DAYS`` (7) before a grant's end, the hourly task writes an
``expiry_notice`` step into the request's history (which is what makes it once: a grant with the
step is not told again) and sends the e-mails after commit, through Django's mail backend (the
console in the embedded default, SMTP by ``EMAIL_URL`` at scale). Renewing is a new request.
"""
from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone

from catalog.models import DomainMembership
from governance.access.models import AccessEvent
from governance.access.selectors import grants_expiring_soon
from governance.access.services import access_event_record


@transaction.atomic
def access_expiry_notices_send(*, now: datetime | None = None) -> list[int]:
    """Tell the holder and the domain owners of every grant ending soon that was not told yet; its ids."""
    now = now or timezone.now()
    due = list(grants_expiring_soon(now=now).exclude(history__kind=AccessEvent.Kind.EXPIRY_NOTICE)
               .select_related("request")[:500])
    messages = []
    for grant in due:
        access_event_record(grant=grant, kind=AccessEvent.Kind.EXPIRY_NOTICE,
                            note=f"ends {grant.valid_until:%Y-%m-%d %H:%M} UTC")
        messages += _messages(grant)
    if messages:
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=False))
    return [g.pk for g in due]


def _messages(grant) -> list[tuple]:
    product, end = grant.product, f"{grant.valid_until:%Y-%m-%d}"
    what = f"port {grant.port.name}" if grant.port_id else "all its ports"
    owners = list(DomainMembership.objects.filter(domain_id=product.domain_id, role=DomainMembership.Role.OWNER)
                  .exclude(user__email="").values_list("user__email", flat=True))
    sender = settings.DEFAULT_FROM_EMAIL
    out = []
    if grant.grantee.email:
        out.append((f"Your access to {product.name} ends on {end}",
                    f"Your access to {product.identifier} ({what}) ends on {end}.\n"
                    f"To keep it, request access again from the product page: {product.get_absolute_url()}\n",
                    sender, [grant.grantee.email]))
    if owners:
        out.append((f"{grant.grantee.get_username()}'s access to {product.name} ends on {end}",
                    f"{grant.grantee.get_username()} holds access to {product.identifier} ({what}) until {end}, "
                    f"for: {grant.request.purpose}\nIt ends by itself; a renewal comes to you as a new request.\n",
                    sender, owners))
    return out
