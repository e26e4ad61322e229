"""Lineage pages (mounted under /lineage/)."""
from django.urls import path

from lineage import views

app_name = "lineage"
urlpatterns = [path("", views.explorer, name="explorer")]
