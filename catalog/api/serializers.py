"""Read serializers for domains and data products (the write side lives in ``publish``).

Restricted products: everyone who may see one learns its name, domain, description and whom
to ask; columns, locations, servers and contracts go only to its domain's team and stewards.
"""
from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from catalog import selectors
from catalog.models import Column, DataProduct, Domain, InputPort, OutputPort, ProductTeamMember
from catalog.visibility import Viewer
from standards import servers


def _viewer(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def _absolute(serializer, path: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request else path


class DomainSerializer(serializers.ModelSerializer):
    product_count = serializers.IntegerField(read_only=True, help_text="Listed products visible to you.")
    owners = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    api_url = serializers.HyperlinkedIdentityField(view_name="api-domain-detail", lookup_field="slug")

    class Meta:
        model = Domain
        fields = ["slug", "name", "description", "product_count", "owners", "members", "url", "api_url"]

    def get_owners(self, domain) -> list[str]:
        return selectors.domain_team(domain).owners

    def get_members(self, domain) -> list[str]:
        return selectors.domain_team(domain).members

    def get_url(self, domain) -> str:
        return _absolute(self, domain.get_absolute_url())


class ProductSerializer(serializers.ModelSerializer):
    """A product as listed: enough to choose it, and to know whom to ask."""

    domain = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    owners = serializers.SerializerMethodField()
    description_html = serializers.CharField(read_only=True, help_text="The description as sanitised HTML.")
    details_hidden = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    api_url = serializers.HyperlinkedIdentityField(view_name="api-product-detail", lookup_field="identifier")

    class Meta:
        model = DataProduct
        fields = [
            "identifier", "name", "domain", "status", "version", "visibility", "tags", "owners",
            "quality_score", "description", "description_html", "details_hidden", "url", "api_url",
            "updated",
        ]
        read_only_fields = fields

    def get_owners(self, product) -> list[str]:
        return selectors.product_owners(product)

    def get_details_hidden(self, product) -> bool:
        return not Viewer.of(_viewer(self)).reads(product)

    def get_url(self, product) -> str:
        return _absolute(self, product.get_absolute_url())


class ColumnSerializer(serializers.ModelSerializer):
    class Meta:
        model = Column
        fields = [
            "name", "position", "logical_type", "physical_type", "description", "required", "unique",
            "primary_key", "classification", "critical",
        ]


class ContractRefSerializer(serializers.Serializer):
    id = serializers.CharField(source="external_id")
    name = serializers.CharField()
    version = serializers.CharField()
    status = serializers.CharField()


class OutputPortSerializer(serializers.ModelSerializer):
    """An output port in full; for a restricted product outsiders get only the first five fields."""

    contract = ContractRefSerializer(read_only=True, allow_null=True)
    columns = ColumnSerializer(many=True, read_only=True)
    status = serializers.SerializerMethodField(help_text="ok, contract_pending or not_profiled.")
    status_reason = serializers.SerializerMethodField(help_text="Why, in words: e.g. not profiled: Meshport cannot read azure.")

    class Meta:
        model = OutputPort
        fields = [
            "name", "version", "kind", "description", "format", "location", "server_type", "server",
            "contract", "contract_ref", "schema_object", "columns", "status", "status_reason",
        ]

    def get_status(self, port) -> str:
        return servers.port_status(port)[0]

    def get_status_reason(self, port) -> str:
        return servers.port_status(port)[1]


class OutputPortSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = OutputPort
        fields = ["name", "version", "kind", "description", "format"]


class SourceSerializer(serializers.Serializer):
    identifier = serializers.CharField(source="product.identifier")
    name = serializers.CharField(source="product.name")
    port = serializers.CharField(source="name")
    port_version = serializers.CharField(source="version")


class InputPortSerializer(serializers.ModelSerializer):
    source = serializers.SerializerMethodField(help_text="The output port it resolves to, if you may see it.")

    class Meta:
        model = InputPort
        fields = ["name", "version", "contract_ref", "source"]

    @extend_schema_field(SourceSerializer(allow_null=True))
    def get_source(self, port):
        if port.source_port is None or port.source_port.product_id not in self.context["visible_sources"]:
            return None
        data = SourceSerializer(port.source_port).data
        data["api_url"] = _absolute(
            self, reverse("api-product-detail", args=[port.source_port.product.identifier])
        )
        return data


class ConsumerSerializer(serializers.ModelSerializer):
    api_url = serializers.HyperlinkedIdentityField(view_name="api-product-detail", lookup_field="identifier")

    class Meta:
        model = DataProduct
        fields = ["identifier", "name", "api_url"]


class TeamMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductTeamMember
        fields = ["username", "name", "role"]


class SLOSerializer(serializers.Serializer):
    freshness_hours = serializers.FloatField(source="freshness_slo_hours", allow_null=True)
    availability_percent = serializers.FloatField(source="availability_slo", allow_null=True)


class ProductDetailSerializer(ProductSerializer):
    """A product with everything a consumer needs to judge it (details only where allowed)."""

    team = TeamMemberSerializer(source="team_members", many=True, read_only=True)
    slos = SLOSerializer(source="*", read_only=True)
    output_ports = serializers.SerializerMethodField()
    input_ports = serializers.SerializerMethodField()
    consumers = serializers.SerializerMethodField(help_text="Products that read this one's output ports.")
    restricted_inputs = serializers.SerializerMethodField(
        help_text="Identifiers of the restricted products this one is built from.")

    class Meta(ProductSerializer.Meta):
        fields = ProductSerializer.Meta.fields + [
            "purpose", "limitations", "usage", "team_name", "team", "support", "slos", "flags",
            "output_ports", "input_ports", "consumers", "restricted_inputs",
        ]
        read_only_fields = fields

    @extend_schema_field(OutputPortSerializer(many=True))
    def get_output_ports(self, product):
        ports = product.output_ports.all()
        if Viewer.of(_viewer(self)).reads(product):
            return OutputPortSerializer(ports, many=True, context=self.context).data
        return OutputPortSummarySerializer(ports, many=True, context=self.context).data

    def get_restricted_inputs(self, product) -> list[str]:
        return [source.identifier for source in selectors.restricted_sources(product)]

    @extend_schema_field(InputPortSerializer(many=True))
    def get_input_ports(self, product):
        visible = selectors.visible_source_ids(user=_viewer(self), product=product)
        context = {**self.context, "visible_sources": visible}
        return InputPortSerializer(product.input_ports.all(), many=True, context=context).data

    @extend_schema_field(ConsumerSerializer(many=True))
    def get_consumers(self, product):
        consumers = selectors.product_consumers(user=_viewer(self), product=product)
        return ConsumerSerializer(consumers, many=True, context=self.context).data
