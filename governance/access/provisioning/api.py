"""Provisioning API: platforms report back; grantees download a file port and read a masked sample.

- ``POST /api/access-grants/<id>/provisioning/`` ``{state, reference?, diagnostics?, port?}``: a
  platform that accepted a webhook says how it ended (token of a ``provisioners`` member or steward).
- ``GET /api/products/<identifier>/ports/<name>/download/``: the port's file, streamed.
- ``GET /api/products/<identifier>/ports/<name>/sample/?rows=20``: up to 100 rows as JSON,
  sensitive columns masked (``selectors.masked_columns``).

Both data endpoints answer 401 to anonymous callers, 404 for a product or port they may not
know, 403 when they may not take its data (``selectors.data_access``) and 409 for a port
Meshport does not serve itself (read it on its platform: see the connection snippets).
"""
from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import OutputPort
from governance.access.api.views import ERRORS, Conflict, known_product, run
from governance.access.models import AccessGrant
from governance.access.provisioning import selectors
from governance.access.provisioning.services import REPORTABLE, provisioning_report
from profiling.errors import ProfilingError
from profiling.locations import safe_path

SAMPLE_DEFAULT_ROWS, SAMPLE_MAX_ROWS = 20, 100


class ReportSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=sorted(REPORTABLE))
    reference = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    diagnostics = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    port = serializers.CharField(required=False, allow_blank=True, max_length=200, default="",
                                 help_text="The port reported on, when the grant covers several.")


class ProvisioningSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    grant = serializers.IntegerField(source="grant_id")
    port = serializers.CharField(source="target.port_name")
    provisioner = serializers.CharField()
    action = serializers.CharField()
    state = serializers.CharField()
    reference = serializers.CharField()
    diagnostics = serializers.CharField()
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)


class SampleSerializer(serializers.Serializer):
    product = serializers.CharField()
    port = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    masked = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField())


class GrantProvisioningReportView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=ReportSerializer, responses={200: ProvisioningSerializer, **ERRORS})
    def post(self, request, pk: int):
        data = ReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = get_object_or_404(AccessGrant, pk=pk)
        row = run(provisioning_report, grant=grant, actor=request.user, state=data.validated_data["state"],
                  reference=data.validated_data["reference"], diagnostics=data.validated_data["diagnostics"],
                  port_name=data.validated_data["port"])
        return Response(ProvisioningSerializer(row).data)


def port_for_data(request, identifier: str, port_name: str) -> OutputPort:
    """The named port, if the caller may take its data through Meshport; else the right 4xx."""
    if not request.user.is_authenticated:
        raise exceptions.NotAuthenticated("Sign in to take data.")
    port = _port(known_product(request, identifier), port_name)
    access = selectors.data_access(request.user, port)
    if not access.allowed:
        raise exceptions.PermissionDenied(access.reason)
    if not selectors.served_by_meshport(port):
        raise Conflict(f"Meshport does not serve {port.server_type or port.kind} ports itself: read this port on its "
                       "platform (see the connection snippets).")
    return port


def _port(product, label: str) -> OutputPort:
    """``name`` (its newest version) or ``name@version``."""
    name, _, version = label.partition("@")
    ports = product.output_ports.select_related("product__domain", "contract").filter(name=name)
    port = (ports.filter(version=version) if version else ports).order_by("-created", "-pk").first()
    if port is None:
        raise exceptions.NotFound(f"{product.identifier} has no output port {label!r}.")
    return port


DATA_ERRORS = {401: ERRORS[401], 403: ERRORS[403], 404: ERRORS[404],
               409: OpenApiResponse(description="Not a port Meshport serves, or its file is not in its domain's "
                                                "data folders.")}


class PortDownloadView(APIView):
    permission_classes = [permissions.AllowAny]  # port_for_data answers 401/403 with the reason

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(description="The port's file."),
                              **DATA_ERRORS})
    def get(self, request, identifier: str, port_name: str):
        port = port_for_data(request, identifier, port_name)
        path = _checked_path(port)
        try:
            handle = path.open("rb")  # checked by profiling's safe path: under a data root, symlinks resolved
        except FileNotFoundError as exc:
            raise exceptions.NotFound(f"The file of port {port.name!r} is missing.") from exc
        return FileResponse(handle, as_attachment=True, filename=path.name)


def _checked_path(port: OutputPort):
    from catalog.locations import port_refusal

    refusal = port_refusal(port)  # data belongs to a domain, whoever wrote the port
    if refusal:
        raise Conflict(refusal)
    try:
        path = safe_path(port.location or port.server.get("path", ""))
    except ProfilingError as exc:
        raise Conflict(str(exc)) from exc
    if not path.is_file():
        raise exceptions.NotFound(f"The file of port {port.name!r} is missing.")
    return path


class PortSampleView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[OpenApiParameter("rows", int, description=f"1–{SAMPLE_MAX_ROWS}, default "
                                                                          f"{SAMPLE_DEFAULT_ROWS}.")],
                   responses={200: SampleSerializer, 400: ERRORS[400], **DATA_ERRORS})
    def get(self, request, identifier: str, port_name: str):
        limit = _rows(request.query_params.get("rows"))
        port = port_for_data(request, identifier, port_name)
        _checked_path(port)
        try:
            sample = selectors.port_sample(port, request.user, limit=limit)
        except ProfilingError as exc:
            raise Conflict(f"Cannot read port {port.name!r}: {exc}") from exc
        return Response(SampleSerializer({"product": port.product.identifier, "port": port.name, **sample}).data)


def _rows(value) -> int:
    if value in (None, ""):
        return SAMPLE_DEFAULT_ROWS
    try:
        rows = int(value)
    except (TypeError, ValueError):
        rows = 0
    if not 1 <= rows <= SAMPLE_MAX_ROWS:
        raise exceptions.ValidationError({"rows": [f"rows must be a whole number from 1 to {SAMPLE_MAX_ROWS}."]})
    return rows
