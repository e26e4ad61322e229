"""Ports on platforms Meshport cannot grant on itself: tell the domain's platform, as a signed CloudEvent.

Each grant start or end is one CloudEvents 1.0 event in structured JSON mode
(``application/cloudevents+json``), built by the ``cloudevents`` SDK: type
``io.meshport.access.grant.provision`` or ``.deprovision``, subject ``grant/<id>``, and an id
stable per grant, port and action, so a redelivered event is recognisably the same one. The body is
signed with HMAC-SHA256 (``X-Meshport-Signature: sha256=<hex>``) with the domain's secret.

Where to: ``MESHPORT_PROVISIONING_WEBHOOKS`` (JSON, ``{domain_slug: url}``), else the platform's
``MESHPORT_PROVISIONING_WEBHOOK_URL``; secrets likewise from ``MESHPORT_PROVISIONING_WEBHOOK_SECRETS``
else ``MESHPORT_PROVISIONING_WEBHOOK_SECRET``. A 2xx answer means "accepted": the platform reports
the result later at ``POST /api/access-grants/<id>/provisioning/``. Connection errors, timeouts,
408, 429 and 5xx are transient (retried with backoff); any other answer fails the delivery.
"""
from __future__ import annotations

import hashlib
import hmac
import uuid

from django.conf import settings

from governance.access.provisioning.base import WEBHOOK, Outcome, Provisioner, Target, TransientError

EVENT_TYPE = "io.meshport.access.grant.{action}"
SIGNATURE_HEADER = "X-Meshport-Signature"
EVENT_NAMESPACE = uuid.UUID("5d8f5a0e-7a43-4c1e-9a53-3f1c2b6e8d10")  # ours: ids are uuid5 under it
TRANSIENT_STATUSES = {408, 425, 429}


class NotConfigured(ValueError):
    """No webhook URL or secret for the target's domain."""


def sign(body: bytes, secret: str) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def event_id(target: Target, action: str) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, f"grant/{target.grant_id}/port/{target.port_id}/{action}"))


def endpoint_for(domain: str) -> tuple[str, str]:
    """(url, secret) configured for a domain's platform."""
    url = settings.MESHPORT_PROVISIONING_WEBHOOKS.get(domain) or settings.MESHPORT_PROVISIONING_WEBHOOK_URL
    if not url:
        raise NotConfigured(f"no provisioning webhook for the {domain} domain: set MESHPORT_PROVISIONING_WEBHOOKS "
                            f'{{"{domain}": "https://..."}} or MESHPORT_PROVISIONING_WEBHOOK_URL')
    secret = (settings.MESHPORT_PROVISIONING_WEBHOOK_SECRETS.get(domain)
              or settings.MESHPORT_PROVISIONING_WEBHOOK_SECRET)
    if not secret:
        raise NotConfigured(f"no webhook secret for the {domain} domain: set MESHPORT_PROVISIONING_WEBHOOK_SECRETS "
                            "or MESHPORT_PROVISIONING_WEBHOOK_SECRET (events are never sent unsigned)")
    return url, secret


def event_message(target: Target, action: str) -> tuple[dict[str, str], bytes]:
    """(headers, body) of the structured-mode CloudEvent for one action on one target, unsigned."""
    from cloudevents.core.bindings.http import to_structured_event
    from cloudevents.core.v1.event import CloudEvent

    attributes = {
        "type": EVENT_TYPE.format(action=action),
        "source": settings.MESHPORT_EVENT_SOURCE,
        "id": event_id(target, action),
        "subject": f"grant/{target.grant_id}",
        "datacontenttype": "application/json",
    }
    data = {"action": action, **target.as_dict(),
            "report_to": f"/api/access-grants/{target.grant_id}/provisioning/"}
    message = to_structured_event(CloudEvent(attributes, data))
    return dict(message.headers), message.body


class WebhookProvisioner(Provisioner):
    name = WEBHOOK
    reports_back = True

    def provision(self, target: Target) -> Outcome:
        return self._deliver(target, "provision", "provisioning")

    def deprovision(self, target: Target) -> Outcome:
        return self._deliver(target, "deprovision", "deprovisioning")

    def _deliver(self, target: Target, action: str, accepted_state: str) -> Outcome:
        import requests

        url, secret = endpoint_for(target.domain)
        headers, body = event_message(target, action)
        headers[SIGNATURE_HEADER] = sign(body, secret)
        headers["User-Agent"] = "Meshport provisioning"
        try:
            answer = requests.post(url, data=body, headers=headers, allow_redirects=False,
                                   timeout=settings.MESHPORT_PROVISIONING_WEBHOOK_TIMEOUT)
        except requests.RequestException as exc:
            raise TransientError(f"POST {url}: {type(exc).__name__}: {str(exc)[:200]}") from exc
        said = f"POST {url} answered HTTP {answer.status_code}"
        if answer.status_code >= 500 or answer.status_code in TRANSIENT_STATUSES:
            raise TransientError(said)
        if not 200 <= answer.status_code < 300:
            return Outcome("failed", "", f"{said}: {answer.text[:300]}")
        return Outcome(accepted_state, event_id(target, action), f"event accepted: {said}")
