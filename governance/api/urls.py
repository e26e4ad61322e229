"""Quality and access API routes (mounted under /api/, before catalog's product routes)."""
from django.urls import include, path

from governance.api import views

urlpatterns = [
    path("products/<str:identifier>/quality/", views.ProductQualityView.as_view(), name="product-quality"),
    path("products/<str:identifier>/quality/run/", views.ProductQualityRunView.as_view(), name="product-quality-run"),
    path("", include("governance.access.api.urls")),
    path("", include("governance.access.provisioning.urls")),
    path("", include("governance.policies.urls")),
]
