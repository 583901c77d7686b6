from django.contrib import admin
from django.urls import include, path

from partnership.views import accessibility_statement

from .health import healthz

admin.site.site_header = "IWL partnership self-assessment"
admin.site.site_title = "IWL admin"

urlpatterns = [
    path("accounts/", include("partnership.auth_urls")),
    path("organisations/", include("partnership.urls")),
    path("forums/", include("partnership.forums.urls")),
    path("facility-time/", include("partnership.facility_time.urls")),
    path("documents/", include("partnership.documents.urls")),
    path("admin/", admin.site.urls),
    path("case-studies/", include("assessments.casestudies.urls")),
    path("accessibility/", accessibility_statement, name="accessibility"),
    path("healthz", healthz, name="healthz"),
    path("", include("assessments.urls")),
]
