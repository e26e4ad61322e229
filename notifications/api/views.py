"""Notifications API: subscriptions and webhooks (CRUD), the inbox (list, mark read), test events, the delivery log.

Every caller sees and changes only their own rows; writes go through ``notifications.services``.
"""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import DataProduct, Domain
from notifications import services
from notifications.api.serializers import (
    DeliverySerializer,
    MarkedSerializer,
    MarkReadSerializer,
    NotificationSerializer,
    SubscriptionSerializer,
    TestSentSerializer,
    WebhookCreatedSerializer,
    WebhookSerializer,
)
from notifications.models import Delivery, Kind, Notification, Subscription, Webhook
from notifications.services import NotificationInvalid


def _invalid(exc: NotificationInvalid) -> ValidationError:
    return ValidationError({exc.field: [str(exc)]})


def _targets(user, data: dict) -> dict:
    """The serializer's validated data as service arguments (product and domain looked up as the user may see them)."""
    values = dict(data)
    product = (values.pop("product", None) or {}).get("identifier") if isinstance(values.get("product"), dict) else None
    domain = (values.pop("domain", None) or {}).get("slug") if isinstance(values.get("domain"), dict) else None
    values.pop("product", None)
    values.pop("domain", None)
    if product is not None:
        values["product"] = DataProduct.objects.known_to(user).filter(identifier=product).first()
        if values["product"] is None:
            raise ValidationError({"product": [f"no product {product!r}."]})
    if domain is not None:
        values["domain"] = Domain.objects.filter(slug=domain).first()
        if values["domain"] is None:
            raise ValidationError({"domain": [f"no domain {domain!r}."]})
    return values


@extend_schema_view(list=extend_schema(summary="Your subscriptions"),
                    create=extend_schema(summary="Follow a product, a domain or your own products"),
                    retrieve=extend_schema(summary="One subscription"),
                    partial_update=extend_schema(summary="Change a subscription"),
                    destroy=extend_schema(summary="Stop a subscription"))
class SubscriptionViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                          mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = SubscriptionSerializer
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return Subscription.objects.none()
        return Subscription.objects.filter(user=self.request.user).select_related("product", "domain", "webhook")

    def perform_create(self, serializer):
        try:
            serializer.instance = services.subscription_create(user=self.request.user,
                                                               **_targets(self.request.user, serializer.validated_data))
        except NotificationInvalid as exc:
            raise _invalid(exc) from None

    def perform_update(self, serializer):
        try:
            serializer.instance = services.subscription_update(
                subscription=serializer.instance, user=self.request.user,
                **_targets(self.request.user, serializer.validated_data))
        except NotificationInvalid as exc:
            raise _invalid(exc) from None

    def perform_destroy(self, instance):
        services.subscription_delete(subscription=instance, user=self.request.user)


@extend_schema_view(list=extend_schema(summary="Your webhooks"),
                    create=extend_schema(summary="Add a webhook", responses={201: WebhookCreatedSerializer}),
                    retrieve=extend_schema(summary="One webhook"),
                    partial_update=extend_schema(summary="Rename, move, turn on or off, or rotate its secret"),
                    destroy=extend_schema(summary="Remove a webhook"))
class WebhookViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                     mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = WebhookSerializer
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Webhook.objects.none()
        return Webhook.objects.filter(owner=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            hook = services.webhook_create(user=request.user, name=data["name"], url=data["url"],
                                           secret=data.get("secret", ""))
        except NotificationInvalid as exc:
            raise _invalid(exc) from None
        return Response(WebhookCreatedSerializer(hook).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        try:
            serializer.instance = services.webhook_update(webhook=serializer.instance, user=self.request.user,
                                                          **serializer.validated_data)
        except NotificationInvalid as exc:
            raise _invalid(exc) from None

    def perform_destroy(self, instance):
        services.webhook_delete(webhook=instance, user=self.request.user)

    @extend_schema(summary="Send a test event to the webhook", request=None, responses={202: TestSentSerializer})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        hook = self.get_object()
        if not hook.active:
            raise ValidationError({"active": ["the webhook is turned off: turn it on first."]})
        row = services.webhook_test_send(webhook=hook, user=request.user)
        row.refresh_from_db()
        return Response({"notification": row.pk, "state": row.state}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="The webhook's delivery log", responses=DeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        hook = self.get_object()
        page = self.paginate_queryset(services.deliveries_of(request.user, webhook_id=hook.pk))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)


@extend_schema(summary="Your inbox, newest first", parameters=[
    OpenApiParameter("unread", bool, description="Only unread ones."),
    OpenApiParameter("kind", str, enum=Kind.values, description="Only this kind.")])
class InboxView(generics.ListAPIView):
    serializer_class = NotificationSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        kind = self.request.query_params.get("kind", "")
        if kind and kind not in Kind.values:
            raise ValidationError({"kind": [f"one of {Kind.values}."]})
        unread = self.request.query_params.get("unread", "").lower() in ("1", "true", "yes")
        return services.inbox(self.request.user, unread=unread, kind=kind)


class MarkReadView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Mark inbox notifications read (or unread)", request=MarkReadSerializer,
                   responses=MarkedSerializer)
    def post(self, request):
        serializer = MarkReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            changed = services.notifications_mark_read(user=request.user, ids=serializer.validated_data.get("ids"),
                                                       read=serializer.validated_data["read"])
        except NotificationInvalid as exc:
            raise _invalid(exc) from None
        return Response({"changed": changed, "unread": services.unread_count(request.user)})


@extend_schema(summary="Your webhooks' delivery log, newest first",
               parameters=[OpenApiParameter("webhook", int, description="Only this webhook's.")])
class DeliveryListView(generics.ListAPIView):
    serializer_class = DeliverySerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Delivery.objects.none()
        webhook = self.request.query_params.get("webhook")
        if webhook is not None and not webhook.isdigit():
            raise ValidationError({"webhook": ["a webhook id."]})
        return services.deliveries_of(self.request.user, webhook_id=int(webhook) if webhook else None)

