"""Notifications app config: hear the audit log, add "Follow" to product pages, list followed products at home."""
from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from audit.services import register_listener
        from catalog.panels import register_product_action
        from catalog.starting_points import register_followed_products
        from notifications import tasks  # noqa: F401
        from notifications.pages import follow_action
        from notifications.services import notifications_record

        register_listener(notifications_record)
        register_product_action("follow", follow_action, order=10)
        register_followed_products(followed_product_ids)


def followed_product_ids(user):
    """The products ``user`` follows one by one (the home page's "Products you follow")."""
    from notifications.models import Subscription

    return Subscription.objects.filter(user=user, target="product").values_list("product_id", flat=True)
