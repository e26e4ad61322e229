"""Policy API: policies (read by everyone signed in; written by stewards, and by domain owners in their
domain), the context schema, dry runs, compliance of a product, a domain and the mesh, exceptions."""
from __future__ import annotations

import yaml
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import DataProduct, Domain
from catalog.permissions import is_steward
from catalog.visibility import Viewer
from governance.policies import selectors
from governance.policies.context_schema import CONTEXT_SCHEMA
from governance.policies.dryrun import catalog_try, descriptors_check
from governance.policies.engine import PolicySpec
from governance.policies.models import Policy, PolicyException
from governance.policies.rules import HELPER_DOCS, OPERATORS
from governance.policies.services import (
    PolicyInputError,
    active_specs,
    policy_clean,
    policy_exception_create,
    policy_save,
)
from standards.errors import DescriptorError, DescriptorPermissionError
from standards.payload import documents_from_payload

ERRORS = OpenApiTypes.OBJECT  # {"detail", "errors": {field: [reasons]}}


class PolicySerializer(serializers.ModelSerializer):
    domain = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    updated_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Policy
        fields = ["key", "title", "rationale", "scope", "domain", "severity", "applies_to", "selector", "rule", "message",
                  "path", "enabled", "waivable", "version", "origin", "updated", "updated_by"]


class PolicyInputSerializer(serializers.Serializer):
    """What a write may send: every field but ``key`` is optional on PUT (what is left out stays)."""

    key = serializers.CharField(required=False)
    title = serializers.CharField(required=False)
    rationale = serializers.CharField(required=False, allow_blank=True)
    scope = serializers.ChoiceField(Policy.Scope.choices, required=False)
    domain = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    severity = serializers.ChoiceField(Policy.Severity.choices, required=False)
    applies_to = serializers.ChoiceField(Policy.AppliesTo.choices, required=False)
    selector = serializers.JSONField(required=False, allow_null=True)
    rule = serializers.JSONField(required=False)
    message = serializers.CharField(required=False, allow_blank=True)
    path = serializers.CharField(required=False, allow_blank=True)
    enabled = serializers.BooleanField(required=False)
    waivable = serializers.BooleanField(required=False)


class EvaluationSerializer(serializers.Serializer):
    policy = serializers.CharField(source="policy.key")
    title = serializers.CharField(source="policy.title")
    severity = serializers.CharField(source="policy.severity")
    scope = serializers.CharField(source="policy.scope")
    result = serializers.CharField()
    message = serializers.CharField()
    values = serializers.JSONField()
    evaluated_at = serializers.DateTimeField()
    policy_version = serializers.IntegerField()
    exception = serializers.SerializerMethodField()

    def get_exception(self, item) -> dict | None:
        exc = item["exception"]
        return {"justification": exc.justification, "expires": exc.expires, "approved_by": exc.approved_by.get_username()} if exc else None


class ExceptionSerializer(serializers.ModelSerializer):
    policy = serializers.SlugRelatedField(slug_field="key", queryset=Policy.objects.all())
    product = serializers.SlugRelatedField(slug_field="identifier", queryset=DataProduct.objects.all(), required=False, allow_null=True)
    domain = serializers.SlugRelatedField(slug_field="slug", queryset=Domain.objects.all(), required=False, allow_null=True)
    approved_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    active = serializers.SerializerMethodField()

    class Meta:
        model = PolicyException
        fields = ["id", "policy", "product", "domain", "justification", "expires", "approved_by", "created", "active"]
        read_only_fields = ["id", "approved_by", "created"]

    def get_active(self, obj) -> bool:
        return obj.active()


