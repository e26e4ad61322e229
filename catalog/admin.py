"""Steward admin for the catalog: readable lists, filters, search, inlines; derived fields read-only.

Saves of products, ports and memberships go through the same services as other writes
(``catalog.services.edits``): text in one newline convention, only what changed is written, an
unchanged save writes and tells nothing, and ports are held to data ownership. Every change that
touches a product is announced through ``catalog.changes`` so search, profiles, governance and
lineage follow.
"""
from __future__ import annotations

import copy

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst

from catalog import locations
from catalog.admin_widgets import SupportRowsField
from catalog.changes import ChangeSet, Kind, actor_label, changes_announce
from catalog.models import (
    Column,
    Contract,
    DataProduct,
    Domain,
    DomainMembership,
    InputPort,
    OutputPort,
    ProductTeamMember,
    Tag,
)
from catalog.services import edits
from catalog.services.text import normalised_newlines

admin.site.site_header = "Meshport stewardship"
admin.site.site_title = "Meshport stewardship"
admin.site.index_title = "Catalog and governance"


class NormalisedText:
    """Text fields read a browser's CRLF as LF, so an unchanged textarea is not a change."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(formfield, forms.CharField) and not isinstance(formfield, forms.JSONField):
            to_python = formfield.to_python
            formfield.to_python = lambda value: (
                normalised_newlines(v) if isinstance(v := to_python(value), str) else v)
        return formfield


class LabelledCells:
    """A tabular inline's inputs sit under a column heading, not beside a <label>: each gets the field's
    name as its accessible label, so a screen reader says what a cell is (axe: label)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None:
            formfield.widget.attrs.setdefault("aria-label", capfirst(str(db_field.verbose_name)))
        return formfield

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class Labelled(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                if "DELETE" in form.fields:
                    form.fields["DELETE"].widget.attrs.setdefault("aria-label", "Delete this row")

        Labelled.__name__ = formset.__name__
        return Labelled


class ProductChangeAdmin(NormalisedText, admin.ModelAdmin):
    """Announces the affected products after a save or delete (re-index, re-profile, re-evaluate)."""

    deletes_products = False
    edit_service = None  # a catalog.services.edits function: saves what changed, and tells it

    def save_model(self, request, obj, form, change):
        if self.edit_service is None:
            return super().save_model(request, obj, form, change)
        self.edit_service(**{self.edit_service_arg: obj}, changed=list(form.changed_data) if change else [],
                          actor=request.user, creating=not change)

    def changed_product_ids(self, obj) -> list[int]:
        return [obj.product_id]

    def changed_port_ids(self, obj) -> list[int]:
        return []

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        inlines = {f.model._meta.model_name for f in formsets if f.has_changed()}
        changed = inlines if self.edit_service is not None else {*form.changed_data, *inlines}  # the service told its own
        if not changed:
            return  # an unchanged save tells nothing
        self._announce(request, self.changed_product_ids(form.instance), Kind.UPDATED if change else Kind.CREATED,
                       fields=changed, ports=self.changed_port_ids(form.instance))

    def delete_model(self, request, obj):
        ids = self.changed_product_ids(obj)
        super().delete_model(request, obj)
        self._announce(request, ids, Kind.DELETED if self.deletes_products else Kind.UPDATED)

    @transaction.atomic  # Django's bulk delete has no transaction of its own: the audit event joins this one
    def delete_queryset(self, request, queryset):
        ids = [pk for obj in queryset for pk in self.changed_product_ids(obj)]
        super().delete_queryset(request, queryset)
        self._announce(request, ids, Kind.DELETED if self.deletes_products else Kind.UPDATED)

    def _announce(self, request, product_ids, kind: Kind, *, fields=(), ports=()) -> None:
        changes = ChangeSet(actor=actor_label(request.user))
        for pk in product_ids:
            changes.add(pk, kind if kind != Kind.CREATED or self.deletes_products else Kind.UPDATED,
                        fields=fields, port_ids=ports)
        changes_announce(changes)


class DomainMembershipInline(LabelledCells, NormalisedText, admin.TabularInline):
    model = DomainMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Domain)
