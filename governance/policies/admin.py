"""Steward admin for policies: a rule editor that validates on save, a "try it" dry run over the catalog,
exceptions with expiry, evaluations filterable by domain, policy and result. Saves go through the services."""
from __future__ import annotations

import json

import yaml
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from governance.policies.dryrun import catalog_try
from governance.policies.engine import PolicySpec
from governance.policies.models import Policy, PolicyEvaluation, PolicyException
from governance.policies.services import (
    EDITABLE,
    PolicyInputError,
    can_write_policy,
    policy_clean,
    policy_exception_create,
    policy_exceptions_withdraw,
    policy_save,
)

RULE_HELP = ("JSON Logic, written as JSON or YAML, over the context published at /api/policies/context-schema/ "
             "(e.g. {\"!=\": [{\"var\": \"product.description.purpose\"}, \"\"]}). Checked when saved.")


class LogicField(forms.CharField):
    """A rule typed as JSON or YAML; a syntax error is refused with its line, column and reason."""

    widget = forms.Textarea(attrs={"rows": 8, "cols": 90, "spellcheck": "false", "class": "vLargeTextField"})

    def prepare_value(self, value):
        if isinstance(value, str):
            return value
        return "" if value is None else json.dumps(value, indent=2, ensure_ascii=False)

    def to_python(self, value):
        text = (value or "").strip()
        if not text:
            return None
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            raise forms.ValidationError(f"Syntax error at {where}{getattr(exc, 'problem', None) or exc}") from exc


class PolicyForm(forms.ModelForm):
    rule = LogicField(help_text=RULE_HELP)
    selector = LogicField(required=False, help_text="Optional JSON Logic: which subjects the rule applies to.")

    class Meta:
        model = Policy
        fields = ["key", *EDITABLE]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.cleaned_values = policy_clean({f: data.get(f) for f in EDITABLE},
                                               current=self.instance if self.instance.pk else None)
        except PolicyInputError as exc:
            for name, reasons in exc.errors.items():
                self.add_error(name if name in self.fields else None, reasons)
        return data


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    form = PolicyForm
    list_display = ("key", "title", "scope", "domain", "severity", "applies_to", "enabled", "waivable", "version")
    list_filter = ("scope", "domain", "severity", "applies_to", "enabled")
    search_fields = ("key", "title", "rationale")
    readonly_fields = ("version", "origin", "updated", "updated_by")
    actions = ["try_on_catalog"]

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "key") if obj else self.readonly_fields

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or can_write_policy(request.user, domain=obj.domain))

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data.get(f) for f in EDITABLE}
        try:
            saved, _ = policy_save(key=obj.key if change else form.cleaned_data["key"], data=data, actor=request.user)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return
        obj.pk, obj.version = saved.pk, saved.version

    def delete_model(self, request, obj):
        policy_save(key=obj.key, data={"enabled": False}, actor=request.user)
        messages.info(request, f"{obj.key} was disabled rather than deleted (its history stays).")

    @admin.action(description="Try it: evaluate on the catalog (dry run, nothing saved)")
    def try_on_catalog(self, request, queryset):
        report = catalog_try(specs=[PolicySpec.of(p) for p in queryset.select_related("domain")], limit=5)
        for item in report["policies"]:
            counts = ", ".join(f"{n} {r.replace('_', ' ')}" for r, n in sorted(item["counts"].items())) or "no products"
            examples = "; ".join(f"{f['product']}: {f['message']}" for f in item["failures"])
            messages.info(request, f"{item['key']} on {report['products']} products: {counts}."
                                   + (f" First failures — {examples}" if examples else ""))


class ExceptionForm(forms.ModelForm):
    class Meta:
        model = PolicyException
        fields = ["policy", "product", "domain", "justification", "expires"]


@admin.register(PolicyException)
class PolicyExceptionAdmin(admin.ModelAdmin):
    form = ExceptionForm
    list_display = ("policy", "product", "domain", "expires", "approved_by", "created")
    list_filter = ("policy", "domain")
    search_fields = ("policy__key", "product__identifier", "justification")
    autocomplete_fields = ("product",)
    date_hierarchy = "expires"

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # an exception is granted once; a new one replaces it

    def save_model(self, request, obj, form, change):
        try:
            saved = policy_exception_create(actor=request.user, **{f: form.cleaned_data.get(f) for f in ExceptionForm.Meta.fields})
        except (PolicyInputError, PermissionDenied) as exc:
            messages.error(request, str(exc))
            return
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        policy_exceptions_withdraw(exceptions=[obj], actor=request.user)

    def delete_queryset(self, request, queryset):
        policy_exceptions_withdraw(exceptions=list(queryset), actor=request.user)


@admin.register(PolicyEvaluation)
class PolicyEvaluationAdmin(admin.ModelAdmin):
    list_display = ("policy", "product", "result", "message", "policy_version", "evaluated_at")
    list_filter = ("result", "policy__severity", "product__domain", "policy")
    search_fields = ("product__identifier", "policy__key", "message")
    list_select_related = ("policy", "product")

    def has_add_permission(self, request) -> bool:
        return False  # evaluations are derived

    def has_change_permission(self, request, obj=None) -> bool:
        return False
