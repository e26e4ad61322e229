"""Steward admin for access: requests with their history, grants, and a bulk revoke through the service.

Everything here is read-only: requests are decided and grants revoked by the access services
(the API and pages call the same ones), and the history is never edited.
"""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm

from catalog.permissions import is_steward
from governance.access import services
from governance.access.errors import AccessError
from governance.access.models import AccessEvent, AccessGrant, AccessRequest


class StewardsReadOnly:
    """Stewards see these rows; nobody adds, edits or deletes them here."""

    def has_module_permission(self, request) -> bool:
        return is_steward(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_steward(request.user)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class HistoryInline(StewardsReadOnly, admin.TabularInline):
    model = AccessEvent
    fk_name = "request"
    extra = 0
    fields = ("at", "kind", "actor", "note", "grant")
    readonly_fields = fields
    ordering = ("at", "pk")


class GrantInline(StewardsReadOnly, admin.TabularInline):
    model = AccessGrant
    extra = 0
    fields = ("grantee", "port", "consumer_product", "role", "state", "valid_from", "valid_until", "ended_at",
              "revoked_by", "revoke_note")
    readonly_fields = fields


@admin.register(AccessRequest)
class AccessRequestAdmin(StewardsReadOnly, admin.ModelAdmin):
    list_display = ("pk", "product", "port", "requester", "consumer_product", "state", "created", "decided_by")
    list_filter = ("state", "product__domain")
    search_fields = ("product__identifier", "requester__username", "purpose")
    date_hierarchy = "created"
    list_select_related = ("product", "port", "requester", "consumer_product", "decided_by")
    readonly_fields = ("requester", "product", "port", "consumer_product", "purpose", "duration_days", "role", "state",
                       "created", "decided_by", "decided_at", "decision_note")
    inlines = [GrantInline, HistoryInline]


class RevokeForm(ActionForm):
    note = forms.CharField(required=False, label="Why (for a revoke)", max_length=services.TEXT_MAX_CHARS)


@admin.register(AccessGrant)
class AccessGrantAdmin(StewardsReadOnly, admin.ModelAdmin):
    list_display = ("pk", "product", "port", "grantee", "consumer_product", "state", "valid_from", "valid_until")
    list_filter = ("state", "product__domain")
    search_fields = ("product__identifier", "grantee__username", "consumer_product__identifier")
    list_select_related = ("product", "port", "grantee", "consumer_product")
    readonly_fields = ("request", "product", "port", "grantee", "consumer_product", "role", "state", "valid_from",
                       "valid_until", "ended_at", "revoked_by", "revoke_note")
    action_form = RevokeForm
    actions = ["revoke_selected"]

    @admin.action(description="Revoke selected grants (say why in the box)")
    def revoke_selected(self, request, queryset):
        note = request.POST.get("note", "").strip()
        if not note:
            self.message_user(request, "Say why the grants are revoked: the grantees read it. Nothing was revoked.",
                              messages.ERROR)
            return
        revoked, refused = 0, []
        for grant in queryset.order_by("pk"):
            try:
                services.access_grant_revoke(grant=grant, actor=request.user, note=note)
                revoked += 1
            except AccessError as exc:
                refused.append(f"grant {grant.pk}: {exc.message}")
        self.message_user(request, f"Revoked {revoked} grant(s).", messages.SUCCESS)
        if refused:
            self.message_user(request, "Not revoked: " + "; ".join(refused), messages.WARNING)
