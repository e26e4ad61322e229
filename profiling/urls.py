"""Profiling API routes (mounted under /api/); product identifiers contain dots."""
from django.urls import path, re_path

from profiling import api

urlpatterns = [
    re_path(r"^products/(?P<identifier>[^/]+)/profile/$", api.ProductProfileView.as_view(), name="product-profile"),
    path("profile-runs/<int:pk>/", api.ProfileRunView.as_view(), name="profile-run"),
    path("pii-suggestions/<int:pk>/", api.PiiSuggestionView.as_view(), name="pii-suggestion"),
]
