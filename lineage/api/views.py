"""Lineage API: Marquez-compatible OpenLineage ingestion, graph queries and impact analysis."""
from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiRequest,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import DataProduct
from lineage.api.serializers import (
    BATCH_SCHEMA,
    EVENT_EXAMPLE,
    EVENT_SCHEMA,
    GraphQuery,
    LineageBatchResultSerializer,
    LineageErrorSerializer,
    LineageGraphSerializer,
    ProductImpactSerializer,
)
from lineage.models import Dataset
from lineage.selectors import graph
from lineage.selectors.impact import product_impact
from lineage.services.ingestion import LineageEventError, lineage_event_ingest, lineage_events_ingest

_INVALID = "The body is not JSON or does not follow the OpenLineage spec; every failing field is named."


def _invalid(exc: LineageEventError) -> Response:
    return Response(
        {"detail": "Invalid OpenLineage event.", "errors": [e.as_dict() for e in exc.errors]},
        status=status.HTTP_400_BAD_REQUEST,
    )


class LineageEventView(APIView):
    """``POST /api/v1/lineage``: one RunEvent, JobEvent or DatasetEvent (OpenLineage 2-0-2)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="openlineage_event_create",
        summary="Ingest one OpenLineage event",
        request={"application/json": OpenApiRequest(
            EVENT_SCHEMA, examples=[OpenApiExample("RunEvent", value=EVENT_EXAMPLE)]
        )},
        responses={
            201: OpenApiResponse(description="Stored; an event sent again is accepted and changes nothing."),
            400: OpenApiResponse(LineageErrorSerializer, description=_INVALID),
        },
    )
    def post(self, request):
        try:
            lineage_event_ingest(event=_body(request))
        except LineageEventError as exc:
            return _invalid(exc)
        return Response(status=status.HTTP_201_CREATED)


class LineageBatchView(APIView):
    """``POST /api/v1/lineage/batch``: a JSON array of events, stored all together or not at all."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="openlineage_batch_create",
        summary="Ingest a batch of OpenLineage events",
        request={"application/json": OpenApiRequest(
            BATCH_SCHEMA, examples=[OpenApiExample("One RunEvent", value=[EVENT_EXAMPLE])]
        )},
        responses={
            201: LineageBatchResultSerializer,
            400: OpenApiResponse(LineageErrorSerializer, description=_INVALID + " Paths start with the event's index."),
        },
    )
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


class LineageGraphView(APIView):
    """``GET /api/lineage/?node=&direction=&depth=&level=`` → ``{nodes, edges, truncated}``."""

    @extend_schema(
        operation_id="lineage_graph",
        summary="Lineage graph around a product, dataset or column",
        parameters=[
            OpenApiParameter("node", OpenApiTypes.STR, description=(
                "Where to start: a product identifier or a dataset `namespace:name`. Empty: the whole "
                "product graph (level=product only).")),
            OpenApiParameter("direction", OpenApiTypes.STR, enum=list(graph.DIRECTIONS), default="both",
                             description="Follow lineage upstream, downstream or both ways."),
            OpenApiParameter("depth", OpenApiTypes.INT, default=3,
                             description=f"Hops to follow, 0 to {graph.MAX_DEPTH}."),
            OpenApiParameter("level", OpenApiTypes.STR, enum=list(graph.LEVELS), default="product",
                             description="Granularity of the nodes: products, datasets or columns."),
            OpenApiParameter("column", OpenApiTypes.STR, description=(
                "level=column only: start from this column of the node's datasets (default: all their columns).")),
            OpenApiParameter("max_nodes", OpenApiTypes.INT, default=graph.DEFAULT_MAX_NODES,
                             description=f"Cap on the nodes returned, 1 to {graph.DEFAULT_MAX_NODES}; "
                                         "`truncated` tells when it was reached."),
            OpenApiParameter("fanout", OpenApiTypes.INT, default=graph.DEFAULT_FANOUT,
                             description="level=dataset: a node with more edges than this in the walk's "
                                         "direction is returned collapsed, not expanded."),
        ],
        responses={
            200: LineageGraphSerializer,
            400: OpenApiResponse(LineageErrorSerializer, description="Invalid parameters, or no such node."),
        },
    )
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

    @extend_schema(
        operation_id="product_impact",
        summary="Products downstream of a product (or of one of its columns), and whom to tell",
        parameters=[
            OpenApiParameter("column", OpenApiTypes.STR, description=(
                "Only what derives from this column of the product's datasets (products depending on the "
                "whole product are still listed, `via: product`).")),
        ],
        responses={200: ProductImpactSerializer, 404: OpenApiResponse(description="No such product visible to you.")},
    )
    def get(self, request, identifier: str):
        product = get_object_or_404(DataProduct.objects.visible_to(request.user), identifier=identifier)
        column = request.query_params.get("column", "").strip()
        return Response(product_impact(product=product, column=column, viewer=request.user))
