"""Shapes of the lineage API, for the OpenAPI document.

The views build their bodies directly (graphs are spliced from JSON the database renders), so these
serializers only describe them; ``GraphQuery`` is the one that also reads input.
"""
from __future__ import annotations

from rest_framework import serializers

from lineage.selectors import graph

EVENT_DESCRIPTION = (
    "One OpenLineage 2-0-2 event: a RunEvent (has `run`), a JobEvent (has `job`, no `run`) or a "
    "DatasetEvent (has `dataset`), exactly as the OpenLineage client sends it; facets are kept as given. "
    "See https://openlineage.io/spec/2-0-2/OpenLineage.json."
)
EVENT_EXAMPLE = {
    "eventType": "COMPLETE",
    "eventTime": "2026-01-15T06:00:00Z",
    "producer": "https://github.com/OpenLineage/OpenLineage/tree/1.24.2/integration/airflow",
    "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    "run": {"runId": "0193f1c2-7a4e-7c3b-9a4e-2f1d6b8c9e01"},
    "job": {"namespace": "airflow", "name": "sales.build_orders"},
    "inputs": [{"namespace": "postgres://erp:5432", "name": "erp.public.orders"}],
    "outputs": [{"namespace": "s3://lake", "name": "sales/orders"}],
}
OWNER_SOURCES = ("product team", "domain", "openlineage")
IMPACT_VIA = ("column", "product")
# Raw OpenAPI schemas: events are free-form JSON objects validated against the OpenLineage spec.
EVENT_SCHEMA = {"type": "object", "additionalProperties": True, "description": EVENT_DESCRIPTION}
BATCH_SCHEMA = {
    "type": "array",
    "items": EVENT_SCHEMA,
    "description": "OpenLineage events, stored all together or, if any is invalid, not at all.",
}


class GraphQuery(serializers.Serializer):
    node = serializers.CharField(required=False, allow_blank=True, default="")
    direction = serializers.ChoiceField(graph.DIRECTIONS, default="both")
    depth = serializers.IntegerField(min_value=0, max_value=graph.MAX_DEPTH, default=3)
    level = serializers.ChoiceField(graph.LEVELS, default="product")
    column = serializers.CharField(required=False, allow_blank=True, default="")
    max_nodes = serializers.IntegerField(min_value=1, max_value=graph.DEFAULT_MAX_NODES,
                                         default=graph.DEFAULT_MAX_NODES)
    fanout = serializers.IntegerField(min_value=1, max_value=graph.DEFAULT_MAX_NODES, default=graph.DEFAULT_FANOUT)

    def validate(self, attrs):
        if attrs["level"] != "product" and not attrs["node"]:
            raise serializers.ValidationError({"node": "Name a product or a dataset (namespace:name)."})
        return attrs


class LineageFieldErrorSerializer(serializers.Serializer):
    path = serializers.CharField(help_text="Where the problem is, e.g. `[2].run.runId` or `node`.")
    message = serializers.CharField()


class LineageErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = LineageFieldErrorSerializer(many=True)


class IgnoredFacetSerializer(serializers.Serializer):
    path = serializers.CharField(help_text="Where the facet is, e.g. `inputs[0].inputFacets.dataQualityAssertions`.")
    dataset = serializers.CharField(help_text="The dataset's `namespace:name`.")
    product = serializers.CharField(help_text="The product the dataset belongs to.")
    reason = serializers.CharField()


IGNORED_HELP = ("Facets that change trust (reported quality, ownership, schema) on datasets of products in domains "
                "this producer may not write: kept with the event, they change no score, owner or column.")


GRAPH_HELP = ("`applied`: the event is in the graph; `pending`: stored, a worker adds it to the graph shortly "
              "(its status address says when, and lists its ignored facets then).")


class LineageEventResultSerializer(serializers.Serializer):
    ignored = IgnoredFacetSerializer(many=True, help_text=IGNORED_HELP + " Empty while the graph is pending.")
    graph = serializers.ChoiceField(["applied", "pending"], help_text=GRAPH_HELP)
    status = serializers.URLField(help_text="The event's status address.")


