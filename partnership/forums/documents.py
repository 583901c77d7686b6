"""The agenda and minutes PDFs of a meeting, on the task queue (partnership.documents). The key
is a digest of the exact HTML the PDF is laid out from: reading the meeting and filling the
template is quick beside laying out the pages, which the worker does."""

from django.template.loader import render_to_string
from django.urls import reverse

from ..documents import registry
from ..pdf import write_pdf
from .models import Meeting
from .presenters import MeetingPresenter

PARTS = {
    "agenda": "partnership/forums/agenda_pdf.html",
    "minutes": "partnership/forums/minutes_pdf.html",
}


def subject(meeting, part: str) -> dict:
    return {"meeting": str(meeting.pk), "part": part}


def _meeting(subject):
    return Meeting.objects.select_related("forum__organisation").get(pk=subject["meeting"])


def _html(subject) -> str:
    page = MeetingPresenter.build(_meeting(subject))
    return render_to_string(PARTS[subject["part"]], {**page.context(for_pdf=True), "for_pdf": True})


def _authorize(request, subject):
    from .views import _meeting as meeting_for

    return meeting_for(request, subject["meeting"])


def _filename(subject):
    meeting = _meeting(subject)
    return (
        f"{meeting.forum.organisation.ods_code}-{subject['part']}-{meeting.starts_at:%Y-%m-%d}.pdf"
    )


def _back(subject):
    meeting = _meeting(subject)
    return meeting.forum.name, reverse("forums:meeting", args=[meeting.pk])


for _part, _label in (("agenda", "meeting agenda"), ("minutes", "meeting minutes")):
    registry.content_kind(
        name=f"forum-{_part}",
        label=_label,
        content_type=registry.PDF,
        extension="pdf",
        read=_html,
        write=write_pdf,
        authorize=_authorize,
        filename=_filename,
        url=lambda subject: reverse(f"forums:{subject['part']}_pdf", args=[subject["meeting"]]),
        back=_back,
        version=registry.pdf_version,
    )
