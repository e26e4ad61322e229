"""Steward admin for lineage: explicit dataset-to-port mappings, and read views of the graph."""
from django.contrib import admin

from lineage.models import Dataset, DatasetPortMapping, Job, LineageEvent, QualityObservation, Run
from lineage.services.products import dataset_port_mapping_set


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
    list_display = ("event_time", "kind", "event_type", "received")
    list_filter = ("kind", "event_type")


@admin.register(QualityObservation)
class QualityObservationAdmin(ReadOnly):
    """What pipelines reported: assertions also become checks in governance, metrics are kept as sent."""

    list_display = ("observed_at", "kind", "dataset", "port", "run")
    list_filter = ("kind", "port__product__domain")
    search_fields = ("dataset__namespace", "dataset__name", "port__product__identifier")
    list_select_related = ("dataset", "port__product", "run")
