"""The service's URLs plus the load test's baseline: the least a signed-in POST can cost."""

from django.http import HttpResponse
from django.urls import include, path
from django.utils.html import escape
from django.views.decorators.http import require_POST


@require_POST
def baseline(request):
    """Every middleware a save goes through (session, user, CSRF, CSP...), and no work."""
    return HttpResponse(f"<p>Signed in as {escape(request.user.email)}</p>")


urlpatterns = [
    path("bench/baseline/", baseline, name="bench_baseline"),
    path("", include("iwl.urls")),
]
