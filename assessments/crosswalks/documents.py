"""The four-country guide's PDF on the task queue (partnership.documents); the key is a digest
of the exact HTML it is laid out from. The guide shows what its reader may see, so the subject
names the person who asked."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from partnership.documents import registry

from ..reports import pdf
from .guide import FourCountryGuide


def subject(request) -> dict:
    return {"user": str(request.user.pk)}


def guide_html(user=None) -> str:
    from django.template.loader import render_to_string

    guide = FourCountryGuide(user) if user is not None else FourCountryGuide()
    return render_to_string(guide.template_name, guide.context(for_pdf=True))


def _html(subject) -> str:
    return guide_html(get_user_model().objects.get(pk=subject["user"]))


registry.content_kind(
    name="four-country-guide",
    label="four-country guide",
    content_type=registry.PDF,
    extension="pdf",
    read=_html,
    write=pdf.write_pdf,
    authorize=lambda request, subject: None,  # published reference: every signed-in person
    filename=lambda subject: "four-country-guide.pdf",
    url=lambda subject: reverse("assessments:guide_pdf"),
    back=lambda subject: ("Four-country guide", reverse("assessments:guide")),
    version=registry.pdf_version,
)
