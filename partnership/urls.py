from django.urls import path

from . import views

app_name = "partnership"

urlpatterns = [
    path("switch/", views.switch_organisation, name="switch"),
    path("<uuid:pk>/", views.organisation_detail, name="organisation"),
]
