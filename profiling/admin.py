"""Admin for profile runs (state and reason at a glance) and PII suggestions (stewards decide)."""
from django.contrib import admin

from profiling.models import ColumnProfile, PiiSuggestion, ProfileRun


class ColumnProfileInline(admin.TabularInline):
    model = ColumnProfile
    extra = 0
    can_delete = False
    fields = ["name", "data_type", "semantic_type", "is_approximate", "masked", "stats"]
    readonly_fields = fields


@admin.register(ProfileRun)
class ProfileRunAdmin(admin.ModelAdmin):
    list_display = ["id", "port", "state", "trigger", "created", "finished", "row_count", "attempt", "is_latest_good",
                    "reason"]
    list_filter = ["state", "trigger", "is_latest_good"]
    search_fields = ["port__product__identifier", "port__name", "reason", "task_id"]
    readonly_fields = [f.name for f in ProfileRun._meta.fields]
    inlines = [ColumnProfileInline]
    list_select_related = ["port__product"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PiiSuggestion)
class PiiSuggestionAdmin(admin.ModelAdmin):
    list_display = ["column_name", "port", "kind", "confidence", "evidence_count", "status", "decided_by"]
    list_filter = ["status", "kind"]
    search_fields = ["column_name", "port__product__identifier"]
    readonly_fields = ["port", "column_name", "kind", "confidence", "evidence_count", "sample_size", "by_name", "run",
                       "decided_by", "decided_at"]
    list_select_related = ["port__product"]

    def save_model(self, request, obj, form, change) -> None:
        if change and "status" in form.changed_data and obj.status != PiiSuggestion.Status.SUGGESTED:
            from profiling.services import pii_suggestion_decide

            pii_suggestion_decide(suggestion=obj, status=obj.status, actor=request.user)
        else:
            super().save_model(request, obj, form, change)
