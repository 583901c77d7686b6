"""The report commands on the demo data, exactly as the README and the issue give them."""

import io

import pytest
from django.core.management import call_command
from pypdf import PdfReader

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):
    settings.DEBUG = True
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    call_command("seed_demo", stdout=io.StringIO())


@pytest.mark.parametrize("kind", ["board", "scored"])
def test_render_report_on_the_demo_data(demo, tmp_path, kind):
    output = tmp_path / f"{kind}.pdf"
    call_command(
        "render_report",
        "--organisation", "Z9A",
        "--framework", "iwl-standard-2000",
        "--period", "2025/26",
        "--kind", kind,
        "--output", str(output),
        stdout=io.StringIO(),
    )  # fmt: skip
    # Line breaks fall wherever the layout puts them: compare words, not lines.
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(output).pages).split())
    assert "Northshire Community NHS Trust" in text
    # The demo's recorded disagreement and both leads' names are in the report.
    assert "stress risk assessments" in text
    assert "Helen Roberts" in text and "Sam Patel" in text
