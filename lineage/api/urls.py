"""API routes (mounted under /api/): OpenLineage ingestion, graph queries, impact analysis."""
from django.urls import path, re_path

from lineage.api import views

urlpatterns = [
    # Marquez's path has no trailing slash; OpenLineage clients post to it exactly.
    re_path(r"^v1/lineage/?$", views.LineageEventView.as_view(), name="openlineage-event"),
    re_path(r"^v1/lineage/batch/?$", views.LineageBatchView.as_view(), name="openlineage-batch"),
    path("v1/lineage/events/<str:digest>", views.LineageEventStatusView.as_view(), name="openlineage-event-status"),
    path("lineage/", views.LineageGraphView.as_view(), name="lineage-graph"),
    path("products/<str:identifier>/impact/", views.ImpactView.as_view(), name="product-impact"),
]
