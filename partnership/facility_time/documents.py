"""The facility time return's PDF, on the task queue (partnership.documents). The key is a
digest of the exact HTML the PDF is laid out from (it shows today's date, so it changes daily)."""

import datetime

from django.template.loader import render_to_string
from django.urls import reverse

from ..documents import registry
from ..models import Organisation
from ..pdf import write_pdf
from .models import period_slug
from .presenters import ReturnPresenter

TEMPLATE = "partnership/facility_time/return.html"


def subject(organisation, period: str) -> dict:
    return {"organisation": str(organisation.pk), "period": period}


def _organisation(subject):
    return Organisation.objects.get(pk=subject["organisation"])


def _html(subject) -> str:
    period = subject["period"]
    page = ReturnPresenter.build(_organisation(subject), period)
    context = {**page.context(for_pdf=True), "period": period, "today": datetime.date.today()}
    return render_to_string(TEMPLATE, {**context, "for_pdf": True})


def _authorize(request, subject):
    from .views import _organisation as organisation_for
    from .views import _period

    _period(period_slug(subject["period"]))
    return organisation_for(request, subject["organisation"])


def _filename(subject):
    organisation = _organisation(subject)
    return f"{organisation.ods_code}-facility-time-{period_slug(subject['period'])}.pdf"


def _url(subject):
    return reverse(
        "facility_time:pdf", args=[subject["organisation"], period_slug(subject["period"])]
    )


def _back(subject):
    url = reverse(
        "facility_time:return", args=[subject["organisation"], period_slug(subject["period"])]
    )
    return f"Facility time {subject['period']}", url


registry.content_kind(
    name="facility-time-return",
    label="facility time return",
    content_type=registry.PDF,
    extension="pdf",
    read=_html,
    write=write_pdf,
    authorize=_authorize,
    filename=_filename,
    url=_url,
    back=_back,
    version=registry.pdf_version,
)
