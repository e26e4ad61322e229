"""Steward admin for lineage: who may post events, explicit dataset-to-port mappings, read views of the graph."""
from django.contrib import admin

from lineage.models import (
    Dataset,
    DatasetPortMapping,
    Job,
    LineageEvent,
    LineageProducer,
    QualityObservation,
    Run,
)
from lineage.services.producers import lineage_producer_grant, lineage_producer_revoke
from lineage.services.products import dataset_port_mapping_set


@admin.register(LineageProducer)
class LineageProducerAdmin(admin.ModelAdmin):
    """Pipelines' accounts that may post OpenLineage events: for one domain, or platform-wide (no domain)."""

    list_display = ("user", "scope", "created")
    list_filter = ("domain",)
    search_fields = ("user__username", "domain__slug")
    list_select_related = ("user", "domain")
    fields = ("user", "domain")
    autocomplete_fields = ("user", "domain")  # a pipeline's account among many users

    @admin.display(description="writes for", ordering="domain__slug")
    def scope(self, obj) -> str:
        return obj.domain.slug if obj.domain_id else "platform-wide"

    def save_model(self, request, obj, form, change):
        if change:
            lineage_producer_revoke(producer=LineageProducer.objects.get(pk=obj.pk))
        obj.pk = lineage_producer_grant(user=obj.user, domain=obj.domain).pk

    def delete_model(self, request, obj):
        lineage_producer_revoke(producer=obj)

    def delete_queryset(self, request, queryset):
        for producer in queryset:
            lineage_producer_revoke(producer=producer)


@admin.register(DatasetPortMapping)
class DatasetPortMappingAdmin(admin.ModelAdmin):
    list_display = ("port", "namespace", "name")
    search_fields = ("namespace", "name", "port__product__identifier")
    autocomplete_fields = ()

    def save_model(self, request, obj, form, change):
        # Through the service, so the port's datasets and product edges follow at once.
        dataset_port_mapping_set(port=obj.port, namespace=obj.namespace, name=obj.name)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Dataset)
class DatasetAdmin(ReadOnly):
    list_display = ("namespace", "name", "product")
    search_fields = ("namespace", "name")
    list_filter = ("product__domain",)


@admin.register(Job)
class JobAdmin(ReadOnly):
    list_display = ("namespace", "name")
    search_fields = ("namespace", "name")


@admin.register(Run)
class RunAdmin(ReadOnly):
    list_display = ("run_id", "job", "state", "started_at", "ended_at")
    list_filter = ("state",)


@admin.register(LineageEvent)
class LineageEventAdmin(ReadOnly):
    list_display = ("event_time", "kind", "event_type", "received", "posted_by")
    list_filter = ("kind", "event_type")
    search_fields = ("posted_by__username",)
    list_select_related = ("posted_by",)


@admin.register(QualityObservation)
class QualityObservationAdmin(ReadOnly):
    """What pipelines reported: assertions also become checks in governance, metrics are kept as sent.

    A report whose producer may not write the dataset's domain has no port (it scores nothing) and
    says why in ``ignored``.
    """

    list_display = ("observed_at", "kind", "dataset", "port", "run", "ignored")
    list_filter = ("kind", "port__product__domain")
    search_fields = ("dataset__namespace", "dataset__name", "port__product__identifier")
    list_select_related = ("dataset", "port__product", "run")
