"""Provisioning API routes (mounted under /api/ by governance.api.urls, before catalog's product routes)."""
from django.urls import path

from governance.access.provisioning import api

urlpatterns = [
    path("access-grants/<int:pk>/provisioning/", api.GrantProvisioningReportView.as_view(),
         name="access-grant-provisioning"),
    path("products/<str:identifier>/ports/<str:port_name>/download/", api.PortDownloadView.as_view(),
         name="product-port-download"),
    path("products/<str:identifier>/ports/<str:port_name>/sample/", api.PortSampleView.as_view(),
         name="product-port-sample"),
]
