from django.contrib import admin
from django.urls import include, path

from .health import healthz

admin.site.site_header = "IWL partnership self-assessment"
admin.site.site_title = "IWL admin"

urlpatterns = [
    path("accounts/", include("partnership.auth_urls")),
    path("organisations/", include("partnership.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("", include("assessments.urls")),
]