class DomainAdmin(NormalisedText, admin.ModelAdmin):
    list_display = ["name", "slug", "product_total", "updated"]
    ordering = ["name"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [DomainMembershipInline]

    def save_formset(self, request, form, formset, change):
        """Memberships edited inline go through the same services as on their own page (and are audited)."""
        if formset.model is not DomainMembership:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for membership in formset.deleted_objects:
            edits.membership_remove(membership=membership, actor=request.user)
        for membership, fields in formset.changed_objects:
            edits.membership_edit(membership=membership, changed=list(fields), actor=request.user)
        for membership in formset.new_objects:
            edits.membership_edit(membership=membership, changed=[], actor=request.user, creating=True)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(product_total=Count("products"))

    @admin.display(description="products", ordering="product_total")
    def product_total(self, domain) -> int:
        return domain.product_total


@admin.register(DomainMembership)
class DomainMembershipAdmin(NormalisedText, admin.ModelAdmin):
    list_display = ["user", "domain", "role", "created"]
    list_filter = ["role", "domain"]
    search_fields = ["user__username", "user__email", "domain__name", "domain__slug"]
    autocomplete_fields = ["user", "domain"]
    list_select_related = ["user", "domain"]

    def save_model(self, request, obj, form, change):
        edits.membership_edit(membership=obj, changed=list(form.changed_data) if change else [], actor=request.user,
                              creating=not change)

    def delete_model(self, request, obj):
        edits.membership_remove(membership=obj, actor=request.user)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("domain", "user"):
            edits.membership_remove(membership=membership, actor=request.user)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "product_total"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(product_total=Count("products"))

    @admin.display(description="products", ordering="product_total")
    def product_total(self, tag) -> int:
        return tag.product_total


class OutputPortForm(forms.ModelForm):
    """Held to data ownership like a descriptor: refused on another domain's (or product's) location."""

    def clean(self):
        cleaned = super().clean()
        product = self.instance.product if self.instance.product_id else cleaned.get("product")
        if product is not None and any(f in self.changed_data for f in ("location", "server_type", "server")):
            edited = copy.copy(self.instance)  # as it would be saved (the instance is filled after clean)
            for name in ("location", "server_type", "server"):
                if name in cleaned:
                    setattr(edited, name, cleaned[name])
            for problem in locations.location_problems(edited, product):
                self.add_error("location", problem)
        return cleaned


class OutputPortInline(NormalisedText, admin.StackedInline):
    form = OutputPortForm
    model = OutputPort
    extra = 0
    show_change_link = True
    autocomplete_fields = ["contract"]
    fields = [
        ("name", "version", "kind", "format"), "description", ("location", "server_type"),
        ("contract", "contract_ref", "schema_object"), "profile_schedule_hours",
    ]


class InputPortInline(LabelledCells, NormalisedText, admin.TabularInline):
    model = InputPort
    fk_name = "product"
    extra = 0
    autocomplete_fields = ["source_port"]
    fields = ["name", "version", "contract_ref", "source_port"]


class ProductTeamMemberInline(LabelledCells, NormalisedText, admin.TabularInline):
    model = ProductTeamMember
    extra = 0
    autocomplete_fields = ["user"]


class DataProductForm(forms.ModelForm):
    support = SupportRowsField(required=False, label="Support channels",
                               help_text="Where consumers get help: a chat channel, a ticket queue, an e-mail.")

    class Meta:
        model = DataProduct
        fields = "__all__"  # noqa: DJ007 -- the admin's fieldsets choose what is shown


@admin.register(DataProduct)
class DataProductAdmin(ProductChangeAdmin):
    """Columns that fit a laptop screen; internal bookkeeping (search and contract flags, hashes) never shown."""

    form = DataProductForm
    list_display = ["identifier", "domain", "status", "visibility", "quality", "updated"]
    list_display_links = ["identifier"]
    list_filter = ["status", "visibility", "domain", "tags"]
    search_fields = ["identifier", "name", "description", "external_id", "team_name"]
    list_select_related = ["domain"]
    autocomplete_fields = ["domain"]  # tags: a plain labelled multiple choice (select2's multi-select fails axe)
    readonly_fields = ["identifier", "page_link", "quality_score", "usage_count", "created", "updated"]
    date_hierarchy = "updated"
    inlines = [ProductTeamMemberInline, OutputPortInline, InputPortInline]
    fieldsets = [
        (None, {"fields": [
            ("domain", "slug"), ("identifier", "page_link"), "external_id", "name", ("status", "visibility", "version"),
            "tags",
        ]}),
        ("Description", {"fields": ["description", "purpose", "limitations", "usage"]}),
        ("Team and support", {"fields": ["team_name", "support"]}),
        ("Service levels", {"fields": [("freshness_slo_hours", "availability_slo")]}),
        ("Measured (read-only)", {"classes": ["collapse"], "fields": [
            ("quality_score", "usage_count"), ("created", "updated"),
        ]}),
        ("Descriptor", {"classes": ["collapse"], "fields": ["custom_properties", "descriptor"]}),
    ]

    @admin.display(description="quality", ordering="quality_score")
    def quality(self, product) -> str:
        return "—" if product.quality_score is None else f"{product.quality_score:.0f}"

    deletes_products = True  # and creates them: the product itself is the admin's object
    edit_service, edit_service_arg = staticmethod(edits.product_edit), "product"

    def changed_product_ids(self, obj) -> list[int]:
        return [obj.pk]

    def changed_port_ids(self, obj) -> list[int]:  # the ports inline is where data and contracts change
        return list(obj.output_ports.values_list("pk", flat=True))

    @admin.display(description="page")
    def page_link(self, product) -> str:
        if not product.pk:
            return "—"
        return format_html('<a href="{}">{}</a>', product.get_absolute_url(), product.get_absolute_url())


@admin.register(ProductTeamMember)
class ProductTeamMemberAdmin(ProductChangeAdmin):
    list_display = ["username", "name", "role", "product", "user"]
    list_filter = ["role", "product__domain"]
    search_fields = ["username", "name", "role", "product__identifier"]
    autocomplete_fields = ["product", "user"]
    list_select_related = ["product", "user"]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["external_id", "name", "version", "status", "domain", "updated"]
    list_filter = ["status", "domain", "api_version"]
    search_fields = ["external_id", "name"]
    autocomplete_fields = ["domain"]
    list_select_related = ["domain"]
    readonly_fields = ["document_hash", "created", "updated"]


class ColumnInline(LabelledCells, admin.TabularInline):
    model = Column
    extra = 0
    fields = [
        "position", "name", "logical_type", "physical_type", "classification", "required", "unique",
        "primary_key", "critical", "observed", "description",
    ]


@admin.register(OutputPort)
class OutputPortAdmin(ProductChangeAdmin):
    form = OutputPortForm
    edit_service, edit_service_arg = staticmethod(edits.output_port_edit), "port"
    list_display = ["__str__", "kind", "format", "location", "contract", "column_total"]
    list_filter = ["kind", "format", "server_type", "product__domain"]
    search_fields = ["name", "product__identifier", "location", "contract_ref"]
    autocomplete_fields = ["product", "contract"]
    list_select_related = ["product", "contract"]
    inlines = [ColumnInline]

    def changed_port_ids(self, obj) -> list[int]:
        return [obj.pk]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(column_total=Count("columns"))

    @admin.display(description="columns", ordering="column_total")
    def column_total(self, port) -> int:
        return port.column_total


@admin.register(InputPort)
class InputPortAdmin(ProductChangeAdmin):
    list_display = ["__str__", "contract_ref", "source_link"]
    list_filter = ["product__domain"]
    search_fields = ["name", "product__identifier", "contract_ref"]
    autocomplete_fields = ["product", "source_port"]
    list_select_related = ["product", "source_port__product"]

    @admin.display(description="source")
    def source_link(self, port) -> str:
        if port.source_port is None:
            return "unresolved"
        url = reverse("admin:catalog_outputport_change", args=[port.source_port_id])
        return format_html('<a href="{}">{}</a>', url, port.source_port)


@admin.register(Column)
class ColumnAdmin(ProductChangeAdmin):
    list_display = ["name", "port", "logical_type", "classification", "required", "primary_key", "critical", "observed"]
    list_filter = ["classification", "critical", "required", "observed", "port__product__domain"]
    search_fields = ["name", "description", "port__product__identifier"]
    autocomplete_fields = ["port"]
    list_select_related = ["port__product"]

    def changed_product_ids(self, obj) -> list[int]:
        return [obj.port.product_id]


from catalog import admin_people  # noqa: E402, F401 -- users, groups and API tokens, for stewards
