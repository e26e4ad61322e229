"""Audit API routes (mounted under /api/)."""
from django.urls import path

from audit.api import views

urlpatterns = [
    path("audit/", views.AuditEventListView.as_view(), name="audit-events"),
    path("audit/export/", views.AuditExportView.as_view(), name="audit-export"),
]