class LineageBatchResultSerializer(serializers.Serializer):
    received = serializers.IntegerField(help_text="Events in the batch.")
    created = serializers.IntegerField(help_text="Events not seen before (re-sent events change nothing).")
    ignored = IgnoredFacetSerializer(many=True, help_text=IGNORED_HELP + " Empty while the graph is pending.")
    graph = serializers.ChoiceField(["applied", "pending"], help_text=GRAPH_HELP)
    status = serializers.ListField(child=serializers.URLField(), help_text="Each event's status address, in order.")


class LineageEventStatusSerializer(serializers.Serializer):
    digest = serializers.CharField(help_text="SHA-256 of the event as sent (keys sorted): re-sending it is a no-op.")
    graph = serializers.ChoiceField(["applied", "pending"], help_text=GRAPH_HELP)
    received = serializers.DateTimeField()
    ignored = IgnoredFacetSerializer(many=True, help_text=IGNORED_HELP)


class LineageGraphNodeSerializer(serializers.Serializer):
    """A node; which optional fields it carries depends on its ``kind``."""

    id = serializers.CharField(
        help_text="Product identifier, dataset `namespace:name`, or column `namespace:name#column`."
    )
    kind = serializers.ChoiceField(graph.LEVELS)
    label = serializers.CharField()
    depth = serializers.IntegerField(help_text="Hops from the asked node: negative upstream, positive downstream.")
    product = serializers.CharField(allow_null=True, help_text="Identifier of the product the node belongs to.")
    domain = serializers.CharField(allow_null=True, help_text="Slug of the product's domain.")
    domain_name = serializers.CharField(required=False, help_text="Product nodes only.")
    datasets = serializers.IntegerField(required=False, help_text="Product nodes only: datasets it stands for.")
    url = serializers.CharField(required=False, help_text="Product nodes only: the product's page.")
    namespace = serializers.CharField(required=False, help_text="Dataset nodes only.")
    dataset = serializers.CharField(required=False, help_text="Column nodes only: the dataset's `namespace:name`.")
    restricted = serializers.BooleanField(required=False, help_text=(
        "A dataset of a product you may know of but not read: only its product and domain are given, its id "
        "is opaque and it has no columns. Datasets of products you may not know of are left out."))


class LineageGraphEdgeSerializer(serializers.Serializer):
    source = serializers.CharField(help_text="``id`` of the upstream node.")
    target = serializers.CharField(help_text="``id`` of the downstream node.")


class LineageGraphSerializer(serializers.Serializer):
    nodes = LineageGraphNodeSerializer(many=True)
    edges = LineageGraphEdgeSerializer(many=True)
    truncated = serializers.BooleanField(help_text="More nodes were reachable than ``max_nodes``.")


class ImpactColumnSerializer(serializers.Serializer):
    dataset = serializers.CharField(help_text="`namespace:name` of the dataset holding the column.")
    port = serializers.CharField(allow_null=True, help_text="The output port publishing that dataset.")
    column = serializers.CharField()
    depth = serializers.IntegerField()


class ImpactOwnerSerializer(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.CharField()
    source = serializers.ChoiceField(OWNER_SOURCES)


class ImpactedProductSerializer(serializers.Serializer):
    identifier = serializers.CharField()
    name = serializers.CharField()
    url = serializers.CharField()
    depth = serializers.IntegerField(allow_null=True, help_text="Hops downstream at product level, if reached so.")
    via = serializers.ChoiceField(IMPACT_VIA,
                                  help_text="`column`: derives from the asked column; `product`: depends on the "
                                            "product as a whole, so may break too.")
    columns = ImpactColumnSerializer(many=True)
    restricted = serializers.BooleanField(help_text="You may not read this product's columns: none are listed.")
    owners = ImpactOwnerSerializer(many=True)


class ImpactDomainSerializer(serializers.Serializer):
    domain = serializers.CharField(help_text="The domain's slug.")
    name = serializers.CharField()
    products = ImpactedProductSerializer(many=True)


class ProductImpactSerializer(serializers.Serializer):
    product = serializers.CharField()
    column = serializers.CharField(allow_null=True)
    domains = ImpactDomainSerializer(many=True)
    notify = serializers.ListField(child=serializers.CharField(), help_text="Usernames to tell.")
    truncated = serializers.BooleanField()
