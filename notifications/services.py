"""Notifications use cases: the audit listener that fills the outbox, subscriptions, webhooks, the inbox.

``notifications_record`` runs inside the transaction of every audit batch (``audit.services``
listeners): it turns the events into facts (``notifications.recipients``), finds who hears each
one, and writes one ``Notification`` per event, person and channel — deduplicated, so a person who
follows a product twice, or owns two products downstream of the same incident, is told once per
channel (the nearest reason wins: a direct fact before an upstream incident, the shortest path
first). A breaking contract change and the update of the product it caused, in one transaction,
are one change, told once. Delivery is queued after commit.
"""
from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import Subject, record
from catalog.models import DataProduct, Domain, OutputPort
from lineage.selectors.graph import product_url
from notifications.models import SUBSCRIBABLE, Channel, Kind, Notification, Subscription, Webhook
from notifications.recipients import INCIDENT_KINDS, Fact, Route, Viewers, downstream, routes_for

ENDED = {"deprecated", "retired"}
ACCESS_DECISIONS = {"approved", "denied", "revoked", "expired", "granted"}


class NotificationInvalid(ValueError):
    """Bad input to a notifications service: says which field and why (HTTP 400)."""

    def __init__(self, message: str, *, field: str = "non_field_errors"):
        super().__init__(message)
        self.field = field


# --- the audit listener ----------------------------------------------------------------------------

def notifications_record(events) -> None:
    """Audit listener: the outbox rows for a batch of events, in the writer's transaction."""
    if not getattr(settings, "MESHPORT_NOTIFICATIONS_ENABLED", True):
        return
    heard = [e for e in events if _heard(e)]
    if not heard:
        return  # the publish path's common case costs nothing: product.created, contract.created, a score rising …
    if all(_only_subscribers_hear(e) for e in heard) and not _any_subscription():
        return  # only explicit subscriptions hear these (an update, a small score drop), and there are none
    facts = [(event, fact) for event in heard for fact in facts_of(event)]
    if not facts:
        return
    told = _told_in_this_transaction()
    viewers, rows = Viewers(), []
    for event, fact in facts:
        rows += _rows_for(event, fact, viewers, told)
    if not rows:
        return
    Notification.objects.bulk_create(rows, ignore_conflicts=True)  # the key is unique: never queued twice
    keys = [r.key for r in rows if r.state == Notification.State.PENDING]
    if keys:
        transaction.on_commit(lambda: _queue_keys(keys))


def _any_subscription() -> bool:
    """Whether anyone subscribes to anything: asked on every product update, so in plain SQL (the
    ORM's ``exists()`` compiled a query each time, a sixth of what recording an update cost)."""
    connection = transaction.get_connection()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(Subscription._meta.db_table)} LIMIT 1")  # noqa: S608 - our table
        return cursor.fetchone() is not None


class _Told(set):
    """What this transaction told already; registered as a no-op on-commit callback, so it lives in the
    connection's list of callbacks exactly as long as the transaction does (cleared on commit and rollback)."""

    def __call__(self) -> None:
        pass

    def __hash__(self) -> int:
        return id(self)


def _told_in_this_transaction() -> set:
    connection = transaction.get_connection()
    for entry in connection.run_on_commit:
        if isinstance(entry[1], _Told):
            return entry[1]
    told = _Told()
    transaction.on_commit(told)
    return told


def _queue_keys(keys: list[str]) -> None:
    from notifications.tasks import notification_deliver_later

    for pk in Notification.objects.filter(key__in=keys, state=Notification.State.PENDING).values_list("pk", flat=True):
        notification_deliver_later(pk)


PRODUCT_ACTIONS = {"product.updated", "product.status_changed", "quality.freshness_breached"}
QUALITY_ACTIONS = {"quality.band_changed", "quality.score_changed"}


