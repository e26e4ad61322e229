"""Users, groups and API tokens in the steward admin, each write through ``catalog.services.people``.

A steward (a staff user with the ``stewards`` group's permissions) manages accounts but cannot make
anyone a superuser, grant single permissions, or edit a superuser: only a superuser can.
"""
from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from catalog.services import people

User = get_user_model()
SUPERUSER_ONLY = ("is_superuser", "user_permissions")

for model in (User, Group, TokenProxy):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(User)
class StewardUserAdmin(UserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_active", "groups"]
    # records of what happened, not settings: shown, never typed in (their split date and time inputs
    # had no labels either)
    readonly_fields = ["last_login", "date_joined"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, *SUPERUSER_ONLY]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        people.user_save(user=obj, changed=list(form.changed_data), actor=request.user, creating=not change)

    def delete_model(self, request, obj):
        people.user_delete(user=obj, actor=request.user)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for user in queryset:
            people.user_delete(user=user, actor=request.user)


@admin.register(Group)
class StewardGroupAdmin(GroupAdmin):
    def save_model(self, request, obj, form, change):
        people.group_save(group=obj, changed=list(form.changed_data), actor=request.user, creating=not change)

    def delete_model(self, request, obj):
        people.group_delete(group=obj, actor=request.user)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for group in queryset:
            people.group_delete(group=group, actor=request.user)


@admin.register(TokenProxy)
class StewardTokenAdmin(TokenAdmin):
    """API tokens by user; the key is shown once, on the page of the token just issued, never in the list."""

    list_display = ["user", "key_hint", "created"]

    @admin.display(description="key")
    def key_hint(self, token) -> str:
        return f"{token.key[:4]}…" if token.key else "—"

    def save_model(self, request, obj, form, change):
        people.token_issue(token=obj, actor=request.user)

    def delete_model(self, request, obj):
        people.token_revoke(token=obj, actor=request.user)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for token in queryset:
            people.token_revoke(token=token, actor=request.user)
