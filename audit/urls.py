"""Audit API routes (mounted under /api/)."""
from django.urls import path

from audit.api import history, views

urlpatterns = [
    path("audit/", views.AuditEventListView.as_view(), name="audit-events"),
    path("audit/export/", views.AuditExportView.as_view(), name="audit-export"),
    path("events/", history.EventFeedView.as_view(), name="event-feed"),
    path("products/<str:identifier>/history/", history.ProductHistoryView.as_view(), name="product-history"),
]
