"""Access API routes (mounted under /api/ by governance.api.urls, before catalog's product routes)."""
from django.urls import path

from governance.access.api import views

urlpatterns = [
    path("products/<str:identifier>/access-requests/", views.ProductAccessRequestView.as_view(),
         name="product-access-requests"),
    path("products/<str:identifier>/consumers/", views.ProductConsumersView.as_view(), name="product-consumers"),
    path("access-requests/", views.AccessRequestListView.as_view(), name="access-request-list"),
    path("access-requests/<int:pk>/", views.AccessRequestDetailView.as_view(), name="access-request-detail"),
    path("access-requests/<int:pk>/approve/", views.AccessRequestApproveView.as_view(), name="access-request-approve"),
    path("access-requests/<int:pk>/deny/", views.AccessRequestDenyView.as_view(), name="access-request-deny"),
    path("access-requests/<int:pk>/cancel/", views.AccessRequestCancelView.as_view(), name="access-request-cancel"),
    path("access-grants/", views.AccessGrantListView.as_view(), name="access-grant-list"),
    path("access-grants/<int:pk>/revoke/", views.AccessGrantRevokeView.as_view(), name="access-grant-revoke"),
]