def _heard(event) -> bool:
    """Whether an event may tell anyone anything (a cheap test on the event alone)."""
    action = event.action
    if action == "contract.changed":
        return bool((event.data or {}).get("breaking"))
    if action in QUALITY_ACTIONS:
        previous, score = _scores(event.data or {})
        return event.subject_type == "product" and previous is not None and score is not None and score < previous
    return event.subject_type == "product" and (
        action in PRODUCT_ACTIONS or action.startswith("access.") or action == "policy.failed")


def _only_subscribers_hear(event) -> bool:
    """Owners hear these only through a subscription row: an update, a score drop smaller than their default."""
    if event.action == "product.updated":
        return True
    if event.action == "quality.score_changed":
        previous, score = _scores(event.data or {})
        return previous - score < settings.MESHPORT_NOTIFY_QUALITY_DROP_POINTS
    return False


def _scores(data: dict) -> tuple[float | None, float | None]:
    """(previous, score) of a quality event: ``{"score": [old, new]}`` as governance records it."""
    if isinstance(data.get("score"), list) and len(data["score"]) == 2:
        return tuple(data["score"])
    return data.get("previous"), data.get("score")


def facts_of(event) -> list[Fact]:
    """What an audit event tells subscribers, one fact per product it is about."""
    action, data = event.action, event.data or {}
    if action == "contract.changed" and data.get("breaking"):
        reasons = "; ".join(data.get("reasons") or [])
        ports = OutputPort.objects.filter(contract_id=event.subject_id).select_related("product")
        products = {p.product_id: p.product for p in ports}
        return [Fact(p, Kind.BREAKING, f"Breaking change to {p.identifier}: contract {event.subject_label}",
                     detail=f"Contract {event.subject_label} changed in a way that breaks its consumers: {reasons}.",
                     summary=f"Contract {event.subject_label} changed in a way that breaks its consumers.",
                     incident=True) for p in products.values()]
    if event.subject_type != "product" or not event.subject_id.isdigit():
        return []
    product = DataProduct.objects.filter(pk=int(event.subject_id)).select_related("domain").first()
    if product is None:
        return []
    if action == "product.status_changed":
        status = ((data.get("diff") or {}).get("changed") or {}).get("status") or [None, product.status]
        if status[-1] in ENDED:
            return [Fact(product, Kind.DEPRECATION, f"{product.identifier} is {status[-1]}",
                         summary=f"{product.identifier} was marked {status[-1]}: plan to move off it.", incident=True)]
        return [Fact(product, Kind.ANY, f"{product.identifier} is now {status[-1]}")]
    if action == "product.updated":
        fields = ", ".join(data.get("fields") or []) or "its descriptor"
        return [Fact(product, Kind.ANY, f"{product.identifier} changed", detail=f"Changed: {fields}.")]
    if action in QUALITY_ACTIONS:  # governance records each changed score, named band_changed when it crossed one
        previous, score = _scores(data)
        if previous is None or score is None or score >= previous:
            return []  # better news is not an incident, and nobody subscribes to it
        bands = data.get("band") or ["", ""]
        fact = Fact(product, Kind.QUALITY, f"Quality of {product.identifier} fell from {previous:.0f} to {score:.0f}",
                    summary=f"Its quality score fell from {previous:.0f} to {score:.0f}"
                            + (f" ({bands[0]} → {bands[1]})." if bands[0] else "."),
                    data={"previous": previous, "score": score})
        # a crossed band is the downstream trigger (a drop inside one is told to the product's own listeners)
        fact.incident = action == "quality.band_changed" and (
            previous - score >= settings.MESHPORT_NOTIFY_INCIDENT_QUALITY_POINTS or bands[-1] == "poor")
        return [fact]
    if action == "quality.freshness_breached":
        return [Fact(product, Kind.FRESHNESS, f"{product.identifier} is stale",
                     detail=data.get("message") or "", summary="Its data is older than its freshness SLO.", incident=True)]
    if action.startswith("access.") and action.split(".", 1)[1] in ACCESS_DECISIONS | {"requested"}:
        step = action.split(".", 1)[1]
        requester = data.get("requester") or ""
        extra = frozenset()
        if step in ACCESS_DECISIONS and requester:
            from django.contrib.auth import get_user_model

            extra = frozenset(get_user_model().objects.filter(username=requester).values_list("pk", flat=True))
        return [Fact(product, Kind.ACCESS, f"Access to {product.identifier}: {requester} {step}".strip(),
                     summary=data.get("note") or "", extra_users=extra)]
    if action == "policy.failed":  # told to the product's owners and followers, never downstream
        key, severity = data.get("policy") or "a policy", data.get("severity") or ""
        return [Fact(product, Kind.POLICY, f"{product.identifier} now fails {severity} policy {key}".replace("  ", " "),
                     detail=data.get("message") or "", summary=f"{data.get('title') or key} ({severity or 'a'} policy {key}).")]
    return []


