"""Lineage API: Marquez-compatible OpenLineage ingestion, graph queries and impact analysis."""
from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
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
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from catalog.models import DataProduct
from lineage.api.serializers import (
    BATCH_SCHEMA,
    EVENT_EXAMPLE,
    EVENT_SCHEMA,
    GraphQuery,
    LineageBatchResultSerializer,
    LineageErrorSerializer,
    LineageEventResultSerializer,
    LineageEventStatusSerializer,
    LineageGraphSerializer,
    ProductImpactSerializer,
)
from lineage.models import LineageEvent
from lineage.openlineage import FieldError
from lineage.selectors import graph
from lineage.selectors.impact import ColumnsHidden, product_impact
from lineage.selectors.producers import producer_of
from lineage.services.ingestion import (
    Ingested,
    LineageEventError,
    lineage_event_ingest,
    lineage_events_ingest,
)
from meshport.exceptions import BodyRejected

_INVALID = "The body is not JSON or does not follow the OpenLineage spec; every failing field is named."
_FORBIDDEN = ("Posting lineage needs a lineage-producer role, for a domain or platform-wide; a steward grants it "
              "in admin (Lineage → Lineage producers).")


class IsLineageProducer(permissions.BasePermission):
    """Signed in, and a lineage producer (a role for some domain or platform-wide, or a steward)."""

    message = _FORBIDDEN

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        request.lineage_producer = producer_of(request.user)
        return request.lineage_producer.may_post