def _invalid(errors: dict, detail: str = "The policy is invalid; nothing was saved.") -> Response:
    return Response({"detail": detail, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)


def _input(request) -> tuple[dict | None, Response | None]:
    data = PolicyInputSerializer(data=request.data)
    if not data.is_valid():
        return None, _invalid({k: [str(m) for m in v] for k, v in data.errors.items()})
    return {k: v for k, v in request.data.items() if k in data.validated_data}, None


class PolicyListView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=PolicySerializer(many=True), summary="Every policy, global and per domain")
    def get(self, request):
        return Response(PolicySerializer(selectors.policies_visible(), many=True).data)

    @extend_schema(request=PolicyInputSerializer, responses={201: PolicySerializer, 400: ERRORS, 403: ERRORS, 409: ERRORS},
                   summary="Create a policy (stewards: global; domain owners: their domain's)")
    def post(self, request):
        data, error = _input(request)
        if error:
            return error
        key = data.pop("key", None)
        if key and Policy.objects.filter(key=key).exists():
            return Response({"detail": f"A policy {key!r} exists: PUT /api/policies/{key}/ changes it.",
                             "errors": {"key": ["Already taken."]}}, status=status.HTTP_409_CONFLICT)
        return _save(request, key, data, status.HTTP_201_CREATED)


def _save(request, key, data: dict, code: int) -> Response:
    try:
        policy, _ = policy_save(key=key, data=data, actor=request.user)
    except PolicyInputError as exc:
        return _invalid(exc.errors)
    except PermissionDenied as exc:
        raise ApiPermissionDenied(str(exc)) from exc
    return Response(PolicySerializer(policy).data, status=code)


class PolicyDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=PolicySerializer, summary="One policy")
    def get(self, request, key: str):
        return Response(PolicySerializer(get_object_or_404(Policy, key=key)).data)

    @extend_schema(request=PolicyInputSerializer, responses={200: PolicySerializer, 400: ERRORS, 403: ERRORS},
                   summary="Change a policy (its version increments; what it applies to is re-evaluated)")
    def put(self, request, key: str):
        get_object_or_404(Policy, key=key)
        data, error = _input(request)
        if error:
            return error
        data.pop("key", None)
        return _save(request, key, data, status.HTTP_200_OK)


class ContextSchemaView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="The JSON Schema of the context rules see (versioned)")
    def get(self, request):
        return Response({**CONTEXT_SCHEMA, "x-operators": sorted(OPERATORS), "x-helpers": HELPER_DOCS})