def _rows_for(event, fact: Fact, viewers: Viewers, told: set) -> list[Notification]:
    """The notifications of one fact: its own listeners first, then (an incident) downstream owners and followers."""
    best: dict[Route, Notification] = {}
    actor = _actor_user_id(event)
    direct = routes_for([fact.product], fact.kind, fact.data, extra={fact.product.pk: set(fact.extra_users)})
    for route in direct.get(fact.product.pk, ()):
        viewer = viewers.of(route.user_id)
        if route.user_id == actor or viewers.user(route.user_id) is None or not viewer.lists(fact.product):
            continue  # nobody is told of their own change
        body = (fact.detail or fact.summary) if viewer.reads(fact.product) else fact.summary
        best[route] = _notification(event, fact, route, body=body)
    if fact.incident and fact.kind in INCIDENT_KINDS:
        paths = downstream(fact.product)
        products = {p.pk: p for p in DataProduct.objects.filter(pk__in={n for path in paths.values() for n in path}
                                                                       | {fact.product.pk}).select_related("domain")}
        affected = [products[pk] for pk in paths if pk in products]
        routes = routes_for(affected, Kind.UPSTREAM, fact.data)
        for target in sorted(affected, key=lambda p: (len(paths[p.pk]), p.identifier)):  # nearest first
            for route in routes.get(target.pk, ()):
                if route in best or route.user_id == actor:
                    continue
                viewer = viewers.of(route.user_id)
                if viewers.user(route.user_id) is None or not (viewer.lists(fact.product) and viewer.lists(target)):
                    continue
                path = [products[pk].identifier if viewer.lists(products[pk]) else "(a product you may not see)"
                        for pk in paths[target.pk]]
                best[route] = _incident(event, fact, route, target, path)
    if fact.kind == Kind.BREAKING:  # the product update the contract change made is the same change
        told.update((route, fact.product.pk) for route in best)
    elif fact.kind == Kind.ANY:
        return [row for route, row in best.items() if (route, fact.product.pk) not in told]
    return list(best.values())


def _actor_user_id(event) -> int | None:
    kind, _, rest = (event.actor or "").partition(":")
    return int(rest) if kind in ("user", "token") and rest.isdigit() else None


def _key(event_id, route: Route) -> str:
    return f"{event_id}:{route.user_id}:{route.channel}:{route.webhook_id or 0}"


def _state(route: Route) -> str:
    if route.channel == Channel.INBOX:
        return Notification.State.DELIVERED
    return Notification.State.DIGEST if route.digest else Notification.State.PENDING


def _notification(event, fact: Fact, route: Route, *, body: str) -> Notification:
    now = timezone.now()
    return Notification(
        key=_key(event.pk, route), recipient_id=route.user_id, channel=route.channel, webhook_id=route.webhook_id,
        event_id=event.pk, action=event.action, kind=fact.kind, product=fact.product, title=fact.title[:300],
        body=body, url=product_url(fact.product), state=_state(route),
        delivered_at=now if route.channel == Channel.INBOX else None, created=now)


