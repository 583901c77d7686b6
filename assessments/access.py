"""Access to assessment data, built on partnership.access (the single organisation boundary).

Frameworks are published reference material: every signed-in user may read every framework.
Everything an organisation writes (assessments, responses, evidence) is scoped to its members:
outsiders get 404, members who may not make this change get 403.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from partnership import rules as access_rules
from partnership.access import get_object_for

from .models import Assessment, EvidenceFile, EvidenceLink, Framework, Response

# The management side's leads and contributors complete the checklist; the staff side and
# viewers read it (the staff side's own actions are its signatures).
can_edit_checklist = access_rules.is_management_editor


def frameworks_for(user):
    return Framework.objects.all()


def get_framework_for(request, pk):
    return get_object_or_404(frameworks_for(request.user), pk=pk)


def assessments_for(user):
    return Assessment.objects.visible_to(user)


def _refuse_if_locked(assessment, write):
    if write and assessment.is_locked:
        raise PermissionDenied("This assessment is signed off, so it can no longer be changed.")


def get_assessment_for(request, pk, *, write=False, rule=can_edit_checklist, locked_ok=False):
    """``locked_ok`` is for actions that build on a signed-off assessment without changing it,
    such as starting the next cycle from it."""
    assessment = get_object_for(
        request,
        Assessment.objects.select_related("framework"),
        write=write,
        rule=rule,
        pk=pk,
    )
    _refuse_if_locked(assessment, write and not locked_ok)
    return assessment


# What a page about one response shows with it.
RESPONSE_PAGE_RELATED = ("criterion__standard", "assessment__framework", "updated_by")

# What an autosave reads: the answer with its status and version, and of the assessment, its
# framework and organisation only what the access check, the form and the save use, not their
# long texts (the save in place runs as people type, so it is the busiest request there is).
AUTOSAVE_FIELDS = (
    "id",
    "assessment_id",
    "status",
    "version",
    "rating",
    "not_applicable",
    "not_applicable_reason",
    "narrative",
    "barrier",
    "barrier_detail",
    "assessment__id",
    "assessment__status",
    "assessment__organisation_id",
    "assessment__organisation__id",
    "assessment__framework_id",
    "assessment__framework__id",
    "assessment__framework__met_value",
)


def get_response_for(
    request, pk, *, write=False, assessment=None, rule=can_edit_checklist, autosave=False
):
    """``autosave``: fetch only AUTOSAVE_FIELDS, for a save in place that answers with a status
    line; anything else read from the response then costs a query of its own."""
    if autosave:
        queryset = Response.objects.select_related("assessment__framework").only(*AUTOSAVE_FIELDS)
    else:
        queryset = Response.objects.select_related(*RESPONSE_PAGE_RELATED)
    if assessment is not None:
        queryset = queryset.filter(assessment=assessment)
    response = get_object_for(
        request,
        queryset,
        organisation_path="assessment__organisation",
        write=write,
        rule=rule,
        pk=pk,
    )
    _refuse_if_locked(response.assessment, write)
    return response


def get_evidence_file_for(request, pk, *, write=False):
    evidence = get_object_for(
        request,
        EvidenceFile.objects.select_related("response__assessment"),
        organisation_path="response__assessment__organisation",
        write=write,
        rule=can_edit_checklist,
        pk=pk,
    )
    _refuse_if_locked(evidence.response.assessment, write)
    return evidence


def get_evidence_link_for(request, pk, *, write=False):
    link = get_object_for(
        request,
        EvidenceLink.objects.select_related("response__assessment"),
        organisation_path="response__assessment__organisation",
        write=write,
        rule=can_edit_checklist,
        pk=pk,
    )
    _refuse_if_locked(link.response.assessment, write)
    return link


def can_edit(user, assessment) -> bool:
    """For templates: whether to show edit controls at all."""
    return not assessment.is_locked and bool(can_edit_checklist(user, assessment.organisation))
