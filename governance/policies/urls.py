"""Policy API routes (mounted under /api/ before catalog's product and domain routes)."""
from django.urls import path

from governance.policies import api

urlpatterns = [
    path("policies/", api.PolicyListView.as_view(), name="api-policies"),
    path("policies/context-schema/", api.ContextSchemaView.as_view(), name="api-policies-context-schema"),
    path("policies/dry-run/", api.DryRunView.as_view(), name="api-policies-dry-run"),
    path("policies/<slug:key>/", api.PolicyDetailView.as_view(), name="api-policy"),
    path("policy-exceptions/", api.ExceptionListView.as_view(), name="api-policy-exceptions"),
    path("products/<str:identifier>/compliance/", api.ProductComplianceView.as_view(), name="api-product-compliance"),
    path("domains/<slug:slug>/compliance/", api.DomainComplianceView.as_view(), name="api-domain-compliance"),
    path("compliance/", api.MeshComplianceView.as_view(), name="api-compliance"),
]