def _incident(event, fact: Fact, route: Route, target: DataProduct, path: list[str]) -> Notification:
    now = timezone.now()
    cause = Kind(fact.kind).label.lower()
    return Notification(
        key=_key(event.pk, route), recipient_id=route.user_id, channel=route.channel, webhook_id=route.webhook_id,
        event_id=event.pk, action=event.action, kind=Kind.UPSTREAM, product=fact.product, affected=target,
        title=f"Upstream incident: {fact.product.identifier} ({cause}) reaches {target.identifier}"[:300],
        body=f"{fact.title}. Your product {target.identifier} depends on it.",
        url=product_url(target), path=path, state=_state(route),
        delivered_at=now if route.channel == Channel.INBOX else None, created=now)


# --- notices about one's own settings -------------------------------------------------------------


def notice_send(*, user, title: str, body: str = "", url: str = "", key: str) -> Notification:
    """An inbox notice (e.g. "your webhook was disabled"), once per ``key``."""
    now = timezone.now()
    row, _ = Notification.objects.get_or_create(key=key[:120], defaults=dict(
        recipient=user, channel=Channel.INBOX, action="notice", kind=Kind.NOTICE, title=title[:300], body=body,
        url=url, state=Notification.State.DELIVERED, delivered_at=now, created=now))
    return row


# --- the inbox ------------------------------------------------------------------------------------


@transaction.atomic
def notifications_mark_read(*, user, ids: list[int] | None = None, read: bool = True) -> int:
    """Mark the user's inbox notifications read (all of them when ``ids`` is None); returns how many changed."""
    rows = Notification.objects.filter(recipient=user, channel=Channel.INBOX)
    if ids is not None:
        if not all(isinstance(i, int) for i in ids):
            raise NotificationInvalid("ids must be a list of notification ids (integers).", field="ids")
        rows = rows.filter(pk__in=ids)
    rows = rows.filter(read_at__isnull=read)
    changed = rows.update(read_at=timezone.now() if read else None)
    if changed:
        record(action=f"notifications.{'read' if read else 'unread'}", subject=Subject("user", user.pk, user.get_username()),
               actor=user, data={"count": changed, "ids": ids})
    return changed


# --- subscriptions --------------------------------------------------------------------------------


def _clean_kinds(kinds) -> list[str]:
    if not isinstance(kinds, list | tuple) or not all(isinstance(k, str) for k in kinds):
        raise NotificationInvalid("kinds must be a list of event kinds.", field="kinds")
    unknown = sorted(set(kinds) - set(SUBSCRIBABLE))
    if unknown:
        raise NotificationInvalid(f"unknown kinds {unknown}; choose from {SUBSCRIBABLE}.", field="kinds")
    return [k for k in SUBSCRIBABLE if k in kinds]


def _subscription_fields(*, user, target: str, product=None, domain=None, kinds, channel: str, webhook=None,
                         digest: bool = False, quality_below=None, quality_drop_points=None) -> dict:
    from catalog.visibility import Viewer

    if target not in Subscription.Target.values:
        raise NotificationInvalid(f"target must be one of {Subscription.Target.values}.", field="target")
    if target == Subscription.Target.PRODUCT:
        if product is None or not Viewer.of(user).lists(product):
            raise NotificationInvalid("no such product.", field="product")
        domain = None
    elif target == Subscription.Target.DOMAIN:
        if domain is None:
            raise NotificationInvalid("a domain subscription names its domain.", field="domain")
        product = None
    else:
        product = domain = None
    if channel not in Channel.values:
        raise NotificationInvalid(f"channel must be one of {Channel.values}.", field="channel")
    if channel == Channel.WEBHOOK:
        if webhook is None or webhook.owner_id != user.pk:
            raise NotificationInvalid("a webhook subscription names one of your webhooks.", field="webhook")
    else:
        webhook = None
    if channel == Channel.EMAIL and not user.email:
        raise NotificationInvalid("your account has no e-mail address.", field="channel")
    for name, value in (("quality_below", quality_below), ("quality_drop_points", quality_drop_points)):
        if value is not None and not (isinstance(value, int | float) and 0 <= value <= 100):
            raise NotificationInvalid(f"{name} must be a number from 0 to 100.", field=name)
    return dict(target=target, product=product, domain=domain, kinds=_clean_kinds(kinds), channel=channel,
                webhook=webhook, digest=bool(digest) and channel == Channel.EMAIL, quality_below=quality_below,
                quality_drop_points=quality_drop_points)