class OpenLineageThrottle(ScopedRateThrottle):
    """Per token (user), scope ``openlineage`` (``MESHPORT_OPENLINEAGE_RATE``), counted in the ``throttle``
    cache when there is one (shared by every process), else the default cache."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)  # per request: settings may change

    @property
    def cache(self):
        return caches["throttle" if "throttle" in settings.CACHES else "default"]


class _IngestView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsLineageProducer]
    throttle_classes = [OpenLineageThrottle]
    throttle_scope = "openlineage"

    def ingest(self, request, events, *, batch: bool) -> Ingested:
        ingest = lineage_events_ingest if batch else lineage_event_ingest
        kwargs = {"events": events} if batch else {"event": events}
        return ingest(producer=request.lineage_producer, posted_by=request.user, **kwargs)


def _ignored(done: Ingested) -> list[dict]:
    return [i.as_dict() for i in done.ignored]


def _invalid(exc: LineageEventError) -> Response:
    return Response(
        {"detail": "Invalid OpenLineage event.", "errors": [e.as_dict() for e in exc.errors]},
        status=status.HTTP_400_BAD_REQUEST,
    )


def _graph(done: Ingested) -> dict:
    """What the answer says of the graph: applied (in it now) or pending (a worker derives it shortly)."""
    return {"graph": "pending" if done.pending else "applied"}


def _status_url(request, digest: str) -> str:
    return request.build_absolute_uri(reverse("openlineage-event-status", args=[digest]))


def _answer(done: Ingested, body: dict) -> Response:
    return Response(body, status=status.HTTP_202_ACCEPTED if done.pending else status.HTTP_201_CREATED)


class LineageEventView(_IngestView):
    """``POST /api/v1/lineage``: one RunEvent, JobEvent or DatasetEvent (OpenLineage 2-0-2)."""

    @extend_schema(
        operation_id="openlineage_event_create",
        summary="Ingest one OpenLineage event",
        request={"application/json": OpenApiRequest(
            EVENT_SCHEMA, examples=[OpenApiExample("RunEvent", value=EVENT_EXAMPLE)]
        )},
        responses={
            201: OpenApiResponse(LineageEventResultSerializer, description=(
                "Stored and in the graph; an event sent again is accepted and changes nothing. `ignored` lists "
                "the facets kept with the event that change nothing (see the serializer).")),
            202: OpenApiResponse(LineageEventResultSerializer, description=(
                "Stored; a worker adds it to the graph shortly (`graph: pending`; with workers, "
                "`LINEAGE_GRAPH_DEFERRED`). `status` tells when it is in, and which facets were ignored.")),
            400: OpenApiResponse(LineageErrorSerializer, description=_INVALID),
            403: OpenApiResponse(description=_FORBIDDEN),
            429: OpenApiResponse(description="Too many events from this token; retry after the time it says."),
        },
    )
    def post(self, request):
        try:
            done = self.ingest(request, _body(request), batch=False)
        except LineageEventError as exc:
            return _invalid(exc)
        (result,) = done.results
        return _answer(done, {"ignored": _ignored(done), **_graph(done), "status": _status_url(request, result.digest)})


class LineageBatchView(_IngestView):
    """``POST /api/v1/lineage/batch``: a JSON array of events, stored all together or not at all."""

    @extend_schema(
        operation_id="openlineage_batch_create",
        summary="Ingest a batch of OpenLineage events",
        request={"application/json": OpenApiRequest(
            BATCH_SCHEMA, examples=[OpenApiExample("One RunEvent", value=[EVENT_EXAMPLE])]
        )},
        responses={
            201: OpenApiResponse(LineageBatchResultSerializer, description="Stored and in the graph."),
            202: OpenApiResponse(LineageBatchResultSerializer, description=(
                "Stored; a worker adds the events to the graph shortly (`graph: pending`); `status` has each "
                "event's status address, in the batch's order.")),
            400: OpenApiResponse(LineageErrorSerializer, description=_INVALID + " Paths start with the event's index."),
            403: OpenApiResponse(description=_FORBIDDEN),
            429: OpenApiResponse(description="Too many events from this token; retry after the time it says."),
        },
    )
    def post(self, request):
        try:
            events = _body(request)
            if not isinstance(events, list):
                raise LineageEventError([_root_error("Send a JSON array of OpenLineage events.")])
            done = self.ingest(request, events, batch=True)
        except LineageEventError as exc:
            return _invalid(exc)
        return _answer(done, {"received": len(done.results), "created": done.created, "ignored": _ignored(done),
                              **_graph(done), "status": [_status_url(request, r.digest) for r in done.results]})


class LineageEventStatusView(APIView):
    """``GET /api/v1/lineage/events/<digest>``: whether an accepted event is in the graph yet."""

    permission_classes = [permissions.IsAuthenticated, IsLineageProducer]

    @extend_schema(
        operation_id="openlineage_event_status",
        summary="Whether an accepted OpenLineage event is in the graph yet",
        responses={
            200: LineageEventStatusSerializer,
            403: OpenApiResponse(description=_FORBIDDEN),
            404: OpenApiResponse(description="No event with this digest (the address an ingestion answer gave)."),
        },
    )
    def get(self, request, digest: str):
        event = get_object_or_404(LineageEvent.objects.only("digest", "graph", "ignored", "received"), digest=digest)
        return Response(LineageEventStatusSerializer(event).data)


def _body(request):
    try:
        return request.data
    except BodyRejected as exc:  # read by the shared bounded parser: each error names its place
        raise LineageEventError([FieldError(e["path"] or "$", e["message"]) for e in exc.errors]) from exc
    except ParseError as exc:
        raise LineageEventError([_root_error(f"The body is not JSON: {exc.detail}")]) from exc


def _root_error(message: str):
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
            400: OpenApiResponse(LineageErrorSerializer, description="Invalid parameters."),
            404: OpenApiResponse(LineageErrorSerializer, description="No such node visible to you."),
        },
    )
    def get(self, request):
        query = GraphQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            result = graph.lineage_graph(**query.validated_data, viewer=request.user)
        except graph.NodeNotFound as exc:
            # Unknown, or not for this viewer to know of: one answer, so the two cannot be told apart.
            return Response({"detail": "Not found.", "errors": [{"path": "node", "message": str(exc)}]},
                            status=status.HTTP_404_NOT_FOUND)
        except graph.BadNode as exc:
            raise serializers.ValidationError({"node": str(exc)}) from exc
        # Graphs can hold thousands of nodes: send the JSON as built, skipping the renderer's second pass.
        return HttpResponse(result.to_json(), content_type="application/json")


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
        responses={200: ProductImpactSerializer,
                   403: OpenApiResponse(LineageErrorSerializer, description="`column` of a product whose columns "
                                                                            "you may not read."),
                   404: OpenApiResponse(description="No such product visible to you.")},
    )
    def get(self, request, identifier: str):
        product = get_object_or_404(DataProduct.objects.known_to(request.user), identifier=identifier)
        column = request.query_params.get("column", "").strip()
        try:
            return Response(product_impact(product=product, column=column, viewer=request.user))
        except ColumnsHidden as exc:
            return Response({"detail": str(exc), "errors": [{"path": "column", "message": str(exc)}]},
                            status=status.HTTP_403_FORBIDDEN)
