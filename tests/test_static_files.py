"""Production static files: compiled from the NHS.UK components we use, served by WhiteNoise
compressed and with a long cache lifetime under their content-hashed names."""

import gzip
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import RequestFactory, override_settings
from whitenoise.middleware import WhiteNoiseMiddleware

from iwl.settings import base

ROOT = Path(__file__).resolve().parent.parent
TEN_YEARS = 10 * 365 * 24 * 60 * 60


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=root, STORAGES=base.STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


def _serve(root, path, **headers):
    with override_settings(
        STATIC_ROOT=root, STORAGES=base.STORAGES, WHITENOISE_AUTOREFRESH=False, DEBUG=False
    ):
        middleware = WhiteNoiseMiddleware(lambda request: pytest.fail("not a static file"))
        url = staticfiles_storage.url(path)
        return url, middleware(RequestFactory().get(url, **headers))


def test_production_storage_is_whitenoise_compressed_manifest():
    assert base.STORAGES["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )


def test_app_css_is_served_hashed_compressed_and_cached_for_years(collected):
    url, response = _serve(collected, "app.css", HTTP_ACCEPT_ENCODING="gzip")
    assert re.search(r"/static/app\.[0-9a-f]{12}\.css$", url)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    cache = response["Cache-Control"]
    assert f"max-age={TEN_YEARS}" in cache and "immutable" in cache
    body = gzip.decompress(b"".join(response.streaming_content))
    assert body == (collected / url.removeprefix("/static/")).read_bytes()


def test_app_css_has_only_the_components_we_use():
    css = (ROOT / "static" / "build" / "app.css").read_text()
    # Used by our templates...
    for used in (".nhsuk-header", ".nhsuk-notification-banner", ".nhsuk-table", ".nhsuk-tag"):
        assert used in css, used
    # ...and never used, so not compiled.
    for unused in (".nhsuk-hero", ".nhsuk-tabs", ".nhsuk-do-dont-list", ".nhsuk-contents-list"):
        assert unused not in css, unused