def _about(sub: Subscription) -> Subject:
    return Subject("subscription", sub.pk, str(sub)[:200],
                   sub.product.domain.slug if sub.product_id else sub.domain.slug if sub.domain_id else "")


@transaction.atomic
def subscription_create(*, user, **fields) -> Subscription:
    values = _subscription_fields(user=user, **fields)
    same = Subscription.objects.filter(user=user, target=values["target"], product=values["product"],
                                       domain=values["domain"], channel=values["channel"], webhook=values["webhook"])
    if same.exists():
        raise NotificationInvalid("you already follow this on this channel: change that subscription instead.",
                                  field="target")
    sub = Subscription.objects.create(user=user, **values)
    record(action="subscription.created", subject=_about(sub), actor=user,
           data={"kinds": sub.kinds, "channel": sub.channel})
    return sub


@transaction.atomic
def subscription_update(*, subscription: Subscription, user, **changes) -> Subscription:
    current = {f: getattr(subscription, f) for f in ("target", "product", "domain", "kinds", "channel", "webhook",
                                                     "digest", "quality_below", "quality_drop_points")}
    values = _subscription_fields(user=user, **(current | changes))
    changed = {k: v for k, v in values.items() if getattr(subscription, k) != v}
    if not changed:
        return subscription
    for name, value in changed.items():
        setattr(subscription, name, value)
    subscription.save()
    record(action="subscription.changed", subject=_about(subscription), actor=user, data={"fields": sorted(changed)})
    return subscription


@transaction.atomic
def subscription_delete(*, subscription: Subscription, user) -> None:
    subject = _about(subscription)
    subscription.delete()
    record(action="subscription.deleted", subject=subject, actor=user)


def follows(user, *, product=None, domain=None):
    """The user's inbox subscription to a product or a domain, or None."""
    return Subscription.objects.filter(user=user, channel=Channel.INBOX, product=product, domain=domain,
                                       target=Subscription.Target.PRODUCT if product else Subscription.Target.DOMAIN).first()


DEFAULT_FOLLOW = [Kind.BREAKING, Kind.QUALITY, Kind.FRESHNESS, Kind.DEPRECATION, Kind.UPSTREAM]


def follow_toggle(*, user, product: DataProduct | None = None, domain: Domain | None = None) -> bool:
    """Follow (in the inbox, for incidents and breaking changes) or stop following; True when now followed."""
    existing = follows(user, product=product, domain=domain)
    if existing is not None:
        subscription_delete(subscription=existing, user=user)
        return False
    subscription_create(user=user, target="product" if product else "domain", product=product, domain=domain,
                        kinds=DEFAULT_FOLLOW, channel=Channel.INBOX)
    return True


# --- webhooks -------------------------------------------------------------------------------------


def _check_url(url) -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    from notifications.delivery import private_address

    try:
        URLValidator(schemes=["http", "https"])(url)
    except (ValidationError, TypeError):
        raise NotificationInvalid("url must be an http(s) URL.", field="url") from None
    blocked = private_address(url)
    if blocked:
        raise NotificationInvalid(f"url points at {blocked}, a private address; webhooks go to public receivers "
                                  "(MESHPORT_WEBHOOK_ALLOW_PRIVATE allows them).", field="url")
    return url


@transaction.atomic
def webhook_create(*, user, name: str, url: str, secret: str = "") -> Webhook:
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise NotificationInvalid("name is required (at most 100 characters).", field="name")
    if secret and (not isinstance(secret, str) or len(secret) < 16 or len(secret) > 128):
        raise NotificationInvalid("secret must be 16 to 128 characters (leave it empty to have one made).", field="secret")
    hook = Webhook.objects.create(owner=user, name=name.strip(), url=_check_url(url),
                                  secret=secret or secrets.token_urlsafe(32))
    record(action="webhook.created", subject=Subject("webhook", hook.pk, hook.name), actor=user, data={"url": hook.url})
    return hook


