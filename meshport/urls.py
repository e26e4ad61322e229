"""Root URLs: the marketplace pages, the REST API under /api/, and the steward admin."""
from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

# Redoc injects <style> elements it cannot give our nonce and runs its search in a blob: worker: this
# page alone allows both (never inline script: its start-up script carries the nonce, see
# templates/drf_spectacular/redoc.html).
REDOC_CSP = {"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]}

# The database unreachable: 503 (meshport.middleware.ApiErrorMiddleware), any other uncaught error 500.
handler500 = "meshport.middleware.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", csp_replace(REDOC_CSP)(SpectacularRedocView.as_view(url_name="api-schema")), name="api-redoc"),
    path("api/", include("search.urls")),
    path("api/", include("profiling.urls")),
    path("api/", include("governance.api.urls")),
    path("api/", include("lineage.api.urls")),
    path("api/", include("audit.urls")),
    path("api/", include("notifications.api.urls")),
    path("api/", include("catalog.api.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("search/", include("search.page_urls")),
    path("governance/", include("governance.urls")),
    path("access/", include("governance.access.page_urls")),
    path("lineage/", include("lineage.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("catalog.urls")),
]
