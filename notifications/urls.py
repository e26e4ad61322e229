"""Notification pages, mounted at /notifications/."""
from django.urls import path, re_path

from notifications import pages

app_name = "notifications"
urlpatterns = [
    path("", pages.inbox, name="inbox"),
    path("read/", pages.mark_read, name="read"),
    path("settings/", pages.settings_page, name="settings"),
    path("settings/subscriptions/", pages.subscription_add, name="subscription-add"),
    path("settings/subscriptions/<int:pk>/delete/", pages.subscription_remove, name="subscription-remove"),
    path("settings/webhooks/", pages.webhook_add, name="webhook-add"),
    path("settings/webhooks/<int:pk>/<str:action>/", pages.webhook_action, name="webhook-action"),
    re_path(r"^follow/product/(?P<identifier>[^/]+)/$", pages.follow_product, name="follow-product"),
    path("follow/domain/<slug:slug>/", pages.follow_domain, name="follow-domain"),
]
