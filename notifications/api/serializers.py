"""API shapes of subscriptions, webhooks, notifications and deliveries."""
from __future__ import annotations

from rest_framework import serializers

from meshport.fields import StrictCharField
from notifications.models import SUBSCRIBABLE, Channel, Delivery, Notification, Subscription, Webhook


class SubscriptionSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.identifier", allow_null=True, required=False, default=None,
                                    help_text="A product's identifier (target product).")
    domain = serializers.CharField(source="domain.slug", allow_null=True, required=False, default=None,
                                   help_text="A domain's slug (target domain).")
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=SUBSCRIBABLE),
                                  help_text="What to hear about: " + ", ".join(SUBSCRIBABLE))
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.INBOX)
    webhook = serializers.PrimaryKeyRelatedField(queryset=Webhook.objects.all(), allow_null=True, required=False,
                                                 default=None)

    class Meta:
        model = Subscription
        fields = ["id", "target", "product", "domain", "kinds", "channel", "webhook", "digest", "quality_below",
                  "quality_drop_points", "created"]
        read_only_fields = ["id", "created"]


class WebhookSerializer(serializers.ModelSerializer):
    name = StrictCharField(max_length=100)
    secret = StrictCharField(required=False, allow_blank=True, write_only=True, min_length=16, max_length=128,
                             help_text="HMAC-SHA256 key; leave out to have one made (shown once, on creation).")
    rotate_secret = serializers.BooleanField(required=False, write_only=True)

    class Meta:
        model = Webhook
        fields = ["id", "name", "url", "secret", "rotate_secret", "active", "failures", "disabled_reason", "created"]
        read_only_fields = ["id", "failures", "disabled_reason", "created"]


class WebhookCreatedSerializer(WebhookSerializer):
    signing_secret = serializers.CharField(source="secret", read_only=True)

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "signing_secret"]


class NotificationSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.identifier", default=None, read_only=True)
    affected = serializers.CharField(source="affected.identifier", default=None, read_only=True)
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "action", "title", "body", "url", "product", "affected", "path", "created", "read",
                  "read_at", "event_id"]
        read_only_fields = fields

    def get_read(self, obj) -> bool:
        return obj.read_at is not None


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), required=False, allow_null=True,
                                help_text="Leave out to mark every notification.")
    read = serializers.BooleanField(default=True)


class MarkedSerializer(serializers.Serializer):
    changed = serializers.IntegerField()
    unread = serializers.IntegerField()


class DeliverySerializer(serializers.ModelSerializer):
    notification = serializers.CharField(source="notification.title", read_only=True)
    event_id = serializers.SerializerMethodField()

    class Meta:
        model = Delivery
        fields = ["id", "webhook", "notification", "event_id", "attempt", "status_code", "accepted", "error",
                  "duration_ms", "created"]
        read_only_fields = fields

    def get_event_id(self, obj) -> str:
        return f"notification-{obj.notification_id}"


class TestSentSerializer(serializers.Serializer):
    notification = serializers.IntegerField()
    state = serializers.CharField()
