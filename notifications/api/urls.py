"""Notifications API routes (mounted under /api/)."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from notifications.api import views

router = SimpleRouter()
router.register("notifications/subscriptions", views.SubscriptionViewSet, basename="notification-subscription")
router.register("notifications/webhooks", views.WebhookViewSet, basename="notification-webhook")

urlpatterns = [
    path("notifications/", views.InboxView.as_view(), name="notification-inbox"),
    path("notifications/read/", views.MarkReadView.as_view(), name="notification-read"),
    path("notifications/deliveries/", views.DeliveryListView.as_view(), name="notification-deliveries"),
    *router.urls,
]
