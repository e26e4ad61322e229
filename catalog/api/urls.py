"""Catalog API routes (mounted under /api/)."""
from rest_framework.routers import SimpleRouter

from catalog.api.views import ProductViewSet

router = SimpleRouter()
router.register("products", ProductViewSet, basename="api-product")

urlpatterns = router.urls
