from django.urls import path

from . import views
from .networks import views as networks

app_name = "partnership"

urlpatterns = [
    path("switch/", views.switch_organisation, name="switch"),
    path("<uuid:pk>/", views.organisation_detail, name="organisation"),
    path("networks/", networks.network_list, name="networks"),
    path(
        "networks/<slug:slug>/organisations/",
        networks.network_organisations,
        name="network_organisations",
    ),
    path("invitations/<uuid:pk>/", networks.invitation, name="invitation"),
    path("invitations/<uuid:pk>/decline/", networks.decline, name="invitation_decline"),
    path("invitations/<uuid:pk>/leave/", networks.leave, name="network_leave"),
]
