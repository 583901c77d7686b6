"""The checklist: start an assessment, see progress, and answer each criterion.

A criterion page saves with a plain form POST (Post/Redirect/Get) and, when JavaScript is on,
in place through htmx as people type: an htmx save answers with a small status fragment
(templates/assessments/checklist/_save_status.html) that never replaces the fields being typed
into, and carries the response's new version out of band.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from partnership.access import organisations_for

from .. import services
from ..access import (
    can_edit,
    can_edit_checklist,
    frameworks_for,
    get_assessment_for,
    get_response_for,
)
from ..casestudies.library import closing_counts, criterion_panel
from ..evidence import EvidenceLinkForm, EvidenceUploadForm
from ..forms import ResponseForm, StartAssessmentForm
from ..presenters import (
    FILTERS,
    Progress,
    RatingScale,
    conflict_rows,
    criterion_rows,
    history,
    neighbours,
    progress_by_standard,
    responses_with_evidence_counts,
    same_answer,
    status_tag,
)
from .joint import joint_panel, joint_rows, readable_history
from .signoff import overview_context as joint_sign_off_context

# The most recent history entries a criterion page shows; every autosave adds one.
HISTORY_SHOWN = 20


def _crumbs(*items):
    return [{"text": "Home", "href": reverse("assessments:home")}, *items]


def _assessment_crumb(assessment):
    return {
        "text": assessment.title,
        "href": reverse("assessments:assessment", args=[assessment.pk]),
    }


def _criterion_url(response):
    return reverse("assessments:criterion", args=[response.assessment_id, response.pk])


@require_http_methods(["GET", "POST"])
def start_assessment(request):
    organisations = [
        org
        for org in organisations_for(request.user).order_by("name")
        if can_edit_checklist(request.user, org)
    ]
    if not organisations:
        raise PermissionDenied(
            "Only the management side's leads and contributors can start a self-assessment."
        )
    form = StartAssessmentForm(
        request.POST if request.method == "POST" else None,
        organisations=organisations,
        frameworks=frameworks_for(request.user),
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            assessment = services.start_assessment(
                organisation=data["organisation"],
                framework=data["framework"],
                period=data["period"],
                title=data["title"],
                user=request.user,
            )
        except services.AssessmentExists:
            form.add_error(
                "period",
                f"{data['organisation'].name} already has a {data['framework'].title} "
                f"self-assessment for {data['period']}. Choose another period or framework",
            )
        else:
            messages.success(request, "Self-assessment started")
            return redirect("assessments:assessment", assessment.pk)
    return render(
        request,
        "assessments/checklist/start.html",
        {"form": form, "breadcrumbs": _crumbs()},
    )


@require_GET
def overview(request, pk):
    assessment = get_assessment_for(request, pk)
    progress = progress_by_standard(assessment)
    standards = [
        (standard, progress.get(standard.pk, Progress()))
        for standard in assessment.framework.standards.order_by("position")
    ]
    total = sum((p for _, p in standards), Progress())
    return render(
        request,
        "assessments/checklist/overview.html",
        {
            "assessment": assessment,
            "standards": standards,
            "total": total,
            "filters": [(f, total.count(f.slug)) for f in FILTERS.values()],
            "can_edit": can_edit(request.user, assessment),
            "can_start_next": bool(can_edit_checklist(request.user, assessment.organisation)),
            "breadcrumbs": _crumbs(),
            # The "Joint sign-off" section: three queries, two more per lead who has signed.
            **joint_sign_off_context(request, assessment),
        },
    )


@require_GET
def criteria_list(request, pk):
    assessment = get_assessment_for(request, pk)
    context = {
        "assessment": assessment,
        "filters": FILTERS.values(),
        "breadcrumbs": _crumbs(_assessment_crumb(assessment)),
    }
    criteria_filter = FILTERS.get(request.GET.get("show", ""))
    if criteria_filter is None:
        return render(request, "assessments/checklist/unknown_filter.html", context, status=404)
    scale = RatingScale.for_framework(assessment.framework)
    responses = responses_with_evidence_counts(assessment).filter(
        criteria_filter.q(assessment.framework.met_value)
    )
    rows = criterion_rows(responses, scale)
    if criteria_filter.slug == "below_met":
        # The gap list links each gap to the organisations that closed it (one query).
        for row in rows:
            row.criterion.framework = assessment.framework
        closing = closing_counts([row.criterion for row in rows], request.user)
        context["closing"] = [(row.criterion, closing[row.criterion.pk]) for row in rows]
    return render(
        request,
        "assessments/checklist/criteria_list.html",
        {**context, "filter": criteria_filter, "rows": rows},
    )


@require_GET
def standard_page(request, pk, standard_pk):
    assessment = get_assessment_for(request, pk)
    standard = get_object_or_404(assessment.framework.standards, pk=standard_pk)
    scale = RatingScale.for_framework(assessment.framework)
    responses = responses_with_evidence_counts(assessment).filter(criterion__standard=standard)
    return render(
        request,
        "assessments/checklist/standard.html",
        {
            "assessment": assessment,
            "standard": standard,
            "rows": joint_rows(criterion_rows(responses, scale), scale),
            "progress": progress_by_standard(assessment).get(standard.pk, Progress()),
            "breadcrumbs": _crumbs(_assessment_crumb(assessment)),
        },
    )


@require_http_methods(["GET", "POST"])
def criterion_page(request, pk, response_pk):
    saving = request.method == "POST"
    # The response comes from the URL, scoped to the assessment in the URL: never from the form.
    # An autosave answers with a status line, so it reads only what the save needs.
    response = get_response_for(
        request, response_pk, write=saving, assessment=pk, autosave=saving and bool(request.htmx)
    )
    scale = RatingScale.for_framework(response.assessment.framework)
    editable = can_edit(request.user, response.assessment)
    form = (
        ResponseForm(request.POST if saving else None, response=response, levels=scale.levels)
        if editable
        else None
    )
    if saving:
        if form.is_valid():
            return _save(request, response, form, scale)
        if request.htmx:
            return _status(request, "invalid", response, form=form)
    return _criterion_page(request, response, scale, form, editable)


def _save(request, response, form, scale):
    try:
        saved = services.save_response(
            response.pk,
            data=form.response_data(),
            expected_version=form.cleaned_data["version"],
            user=request.user,
            current=response,
        ).response
    except services.AssessmentLocked as exc:
        raise PermissionDenied(str(exc)) from exc
    except services.Conflict as conflict:
        saved = conflict.current
        # Somebody (often this person's own autosave a moment earlier) already saved exactly
        # these values: nothing would be lost, so there is nothing to resolve.
        if not same_answer(saved, form.response_data()):
            return _conflict(request, response, form, saved, scale)
    if request.htmx:
        return _status(request, "saved", saved)
    messages.success(request, "Saved")
    if request.POST.get("then") == "next":
        following = neighbours(response).next
        if following:
            return redirect("assessments:criterion", response.assessment_id, following.pk)
    return redirect(_criterion_url(response))


def _status(request, state, response, *, form=None, current=None):
    """The htmx answer: a status line, the new version and the form's errors, out of band.

    Always 200, refusals included: htmx swaps only successful answers by default, browsers log
    every 4xx as a console error, and data-save-state says what happened.
    """
    return render(
        request,
        "assessments/checklist/_save_status.html",
        {"state": state, "response": response, "form": form, "current": current},
    )


def _conflict(request, response, form, current, scale):
    if request.htmx:
        return _status(request, "conflict", response, form=form, current=current)
    # The user's own values, ready to save over the current version ("Keep mine").
    data = request.POST.copy()
    data["version"] = str(current.version)
    data.pop("then", None)
    keep_form = ResponseForm(data, response=response, levels=scale.levels)
    return render(
        request,
        "assessments/checklist/conflict.html",
        {
            "response": response,
            "assessment": response.assessment,
            "criterion": response.criterion,
            "current": current,
            "saved_by": current.updated_by,
            "rows": conflict_rows(current, form.response_data(), scale),
            "keep_form": keep_form,
            "breadcrumbs": _crumbs(
                _assessment_crumb(response.assessment),
                {
                    "text": response.criterion.standard.title,
                    "href": reverse(
                        "assessments:standard",
                        args=[response.assessment_id, response.criterion.standard_id],
                    ),
                },
            ),
        },
        status=409,
    )


def _criterion_page(request, response, scale, form, editable):
    assessment = response.assessment
    criterion = response.criterion
    changes = list(response.changes.select_related("user")[: HISTORY_SHOWN + 1])
    files = list(response.files.select_related("uploaded_by"))
    links = list(response.links.select_related("added_by"))
    return render(
        request,
        "assessments/checklist/criterion.html",
        {
            "assessment": assessment,
            "criterion": criterion,
            "standard": criterion.standard,
            "response": response,
            "rating": None if response.not_applicable else scale.tag(response.rating),
            "status": status_tag(response),
            "below_met": scale.is_below_met(response.rating),
            # "Organisations that closed this gap" or "Write a case study".
            "case_studies": criterion_panel(
                request.user, response, below_met=scale.is_below_met(response.rating)
            ),
            "form": form,
            "can_edit": editable,
            "neighbours": neighbours(response),
            "history": readable_history(history(changes[:HISTORY_SHOWN], scale), scale),
            "more_history": len(changes) > HISTORY_SHOWN,
            # For the evidence section (templates/assessments/_evidence.html).
            "files": files,
            "links": links,
            **_evidence_forms(editable),
            # The joint recording section and the comments (templates/assessments/joint/).
            "joint": joint_panel(request, response, scale, files=files, links=links),
            "breadcrumbs": _crumbs(
                _assessment_crumb(assessment),
                {
                    "text": criterion.standard.title,
                    "href": reverse(
                        "assessments:standard", args=[assessment.pk, criterion.standard_id]
                    ),
                },
            ),
        },
    )


def _evidence_forms(editable):
    if not editable:
        return {"upload_form": None, "link_form": None}
    return {"upload_form": EvidenceUploadForm(), "link_form": EvidenceLinkForm()}
