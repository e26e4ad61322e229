"""Governance pages (mounted at /governance/)."""
from django.urls import path

from governance import views

app_name = "governance"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("products/<str:identifier>/quality/", views.product_quality, name="product_quality"),
    path("products/<str:identifier>/quality/run/", views.quality_run, name="quality_run"),
]
