"""Catalog API routes (mounted under /api/)."""
from rest_framework.routers import SimpleRouter

from catalog.api.views import DomainViewSet, ProductViewSet

router = SimpleRouter()
router.register("domains", DomainViewSet, basename="api-domain")
router.register("products", ProductViewSet, basename="api-product")

urlpatterns = router.urls
