"""Steward admin for quality: runs with their check results, and the score history."""
from django.contrib import admin

from governance.models import CheckResult, QualityRun, QualityScore


class CheckResultInline(admin.TabularInline):
    model = CheckResult
    extra = 0
    can_delete = False
    fields = ("name", "dimension", "severity", "column", "passed", "measured", "expected", "unit", "message", "error")
    readonly_fields = fields


@admin.register(QualityRun)
class QualityRunAdmin(admin.ModelAdmin):
    list_display = ("product", "port", "reason", "state", "freshness_only", "started", "finished")
    list_filter = ("state", "reason", "freshness_only", "product__domain")
    search_fields = ("product__identifier", "product__name", "port__name", "error")
    date_hierarchy = "started"
    list_select_related = ("product", "port")
    readonly_fields = ("product", "port", "profile_run_id", "state", "reason", "freshness_only", "started",
                       "finished", "error")
    inlines = [CheckResultInline]

    def has_add_permission(self, request) -> bool:
        return False  # runs come from the check engine, never typed in


@admin.register(CheckResult)
class CheckResultAdmin(admin.ModelAdmin):
    list_display = ("name", "run", "dimension", "severity", "passed", "measured", "column")
    list_filter = ("passed", "dimension", "severity", "rule_kind")
    search_fields = ("name", "column", "message", "run__product__identifier")
    list_select_related = ("run", "run__product")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(QualityScore)
class QualityScoreAdmin(admin.ModelAdmin):
    list_display = ("product", "score", "computed_at")
    list_filter = ("product__domain", "computed_at")
    search_fields = ("product__identifier", "product__name")
    date_hierarchy = "computed_at"
    list_select_related = ("product",)
    readonly_fields = ("product", "score", "dimensions", "breakdown", "computed_at")

    def has_add_permission(self, request) -> bool:
        return False

# The access requests' and grants' admin lives with them; imported so autodiscovery registers it.
from governance.access import admin as access_admin  # noqa: E402, F401
from governance.policies import admin as policies_admin  # noqa: E402, F401
