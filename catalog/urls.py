"""Catalog pages: the marketplace home, domains and products, and the publish page."""
from django.urls import path, re_path

from catalog import publish_views, views

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("domains/", views.domains, name="domains"),
    path("domains/<slug:slug>/", views.domain_detail, name="domain"),
    path("publish/", publish_views.publish, name="publish"),
    # Identifiers are "<domain>.<product>": they contain dots.
    re_path(r"^products/(?P<identifier>[^/]+)/$", views.product_detail, name="product"),
]
