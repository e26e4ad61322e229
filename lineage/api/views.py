"""Lineage API: Marquez-compatible OpenLineage ingestion, graph queries and impact analysis."""
from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import DataProduct
from lineage.models import Dataset
from lineage.selectors import graph
from lineage.selectors.impact import product_impact
from lineage.services.ingestion import LineageEventError, lineage_event_ingest, lineage_events_ingest


def _invalid(exc: LineageEventError) -> Response:
    return Response(
        {"detail": "Invalid OpenLineage event.", "errors": [e.as_dict() for e in exc.errors]},
        status=status.HTTP_400_BAD_REQUEST,
    )


class LineageEventView(APIView):
    """``POST /api/v1/lineage``: one RunEvent, JobEvent or DatasetEvent (OpenLineage 2-0-2)."""

    permission_classes = [permissions.IsAuthenticated]

    def post(self, request):
        try:
            lineage_event_ingest(event=_body(request))
        except LineageEventError as exc:
            return _invalid(exc)
        return Response(status=status.HTTP_201_CREATED)


class LineageBatchView(APIView):
    """``POST /api/v1/lineage/batch``: a JSON array of events, stored all together or not at all."""

    permission_classes = [permissions.IsAuthenticated]

    def post(self, request):
        try:
            events = _body(request)
            if not isinstance(events, list):
                raise LineageEventError([_root_error("Send a JSON array of OpenLineage events.")])
            results = lineage_events_ingest(events=events)
        except LineageEventError as exc:
            return _invalid(exc)
        return Response(
            {"received": len(results), "created": sum(r.created for r in results)}, status=status.HTTP_201_CREATED
        )


def _body(request):
    try:
        return request.data
    except ParseError as exc:
        raise LineageEventError([_root_error(f"The body is not JSON: {exc.detail}")]) from exc


def _root_error(message: str):
    from lineage.openlineage import FieldError

    return FieldError("$", message)


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


class LineageGraphView(APIView):
    """``GET /api/lineage/?node=&direction=&depth=&level=`` → ``{nodes, edges, truncated}``."""

    def get(self, request):
        query = GraphQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        try:
            result = _graph(params, request.user)
        except graph.NodeNotFound as exc:
            raise serializers.ValidationError({"node": str(exc)}) from exc
        # Graphs can hold thousands of nodes: send the JSON as built, skipping the renderer's second pass.
        return HttpResponse(result.to_json(), content_type="application/json")


def _graph(params: dict, viewer) -> graph.Graph:
    limits = {"direction": params["direction"], "depth": params["depth"], "max_nodes": params["max_nodes"]}
    if not params["node"]:
        return graph.product_graph(seeds=None, viewer=viewer, **limits)
    node = graph.resolve_node(params["node"], viewer=viewer)
    datasets = [node.pk] if isinstance(node, Dataset) else list(node.lineage_datasets.values_list("pk", flat=True))
    if params["level"] == "product":
        product_id = node.pk if isinstance(node, DataProduct) else node.product_id
        if product_id is None:
            raise graph.NodeNotFound(f"{params['node']} belongs to no product; ask for level=dataset.")
        return graph.product_graph(seeds=[product_id], viewer=viewer, **limits)
    if params["level"] == "dataset":
        return graph.dataset_graph(seeds=datasets, fanout=params["fanout"], **limits)
    return graph.column_graph(seeds=graph.column_seeds(datasets, params["column"]), **limits)


class ImpactView(APIView):
    """``GET /api/products/<identifier>/impact/?column=``: downstream products by domain, with owners."""

    def get(self, request, identifier: str):
        product = get_object_or_404(DataProduct.objects.visible_to(request.user), identifier=identifier)
        column = request.query_params.get("column", "").strip()
        return Response(product_impact(product=product, column=column, viewer=request.user))
