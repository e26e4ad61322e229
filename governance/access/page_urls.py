"""Access pages, mounted at /access/."""
from django.urls import path

from governance.access import pages

app_name = "access"
urlpatterns = [
    path("", pages.my_access, name="mine"),
    path("decide/", pages.to_decide, name="decide"),
    path("request/<str:identifier>/", pages.request_access, name="request"),
    path("requests/<int:pk>/approve/", pages.approve, name="approve"),
    path("requests/<int:pk>/deny/", pages.deny, name="deny"),
    path("requests/<int:pk>/cancel/", pages.cancel, name="cancel"),
    path("grants/<int:pk>/revoke/", pages.revoke, name="revoke"),
]
