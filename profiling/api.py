"""Profile API: read a product's profiles, trigger a run, and decide on PII suggestions."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import DataProduct
from catalog.permissions import can_write_domain
from catalog.visibility import Viewer
from profiling import selectors, services
from profiling.models import ColumnProfile, PiiSuggestion, ProfileRun


class ProfileRunSerializer(serializers.ModelSerializer):
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True, help_text="null until the run has finished")

    class Meta:
        model = ProfileRun
        fields = ["id", "state", "reason", "trigger", "created", "started", "finished", "duration_seconds",
                  "attempt", "task_id", "engine", "row_count", "source_bytes", "source_modified",
                  "is_latest_good", "drift"]


class ColumnProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = ColumnProfile
        fields = ["name", "position", "data_type", "semantic_type", "is_approximate", "masked", "stats"]


class PiiSuggestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PiiSuggestion
        fields = ["id", "column_name", "kind", "confidence", "evidence_count", "sample_size", "by_name",
                  "status", "decided_at"]


class ProfileRunDetailSerializer(ProfileRunSerializer):
    columns = ColumnProfileSerializer(many=True, read_only=True)

    class Meta(ProfileRunSerializer.Meta):
        fields = [*ProfileRunSerializer.Meta.fields, "columns"]


class PortProfileOut(serializers.Serializer):
    """Documentation of one port's entry in the profile response."""

    port = serializers.JSONField()
    latest_run = ProfileRunSerializer(allow_null=True)
    profile = ProfileRunDetailSerializer(allow_null=True, help_text="The latest good run, with its columns.")
    drift = serializers.JSONField(help_text="added / missing / changed columns against the contract")
    pii_suggestions = PiiSuggestionSerializer(many=True)
    history = ProfileRunSerializer(many=True)


class ProductProfileOut(serializers.Serializer):
    product = serializers.CharField()
    flags = serializers.JSONField()
    ports = PortProfileOut(many=True)


class ProfileRunsOut(serializers.Serializer):
    runs = ProfileRunSerializer(many=True)


def _port_payload(item: selectors.PortProfile) -> dict:
    port = item.port
    profile = None
    if item.profile:
        profile = ProfileRunDetailSerializer(item.profile).data
    return {
        "port": {"id": port.pk, "name": port.name, "version": port.version, "format": port.format,
                 "schedule_hours": port.profile_schedule_hours},
        "latest_run": ProfileRunSerializer(item.latest_run).data if item.latest_run else None,
        "profile": profile,
        "drift": item.profile.drift if item.profile else {},
        "pii_suggestions": PiiSuggestionSerializer(item.suggestions, many=True).data,
        "history": ProfileRunSerializer(item.history, many=True).data,
    }


def _visible_product(request, identifier: str) -> DataProduct:
    product = get_object_or_404(DataProduct.objects.known_to(request.user), identifier=identifier)
    if not Viewer.of(request.user).reads(product):
        raise PermissionDenied("This product is restricted: its profile is shown to its domain team and stewards.")
    return product


def _require_writer(request, product: DataProduct) -> None:
    if not request.user.is_authenticated:
        raise NotAuthenticated()
    if not can_write_domain(request.user, product.domain):
        raise PermissionDenied("Only the product's domain team or a steward may do this.")


class ProductProfileView(APIView):
    """GET: every port's latest profile, run state, drift, PII suggestions and history.
    POST: queue a new profile of every readable port (owners and stewards)."""

    @extend_schema(responses=ProductProfileOut)
    def get(self, request, identifier: str):
        product = _visible_product(request, identifier)
        ports = [_port_payload(item) for item in selectors.port_profiles(product=product)]
        return Response({"product": product.identifier, "flags": product.flags, "ports": ports})

    @extend_schema(request=None, responses={202: ProfileRunsOut})
    def post(self, request, identifier: str):
        product = _visible_product(request, identifier)
        _require_writer(request, product)
        runs = services.product_profile(product_id=product.pk, trigger=ProfileRun.Trigger.MANUAL, user=request.user)
        return Response({"runs": ProfileRunSerializer(runs, many=True).data}, status=status.HTTP_202_ACCEPTED)


class ProfileRunView(APIView):
    """GET one run with its column statistics (the history's detail)."""

    @extend_schema(responses=ProfileRunDetailSerializer)
    def get(self, request, pk: int):
        run = get_object_or_404(ProfileRun.objects.select_related("port__product"), pk=pk)
        _visible_product(request, run.port.product.identifier)
        return Response(ProfileRunDetailSerializer(run).data)


class PiiSuggestionDecisionInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["confirmed", "rejected"])


class PiiSuggestionView(APIView):
    """POST {"status": "confirmed" | "rejected"}: the owner decides on a suggestion."""

    @extend_schema(request=PiiSuggestionDecisionInput, responses=PiiSuggestionSerializer)
    def post(self, request, pk: int):
        suggestion = get_object_or_404(PiiSuggestion.objects.select_related("port__product__domain"), pk=pk)
        product = _visible_product(request, suggestion.port.product.identifier)
        _require_writer(request, product)
        data = PiiSuggestionDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        suggestion = services.pii_suggestion_decide(suggestion=suggestion, status=data.validated_data["status"],
                                                    actor=request.user)
        return Response(PiiSuggestionSerializer(suggestion).data)
