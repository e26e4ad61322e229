"""``GET /api/audit/`` (cursor-paginated) and ``GET /api/audit/export/`` (streamed NDJSON or CSV).

Stewards read every event, domain owners those of their domains' subjects (``audit.access``);
everyone else is refused.
"""
from __future__ import annotations

import csv
import io
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, views

from audit.access import reader_scope
from audit.api.serializers import (
    EVENT_FIELDS,
    AuditEventSerializer,
    EventFilterSerializer,
    ExportFilterSerializer,
    event_outputs,
)
from audit.selectors import event_list
from meshport.pagination import CursorPagination

EXPORT_CHUNK = 2000


class CanReadAudit(permissions.IsAuthenticated):
    message = "Only stewards, and domain owners for their domains, may read the audit log."

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and reader_scope(request.user) != set()


class EventCursorPagination(CursorPagination):
    ordering = "-id"  # newest first; the cursor stays stable while events are appended
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def _filters(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)  # 400 naming each bad parameter
    return serializer.validated_data


class AuditEventListView(generics.ListAPIView):
    serializer_class = AuditEventSerializer
    permission_classes = [CanReadAudit]
    pagination_class = EventCursorPagination
    filter_backends: list = []

    @extend_schema(operation_id="audit_event_list", summary="Audit events, newest first",
                   parameters=[EventFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return event_list(user=self.request.user, filters=_filters(EventFilterSerializer, self.request))

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset().values(*EVENT_FIELDS))  # rows, not instances
        return self.get_paginated_response(list(event_outputs(page)))


class AuditExportView(views.APIView):
    permission_classes = [CanReadAudit]

    @extend_schema(operation_id="audit_export", summary="Export audit events (oldest first), streamed",
                   parameters=[ExportFilterSerializer],
                   responses={(200, "application/x-ndjson"): OpenApiResponse(OpenApiTypes.STR),
                              (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR)})
    def get(self, request):
        filters = _filters(ExportFilterSerializer, request)
        events = event_list(user=request.user, filters=filters).order_by("id").values(*EVENT_FIELDS)
        rows = event_outputs(events.iterator(chunk_size=EXPORT_CHUNK))
        if filters["format"] == "csv":
            response = StreamingHttpResponse(_csv(rows), content_type="text/csv; charset=utf-8")
        else:
            response = StreamingHttpResponse(_ndjson(rows), content_type="application/x-ndjson")
        response["Content-Disposition"] = f'attachment; filename="audit.{filters["format"]}"'
        return response


def _ndjson(rows):
    for row in rows:
        yield json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False) + "\n"


def _csv(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EVENT_FIELDS)
    for row in rows:
        writer.writerow([json.dumps(row["data"], ensure_ascii=False, sort_keys=True) if name == "data" else row[name]
                         for name in EVENT_FIELDS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
