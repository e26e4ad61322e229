"""Product filters for the listing (API and pages): domain, tag, status, format, owner, visibility, PII.

``format`` is the name search uses too; DRF's own ``?format=`` (renderer override) is switched
off in settings (``URL_FORMAT_OVERRIDE``) so that the parameter reaches the filters.
"""
from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q

from catalog.models import Column, DataProduct, DomainMembership, OutputPort, ProductTeamMember, Tag
from catalog.visibility import Viewer
from meshport.filters import StrictBooleanFilter


class ProductFilter(django_filters.FilterSet):
    """Each filter narrows with ``EXISTS`` so no product is listed twice."""

    domain = django_filters.CharFilter(field_name="domain__slug", help_text="Domain slug.")
    tag = django_filters.CharFilter(method="filter_tag", help_text="Tag name.")
    status = django_filters.ChoiceFilter(choices=DataProduct.Status.choices)
    visibility = django_filters.ChoiceFilter(choices=DataProduct.Visibility.choices)
    format = django_filters.CharFilter(
        method="filter_format", help_text="A port format (csv, parquet, jsonl, table, json, avro …)."
    )
    owner = django_filters.CharFilter(
        method="filter_owner",
        help_text="Username of a product team member, or of an owner of the product's domain.",
    )
    has_pii = StrictBooleanFilter(
        method="filter_has_pii", help_text="Any column of the product is classified PII."
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("identifier", "identifier"),
            ("name", "name"),
            ("updated", "updated"),
            ("quality_score", "quality_score"),
            ("status", "status"),
        )
    )

    class Meta:
        model = DataProduct
        fields = ["domain", "tag", "status", "visibility", "format", "owner", "has_pii"]

    def __init__(self, data=None, queryset=None, *, viewer=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        # Column classifications are details: a restricted product's stay hidden from outsiders.
        self.viewer = viewer if viewer is not None else getattr(self.request, "user", None)

    def filter_tag(self, queryset, name, value):
        return queryset.filter(Exists(Tag.objects.filter(products=OuterRef("pk"), name=value)))

    def filter_format(self, queryset, name, value):
        return queryset.filter(Exists(OutputPort.objects.filter(product=OuterRef("pk"), format__iexact=value)))

    def filter_owner(self, queryset, name, value):
        on_team = ProductTeamMember.objects.filter(product=OuterRef("pk")).filter(
            Q(username=value) | Q(user__username=value)
        )
        owns_domain = DomainMembership.objects.filter(
            domain=OuterRef("domain"), user__username=value, role=DomainMembership.Role.OWNER
        )
        return queryset.filter(Exists(on_team) | Exists(owns_domain))

    def filter_has_pii(self, queryset, name, value):
        pii = Exists(
            Column.objects.filter(port__product=OuterRef("pk"), classification=Column.Classification.PII)
        )
        return queryset.filter(Viewer.of(self.viewer).reads_q()).filter(pii if value else ~pii)