class DryRunView(APIView):
    """A rule (or a policy, or a YAML policy file's text) tried against the catalog or a posted descriptor."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT, 400: ERRORS},
                   summary="Try policies without writing: {rule | policy | policies (YAML text)} [+ descriptor]")
    def post(self, request):
        try:
            specs = _specs(request.data)
        except PolicyInputError as exc:
            return _invalid(exc.errors, "The policy is invalid.")
        descriptor = request.data.get("descriptor")
        if descriptor is None:
            return Response(catalog_try(specs=specs))
        try:
            checks = descriptors_check(documents=documents_from_payload(descriptor), actor=request.user, specs=specs)
        except DescriptorError as exc:
            return _invalid(exc.errors, exc.detail)
        except DescriptorPermissionError as exc:
            raise ApiPermissionDenied(str(exc)) from exc
        return Response({"products": [
            {"identifier": c.identifier, "status": c.status, "would_publish": not c.blocking, "errors": c.errors,
             "results": {o.spec.key: o.result for o in c.outcomes}} for c in checks]})


def _specs(body) -> list[PolicySpec]:
    if not isinstance(body, dict):
        raise PolicyInputError({"body": ["Send a JSON object with rule, policy or policies."]})
    if "policies" in body:
        try:
            docs = [d for d in yaml.safe_load_all(str(body["policies"])) if d is not None]
        except yaml.YAMLError as exc:
            raise PolicyInputError({"policies": [f"Not YAML: {exc}"]}) from exc
        items = [i for d in docs for i in (d if isinstance(d, list) else [d])]
    elif "policy" in body:
        items = [body["policy"]]
    elif "rule" in body:
        items = [{"key": "dry-run", "title": "Dry run", **{k: body[k] for k in ("rule", "selector", "applies_to") if k in body}}]
    else:
        return active_specs()
    specs = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise PolicyInputError({f"policies[{i}]": ["A policy is a mapping."]})
        values = policy_clean({k: v for k, v in item.items() if k != "key"})
        specs.append(PolicySpec(key=str(item.get("key") or f"dry-run-{i}"), title=values["title"], applies_to=values["applies_to"],
                                rule=values["rule"], selector=values["selector"], severity=values["severity"],
                                message=values["message"], path=values["path"],
                                domain=values["domain"].slug if values["domain"] else ""))
    return specs


class ProductComplianceView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="Each policy's result on a product, with the weighted score")
    def get(self, request, identifier: str):
        product = get_object_or_404(DataProduct.objects.known_to(request.user), identifier=identifier)
        summary = selectors.product_compliance(product)
        items = EvaluationSerializer(summary["items"], many=True).data
        if not Viewer.of(request.user).reads(product):  # messages and values may name columns
            items = [{**i, "message": "", "values": {}} for i in items]
        return Response({"product": product.identifier, "score": summary["score"], "counts": summary["counts"],
                         "results": items})


class DomainComplianceView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="A domain's policies × products, score and trend")
    def get(self, request, slug: str):
        domain = get_object_or_404(Domain, slug=slug)
        data = selectors.domain_compliance(domain)
        known = set(DataProduct.objects.known_to(request.user).filter(domain=domain).values_list("pk", flat=True))
        columns = [i for i, p in enumerate(data["products"]) if p.pk in known]
        return Response({
            "domain": domain.slug, "score": data["score"],
            "products": [{"identifier": data["products"][i].identifier,
                          "score": data["product_scores"][data["products"][i].identifier]} for i in columns],
            "policies": [{"key": row["policy"].key, "severity": row["policy"].severity, "scope": row["policy"].scope,
                          "results": {data["products"][i].identifier: row["cells"][i]["result"] for i in columns}}
                         for row in data["matrix"]],
            "trend": [{"day": t.day, "score": t.score} for t in data["trend"]],
        })


class MeshComplianceView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="Domains × policies for stewards, worst domains first")
    def get(self, request):
        if not is_steward(request.user):
            raise ApiPermissionDenied("The mesh's compliance is for stewards.")
        data = selectors.mesh_compliance()
        return Response({
            "score": data["score"],
            "domains": [{"domain": row["domain"].slug, "score": row["score"],
                         "failing": {c["policy"].key: c["failed"] for c in row["cells"] if c["applies"]}}
                        for row in data["matrix"]],
            "trend": [{"day": t.day, "score": t.score} for t in data["trend"]],
        })


class ExceptionListView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=ExceptionSerializer(many=True), summary="Policy exceptions (waivers), newest expiry first")
    def get(self, request):
        rows = PolicyException.objects.select_related("policy", "product", "domain", "approved_by")
        return Response(ExceptionSerializer(rows, many=True).data)

    @extend_schema(request=ExceptionSerializer, responses={201: ExceptionSerializer, 400: ERRORS, 403: ERRORS},
                   summary="Waive a waivable policy for a product or a domain until a date (stewards)")
    def post(self, request):
        data = ExceptionSerializer(data=request.data)
        if not data.is_valid():
            return _invalid({k: [str(m) for m in v] for k, v in data.errors.items()}, "The exception is invalid.")
        try:
            exc = policy_exception_create(actor=request.user, **{k: data.validated_data.get(k) for k in (
                "policy", "product", "domain", "justification", "expires")})
        except PolicyInputError as err:
            return _invalid(err.errors, "The exception is invalid.")
        except PermissionDenied as err:
            raise ApiPermissionDenied(str(err)) from err
        return Response(ExceptionSerializer(exc).data, status=status.HTTP_201_CREATED)
