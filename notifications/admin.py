"""Stewards see subscriptions, webhooks, the outbox and the delivery log (read only: users change theirs themselves)."""
from django.contrib import admin

from notifications.models import Delivery, Notification, Subscription, Webhook


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnly):
    list_display = ["user", "target", "product", "domain", "channel", "kinds"]
    list_filter = ["target", "channel"]


@admin.register(Webhook)
class WebhookAdmin(ReadOnly):
    list_display = ["name", "owner", "url", "active", "failures"]
    list_filter = ["active"]
    exclude = ["secret"]


@admin.register(Notification)
class NotificationAdmin(ReadOnly):
    list_display = ["created", "recipient", "channel", "kind", "title", "state", "attempts"]
    list_filter = ["channel", "kind", "state"]
    search_fields = ["title", "key"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly):
    list_display = ["created", "webhook", "notification", "attempt", "status_code", "accepted"]
    list_filter = ["accepted"]
