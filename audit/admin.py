"""The audit log in the steward admin: read-only, filtered by action, subject type, domain and time."""
from django.contrib import admin

from audit.models import AuditEvent, ProductVersion


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["id", "occurred_at", "action", "subject_label", "actor", "actor_name", "domain", "request_id"]
    list_filter = ["action", "subject_type", "domain", "occurred_at"]
    search_fields = ["subject_label", "subject_id", "actor", "actor_name", "request_id"]
    date_hierarchy = "occurred_at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    show_full_result_count = False  # no COUNT(*) over a log of millions on every page

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ProductVersion)
class ProductVersionAdmin(admin.ModelAdmin):
    """Versions are derived from the catalog: shown, never added, edited or deleted here."""

    list_display = ["identifier", "sequence", "bump", "description", "actor_name", "created_at"]
    list_filter = ["bump", "domain"]
    search_fields = ["identifier", "description", "actor", "actor_name"]
    readonly_fields = [f.name for f in ProductVersion._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
