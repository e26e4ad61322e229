"""Notification pages: the inbox, the settings (subscriptions and webhooks), Follow on products and domains.

They write through ``notifications.services`` as the API does; a refusal shows its reason and
writes nothing.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from catalog.models import DataProduct, Domain
from notifications import services
from notifications.models import SUBSCRIBABLE, Channel, Kind, Subscription, Webhook
from notifications.services import NotificationInvalid

PAGE_SIZE = 25


def follow_action(request, product) -> str | None:
    """The product page's "Follow" button (a header action registered with ``catalog.panels``)."""
    if not request.user.is_authenticated:
        return None
    following = services.follows(request.user, product=product) is not None
    return render_to_string("notifications/_follow.html", {
        "following": following, "action": f"/notifications/follow/product/{product.identifier}/",
        "next": request.get_full_path(), "label": product.name}, request=request)


def _back(request, default: str) -> str:
    target = request.POST.get("next") or default
    return target if url_has_allowed_host_and_scheme(target, {request.get_host()}) else default


@login_required
@require_POST
def follow_product(request, identifier: str):
    product = DataProduct.objects.known_to(request.user).filter(identifier=identifier).first()
    if product is None:
        raise Http404("No such product.")
    now = services.follow_toggle(user=request.user, product=product)
    messages.success(request, f"You follow {product.name} now." if now else f"You no longer follow {product.name}.")
    return redirect(_back(request, product.get_absolute_url()))


@login_required
@require_POST
def follow_domain(request, slug: str):
    domain = get_object_or_404(Domain, slug=slug)
    now = services.follow_toggle(user=request.user, domain=domain)
    messages.success(request, f"You follow the {domain.name} domain now." if now else f"You no longer follow {domain.name}.")
    return redirect(_back(request, f"/domains/{domain.slug}/"))


@login_required
def inbox(request):
    unread = request.GET.get("show") == "unread"
    kind = request.GET.get("kind", "")
    kind = kind if kind in Kind.values else ""
    rows = services.inbox(request.user, unread=unread, kind=kind)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {
        "page": page, "unread": unread, "kind": kind, "kinds": Kind.choices,
        "unread_total": services.unread_count(request.user)})


@login_required
@require_POST
def mark_read(request):
    ids = request.POST.getlist("id")
    read = request.POST.get("read", "1") == "1"
    try:
        services.notifications_mark_read(user=request.user, ids=[int(i) for i in ids] if ids else None, read=read)
    except (ValueError, NotificationInvalid):
        messages.error(request, "Pick notifications to mark.")
    return redirect(_back(request, "/notifications/"))


@login_required
def settings_page(request):
    user = request.user
    subs = Subscription.objects.filter(user=user).select_related("product", "domain", "webhook")
    hooks = Webhook.objects.filter(owner=user)
    return render(request, "notifications/settings.html", {
        "subscriptions": subs, "webhooks": hooks, "kinds": [(k, Kind(k).label) for k in SUBSCRIBABLE],
        "channels": Channel.choices, "domains": Domain.objects.order_by("name"),
        "deliveries": services.deliveries_of(user)[:20],
        "owns_defaults": not subs.filter(target=Subscription.Target.MINE).exists()})


@login_required
@require_POST
def subscription_add(request):
    data = request.POST
    product = domain = webhook = None
    target = data.get("target", "")
    if target == "product":
        product = DataProduct.objects.known_to(request.user).filter(identifier=data.get("product", "").strip()).first()
    elif target == "domain":
        domain = Domain.objects.filter(slug=data.get("domain", "")).first()
    if data.get("webhook"):
        webhook = Webhook.objects.filter(owner=request.user, pk=data.get("webhook") if data["webhook"].isdigit() else 0).first()
    try:
        services.subscription_create(
            user=request.user, target=target, product=product, domain=domain, kinds=data.getlist("kinds"),
            channel=data.get("channel", ""), webhook=webhook, digest=data.get("digest") == "1",
            quality_below=_number(data.get("quality_below")), quality_drop_points=_number(data.get("quality_drop_points")))
        messages.success(request, "Subscription added.")
    except NotificationInvalid as exc:
        messages.error(request, f"{exc.field}: {exc}")
    return redirect("notifications:settings")


def _number(value):
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return -1.0  # refused by the service, naming the field


@login_required
@require_POST
def subscription_remove(request, pk: int):
    sub = get_object_or_404(Subscription, pk=pk, user=request.user)
    services.subscription_delete(subscription=sub, user=request.user)
    messages.success(request, "Subscription removed.")
    return redirect("notifications:settings")


@login_required
@require_POST
def webhook_add(request):
    try:
        hook = services.webhook_create(user=request.user, name=request.POST.get("name", ""), url=request.POST.get("url", ""),
                                       secret=request.POST.get("secret", ""))
        messages.success(request, f"Webhook {hook.name} added. Its signing secret: {hook.secret}")
    except NotificationInvalid as exc:
        messages.error(request, f"{exc.field}: {exc}")
    return redirect("notifications:settings")


@login_required
@require_POST
def webhook_action(request, pk: int, action: str):
    hook = get_object_or_404(Webhook, pk=pk, owner=request.user)
    if action == "test":
        row = services.webhook_test_send(webhook=hook, user=request.user)
        row.refresh_from_db()
        messages.success(request, f"Test event sent to {hook.name}: {row.get_state_display().lower()}.")
    elif action == "delete":
        services.webhook_delete(webhook=hook, user=request.user)
        messages.success(request, f"Webhook {hook.name} removed.")
    elif action in ("enable", "disable"):
        services.webhook_update(webhook=hook, user=request.user, active=action == "enable")
        messages.success(request, f"Webhook {hook.name} turned {'on' if action == 'enable' else 'off'}.")
    else:
        raise Http404("No such action.")
    return redirect("notifications:settings")
