"""The assessment reports' downloads, through the documents on the task queue
(partnership.documents.views: the stored file, or the waiting page). Every member of the
organisation may read them; outsiders get 404."""

from partnership.documents.views import document_response as _document_response

from .. import documents
from ..access import get_assessment_for
from ..reports.presenters import report_filename


def document_response(request, pk, kind):
    """The response to a request for the ``kind`` document of assessment ``pk``."""
    assessment = get_assessment_for(request, pk)
    spec = documents.KINDS[kind]
    return _document_response(
        request,
        kind,
        documents.subject_of(assessment),
        stamp=documents.content_stamp(assessment),
        filename=report_filename(assessment, spec.name, spec.extension),
    )
