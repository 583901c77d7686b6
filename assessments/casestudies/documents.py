"""The case study PDFs on the task queue (partnership.documents): the collection the library
selects, and one case study. What a case study shows depends on who asks (its organisation's
members see who wrote it), so the subject names the person and the query; the key is a digest
of the exact HTML, so two people who would see the same document share it."""

from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.urls import reverse

from partnership.documents import registry

from ..reports import pdf


def collection_subject(request) -> dict:
    return {"user": str(request.user.pk), "query": request.GET.urlencode()}


def subject(request, case_study) -> dict:
    return {"user": str(request.user.pk), "case_study": str(case_study.pk)}


def _as_asked(subject):
    """The request the document was asked with, as far as its HTML depends on it."""
    user = get_user_model().objects.get(pk=subject["user"])
    return SimpleNamespace(user=user, GET=QueryDict(subject.get("query", "")))


def _collection_html(subject) -> str:
    from .views import collection_html

    return collection_html(_as_asked(subject))


def _case_study_html(subject) -> str:
    from .views import case_study_html

    return case_study_html(_as_asked(subject), subject["case_study"])


def _visible(request, subject):
    from .views import _get_visible

    return _get_visible(request, subject["case_study"])


def _collection_url(subject):
    url = reverse("casestudies:collection_pdf")
    return f"{url}?{subject['query']}" if subject["query"] else url


registry.content_kind(
    name="case-studies",
    label="case study collection",
    content_type=registry.PDF,
    extension="pdf",
    read=_collection_html,
    write=pdf.write_pdf,
    authorize=lambda request, subject: None,  # the library: every signed-in person
    filename=lambda subject: "case-studies.pdf",
    url=_collection_url,
    back=lambda subject: ("Case studies", reverse("casestudies:library")),
    version=registry.pdf_version,
)
registry.content_kind(
    name="case-study",
    label="case study",
    content_type=registry.PDF,
    extension="pdf",
    read=_case_study_html,
    write=pdf.write_pdf,
    authorize=_visible,
    filename=lambda subject: f"case-study-{subject['case_study'][:8]}.pdf",
    url=lambda subject: reverse("casestudies:pdf", args=[subject["case_study"]]),
    back=lambda subject: (
        "Case study",
        reverse("casestudies:case_study", args=[subject["case_study"]]),
    ),
    version=registry.pdf_version,
)
