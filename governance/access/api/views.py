"""Access API views: each validates its input, calls one service or selector, and shapes the answer.

A service's ``AccessInvalid`` becomes 400 naming the field, ``AccessForbidden`` 403 and
``AccessConflict`` 409. A request only its requester, deciders and stewards may see is 404 to
everyone else when read; acting on it is 403 (not theirs to decide).
"""
from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import DataProduct, OutputPort
from governance.access import policy, selectors, services
from governance.access.api import serializers as s
from governance.access.errors import AccessConflict, AccessError, AccessForbidden
from governance.access.models import AccessGrant, AccessRequest

ERRORS = {400: OpenApiResponse(description="Bad input: `errors` name the field and the reason."),
          401: OpenApiResponse(description="Not signed in."),
          403: OpenApiResponse(description="Not yours to do."),
          404: OpenApiResponse(description="No such object, or you may not see it."),
          409: OpenApiResponse(description="Not in a state that allows it, or already asked for or granted.")}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def api_error(exc: AccessError) -> exceptions.APIException:
    if isinstance(exc, AccessConflict):
        return Conflict(exc.message)
    if isinstance(exc, AccessForbidden):
        return exceptions.PermissionDenied(exc.message)
    return exceptions.ValidationError({exc.field or "non_field_errors": [exc.message]})


def run(service, **kwargs):
    try:
        return service(**kwargs)
    except AccessError as exc:
        raise api_error(exc) from exc


def valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def known_product(request, identifier: str) -> DataProduct:
    return get_object_or_404(DataProduct.objects.known_to(request.user).select_related("domain"),
                             identifier=identifier)


def port_named(product: DataProduct, label: str) -> OutputPort | None:
    """``name`` or ``name@version`` of one of the product's output ports; 400 naming ``port`` otherwise."""
    if not label:
        return None
    name, _, version = label.partition("@")
    ports = [p for p in product.output_ports.all() if p.name == name and (not version or p.version == version)]
    if len(ports) != 1:
        reason = "has no output port" if not ports else "has several versions of the output port"
        hint = "" if not ports else "; name one as name@version"
        raise exceptions.ValidationError({"port": [f"{product.identifier} {reason} {label!r}{hint}."]})
    return ports[0]


def consumer_named(request, identifier: str) -> DataProduct | None:
    if not identifier:
        return None
    consumer = DataProduct.objects.known_to(request.user).filter(identifier=identifier).first()
    if consumer is None:
        raise exceptions.ValidationError({"consumer_product": [f"No data product {identifier!r} that you may see."]})
    return consumer


class ProductAccessRequestView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Ask for access to a product's port (or all its ports)",
                   request=s.AccessRequestCreateSerializer, responses={201: s.AccessRequestSerializer, **ERRORS})
    def post(self, request, identifier: str):
        product = known_product(request, identifier)
        data = valid(s.AccessRequestCreateSerializer, request.data)
        created = run(services.access_request_create, requester=request.user, product=product,
                      port=port_named(product, data.get("port", "")), purpose=data["purpose"],
                      duration_days=data.get("duration_days"), role=data["role"],
                      consumer_product=consumer_named(request, data.get("consumer_product", "")))
        body = s.AccessRequestSerializer(selectors.access_request_visible(user=request.user, pk=created.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


class AccessRequestListView(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = s.AccessRequestSerializer
    filter_backends: list = []

    @extend_schema(summary="Access requests you made or may decide, each with its history",
                   parameters=[s.AccessRequestFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = valid(s.AccessRequestFilterSerializer, self.request.query_params)
        return selectors.access_requests_for(user=self.request.user, **filters)


def visible_request(request, pk: int) -> AccessRequest:
    try:
        return selectors.access_request_visible(user=request.user, pk=pk)
    except AccessRequest.DoesNotExist as exc:
        raise Http404("No such access request, or you may not see it.") from exc


def request_to_act_on(request, pk: int) -> AccessRequest:
    return get_object_or_404(AccessRequest.objects.select_related("product", "port"), pk=pk)


class AccessRequestDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="One access request with its history (its requester, deciders and stewards)",
                   responses={200: s.AccessRequestSerializer, 404: ERRORS[404]})
    def get(self, request, pk: int):
        return Response(s.AccessRequestSerializer(visible_request(request, pk)).data)


class _DecisionView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    input_class: type = s.NoteSerializer

    def act(self, request, target: AccessRequest, data: dict):
        raise NotImplementedError

    def post(self, request, pk: int):
        target = request_to_act_on(request, pk)
        self.act(request, target, valid(self.input_class, request.data))
        return Response(s.AccessRequestSerializer(selectors.access_request_visible(user=request.user, pk=pk)).data)


@extend_schema(summary="Approve a pending request (deciders; never your own)", request=s.ApproveSerializer,
               responses={200: s.AccessRequestSerializer, **ERRORS})
class AccessRequestApproveView(_DecisionView):
    input_class = s.ApproveSerializer

    def act(self, request, target, data):
        run(services.access_request_approve, request=target, actor=request.user,
            valid_until=data.get("valid_until"), note=data["note"])


@extend_schema(summary="Deny a pending request, saying why", request=s.RequiredNoteSerializer,
               responses={200: s.AccessRequestSerializer, **ERRORS})
class AccessRequestDenyView(_DecisionView):
    input_class = s.RequiredNoteSerializer

    def act(self, request, target, data):
        run(services.access_request_deny, request=target, actor=request.user, note=data["note"])


@extend_schema(summary="Withdraw your pending request", request=s.NoteSerializer,
               responses={200: s.AccessRequestSerializer, **ERRORS})
class AccessRequestCancelView(_DecisionView):
    def act(self, request, target, data):
        run(services.access_request_cancel, request=target, actor=request.user, note=data["note"])


class AccessGrantListView(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = s.AccessGrantSerializer
    filter_backends: list = []

    @extend_schema(summary="Grants you hold, your teams hold, or that are held on your domains' products",
                   parameters=[s.AccessGrantFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.access_grants_for(user=self.request.user,
                                           **valid(s.AccessGrantFilterSerializer, self.request.query_params))


class AccessGrantRevokeView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Revoke an active grant, saying why (stewards; owners of the product's domain)",
                   request=s.RequiredNoteSerializer, responses={200: s.AccessGrantSerializer, **ERRORS})
    def post(self, request, pk: int):
        grant = get_object_or_404(AccessGrant, pk=pk)
        data = valid(s.RequiredNoteSerializer, request.data)
        grant = run(services.access_grant_revoke, grant=grant, actor=request.user, note=data["note"])
        return Response(s.AccessGrantSerializer(selectors.access_grants_for(user=request.user).get(pk=grant.pk)).data)


class ProductConsumersView(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = s.AccessGrantSerializer
    filter_backends: list = []

    @extend_schema(summary="Who holds a live grant on the product (its domain team and stewards)",
                   responses={200: s.AccessGrantSerializer(many=True), 403: ERRORS[403], 404: ERRORS[404]})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        product = known_product(self.request, self.kwargs["identifier"])
        if not policy.sees_consumers(self.request.user, product):
            raise exceptions.PermissionDenied("Only the product's domain team and stewards see its consumers.")
        return selectors.product_consumers(product=product)
