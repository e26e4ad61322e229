"""Governance pages (mounted at /governance/)."""
from django.urls import path

from governance import views
from governance.policies import views as policy_views

app_name = "governance"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("compliance/", policy_views.mesh_compliance, name="compliance"),
    path("compliance/<slug:slug>/", policy_views.domain_compliance, name="domain_compliance"),
    path("products/<str:identifier>/quality/", views.product_quality, name="product_quality"),
    path("products/<str:identifier>/quality/run/", views.quality_run, name="quality_run"),
]