@transaction.atomic
def webhook_update(*, webhook: Webhook, user, **changes) -> Webhook:
    changed = []
    if "name" in changes:
        name = changes["name"]
        if not isinstance(name, str) or not name.strip() or len(name) > 100:
            raise NotificationInvalid("name is required (at most 100 characters).", field="name")
        webhook.name = name.strip()
        changed.append("name")
    if "url" in changes:
        webhook.url = _check_url(changes["url"])
        changed.append("url")
    if changes.get("active") is True and not webhook.active:  # turned on again by its owner
        webhook.active, webhook.failures, webhook.disabled_reason = True, 0, ""
        changed.append("active")
    elif changes.get("active") is False and webhook.active:
        webhook.active = False
        changed.append("active")
    if changes.get("rotate_secret"):
        webhook.secret = secrets.token_urlsafe(32)
        changed.append("secret")
    if changed:
        webhook.save()
        record(action="webhook.changed", subject=Subject("webhook", webhook.pk, webhook.name), actor=user,
               data={"fields": changed})
    return webhook


@transaction.atomic
def webhook_delete(*, webhook: Webhook, user) -> None:
    subject = Subject("webhook", webhook.pk, webhook.name)
    webhook.delete()
    record(action="webhook.deleted", subject=subject, actor=user)


@transaction.atomic
def webhook_test_send(*, webhook: Webhook, user) -> Notification:
    """Queue a test event to the webhook (delivered like any other, logged in its deliveries)."""
    now = timezone.now()
    row = Notification.objects.create(
        key=f"test:{webhook.pk}:{secrets.token_hex(8)}", recipient=user, channel=Channel.WEBHOOK, webhook=webhook,
        action="notifications.test", kind=Kind.NOTICE, title=f"Test event from Meshport to {webhook.name}",
        body="If you can read this, your webhook receives Meshport's events.", created=now)
    record(action="webhook.tested", subject=Subject("webhook", webhook.pk, webhook.name), actor=user,
           data={"notification": row.pk})
    transaction.on_commit(lambda: _queue_keys([row.key]))
    return row


@transaction.atomic
def webhook_disable(*, webhook_id: int, reason: str) -> None:
    """Turn a failing webhook off; its owner finds a notice in the inbox, its queue gives up."""
    webhook = Webhook.objects.select_for_update().filter(pk=webhook_id, active=True).first()
    if webhook is None:
        return
    webhook.active, webhook.disabled_reason = False, reason[:300]
    webhook.save(update_fields=["active", "disabled_reason"])
    Notification.objects.filter(webhook=webhook, state__in=[Notification.State.PENDING, Notification.State.SENDING]).update(
        state=Notification.State.FAILED, last_error="the webhook was disabled")
    event = record(action="webhook.disabled", subject=Subject("webhook", webhook.pk, webhook.name), actor="system",
                   data={"reason": reason})
    notice_send(user=webhook.owner, key=f"webhook-disabled:{webhook.pk}:{event.pk if event else timezone.now().isoformat()}",
                title=f"Your webhook {webhook.name} was turned off",
                body=f"It failed {webhook.failures} times in a row ({reason}). Fix the receiver, then turn it on again.",
                url="/notifications/settings/")


def inbox(user, *, unread: bool = False, kind: str = ""):
    rows = Notification.objects.filter(recipient=user, channel=Channel.INBOX).select_related("product", "affected")
    if unread:
        rows = rows.filter(read_at__isnull=True)
    if kind:
        rows = rows.filter(kind=kind)
    return rows


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, channel=Channel.INBOX, read_at__isnull=True).count()


def deliveries_of(user, *, webhook_id: int | None = None):
    from notifications.models import Delivery

    rows = Delivery.objects.filter(webhook__owner=user).select_related("notification", "webhook")
    return rows.filter(webhook_id=webhook_id) if webhook_id else rows

