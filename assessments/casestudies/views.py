"""Case study pages: the library, one case study, writing and approving one, and the PDFs.

Reading goes through ``CaseStudy.objects.visible_to`` (its organisation, or the audience its
leads chose once published); anything else is 404, exactly like an id that does not exist.
Changing goes through the access helper: outsiders 404, members who may not 403. Anonymity is
the presenter's (``CaseStudyView.reveal``): the organisation, its people and its attachments
are shown to its own members only.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from partnership import rules as access_rules
from partnership.access import get_object_for
from partnership.documents.views import document_response
from partnership.signing import ledger

from ..crosswalks.services import equivalents_anywhere
from ..evidence import EvidenceUploadForm, SizeLimitUploadHandler
from ..models import Action, Criterion, Response
from ..views import refused
from ..views.evidence import DOWNLOAD_CSP, serve_stored_file
from . import documents, services
from .forms import ApproveForm, CaseStudyForm, LibraryFilterForm, WithdrawForm
from .library import apply_filters, case_studies_closing, filter_choices, published_for, search
from .models import CaseStudy, CaseStudyAttachment
from .presenters import CaseStudyView, member_organisation_ids, with_criteria
from .storage import store_attachment

LIBRARY_TEMPLATE = "assessments/casestudies/library.html"
PDF_BASE = "assessments/casestudies/_pdf_base.html"


def _crumbs(*items):
    return [
        {"text": "Home", "href": reverse("assessments:home")},
        {"text": "Case studies", "href": reverse("casestudies:library")},
        *items,
    ]


def _url(case_study, anchor=""):
    url = reverse("casestudies:case_study", args=[case_study.pk])
    return f"{url}#{anchor}" if anchor else url


def _get_visible(request, pk) -> CaseStudy:
    try:
        return with_criteria(CaseStudy.objects.visible_to(request.user)).get(pk=pk)
    except (CaseStudy.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404("Not found") from exc


def _get_for_change(request, pk, *, rule=services.can_draft) -> CaseStudy:
    return get_object_for(request, CaseStudy.objects.all(), write=True, rule=rule, pk=pk)


def _refused(request, case_study, message, *, heading, status=400):
    page = refused(
        request,
        message=message,
        heading=heading,
        caption=f"Case study: {case_study.title}",
        back_url=_url(case_study),
        back_text="Back to the case study",
        breadcrumbs=_crumbs(),
    )
    page.status_code = status
    return page


# --- The library --------------------------------------------------------------------------------


def _filtered(request):
    """The library's form and the case studies it selects; an invalid filter selects none."""
    form = LibraryFilterForm(request.GET or None, choices=filter_choices(request.user))
    case_studies = published_for(request.user)
    if form.is_bound:
        if not form.is_valid():
            return form, case_studies.none()
        case_studies = search(apply_filters(case_studies, **form.filters()), form.cleaned_data["q"])
    return form, with_criteria(case_studies)


@require_GET
def library(request):
    form, case_studies = _filtered(request)
    mine = member_organisation_ids(request.user)
    drafts = with_criteria(
        CaseStudy.objects.filter(organisation__in=mine).exclude(status=CaseStudy.Status.PUBLISHED)
    ).order_by("-updated_at")
    return render(
        request,
        LIBRARY_TEMPLATE,
        {
            "form": form,
            "rows": CaseStudyView.list_for(case_studies, request.user, member_ids=mine),
            "drafts": CaseStudyView.list_for(drafts, request.user, member_ids=mine),
            "query": request.GET.urlencode(),
            "breadcrumbs": [{"text": "Home", "href": reverse("assessments:home")}],
        },
        status=400 if form.errors else 200,
    )


@require_GET
def collection_pdf(request):
    form, _case_studies = _filtered(request)
    if form.errors:
        return library(request)
    return document_response(request, "case-studies", documents.collection_subject(request))


def collection_html(request) -> str:
    """The collection PDF's HTML: the library as ``request`` (its user and query) selects it."""
    form, case_studies = _filtered(request)
    return render_to_string(
        "assessments/casestudies/collection.html",
        {
            "rows": CaseStudyView.list_for(case_studies, request.user),
            "base_template": PDF_BASE,
            "for_pdf": True,
            "filters": form.filters() if form.is_bound else {},
            "search": form.cleaned_data.get("q", "") if form.is_bound else "",
        },
    )


@require_GET
def closing(request, criterion_pk):
    """Organisations that closed this gap: published case studies on the criterion."""
    criterion = get_object_or_404(
        Criterion.objects.select_related("framework", "standard"), pk=criterion_pk
    )
    rows = CaseStudyView.list_for(
        with_criteria(
            case_studies_closing(criterion, request.user, equivalents_anywhere(criterion))
        ),
        request.user,
    )
    return render(
        request,
        "assessments/casestudies/closing.html",
        {"criterion": criterion, "rows": rows, "breadcrumbs": _crumbs()},
    )


# --- One case study -----------------------------------------------------------------------------


def _page_context(request, case_study, *, for_pdf=False) -> dict:
    view = CaseStudyView.for_user(case_study, request.user)
    context = {
        "case_study": case_study,
        "view": view,
        "attachments": list(case_study.attachments.all()) if view.reveal else [],
        "for_pdf": for_pdf,
        "base_template": PDF_BASE if for_pdf else "base.html",
        "breadcrumbs": _crumbs(),
    }
    if for_pdf or not view.member:
        return context
    user, organisation = request.user, case_study.organisation
    approvals = services.active_approvals(case_study)
    subject = services.case_study_subject(case_study)
    signable = []
    if case_study.status == CaseStudy.Status.DRAFT and not any(
        a.signer_id == user.pk for a in approvals.values()
    ):
        signable = [
            (side, name)
            for side, name in services.SIDE_NAMES.items()
            if side not in approvals and access_rules.can_sign_off_for[side](user, organisation)
        ]
    can_change = bool(services.can_draft(user, organisation))
    context.update(
        {
            "approvals": services.verified_approvals(approvals, subject),
            "sign_sides": signable,
            "seen": ledger.digest_of(subject),
            "can_change": can_change,
            "can_withdraw": case_study.is_published and services.can_approve(user, organisation),
            "withdraw_form": WithdrawForm(),
            "upload_form": EvidenceUploadForm() if can_change else None,
            "events": list(case_study.events.select_related("user")[:50]),
        }
    )
    return context


@require_GET
def case_study_page(request, pk):
    case_study = _get_visible(request, pk)
    return render(
        request, "assessments/casestudies/case_study.html", _page_context(request, case_study)
    )


@require_GET
def case_study_pdf(request, pk):
    case_study = _get_visible(request, pk)
    return document_response(request, "case-study", documents.subject(request, case_study))


def case_study_html(request, pk) -> str:
    """One case study's PDF HTML, as ``request``'s user may see it (anonymity included)."""
    case_study = _get_visible(request, pk)
    return render_to_string(
        "assessments/casestudies/case_study.html",
        _page_context(request, case_study, for_pdf=True),
    )


def _source(request):
    """The agreed criterion (``?response=``) or done action (``?action=``) it starts from,
    through the organisation boundary: outsiders 404, viewers 403."""
    source_id = request.GET.get("response") or request.GET.get("action")
    if not source_id:
        raise Http404("Start a case study from a criterion or an action")
    if request.GET.get("response"):
        response = get_object_for(
            request,
            Response.objects.select_related(
                "assessment__framework", "criterion__framework", "criterion__standard"
            ),
            organisation_path="assessment__organisation",
            write=True,
            rule=services.can_draft,
            pk=source_id,
        )
        return {"response": response}, response.criterion
    action = get_object_for(
        request,
        Action.objects.select_related("plan__assessment__framework"),
        organisation_path="plan__assessment__organisation",
        write=True,
        rule=services.can_draft,
        pk=source_id,
    )
    first = action.responses.select_related("criterion__framework").first()
    if first is None:
        raise Http404("This action addresses no criterion")
    return {"action": action}, first.criterion


def _other_criteria(criterion):
    return list(
        Criterion.objects.filter(framework_id=criterion.framework_id)
        .exclude(pk=criterion.pk)
        .select_related("standard")
        .order_by("standard__position", "position")
    )


def _form_page(request, form, *, heading, criterion, case_study=None):
    return render(
        request,
        "assessments/casestudies/form.html",
        {
            "form": form,
            "heading": heading,
            "criterion": criterion,
            "case_study": case_study,
            "approved": bool(case_study and services.active_approvals(case_study)),
            "cancel_url": _url(case_study) if case_study else reverse("casestudies:library"),
            "breadcrumbs": _crumbs(),
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def new_case_study(request):
    source, criterion = _source(request)
    form = CaseStudyForm(
        request.POST if request.method == "POST" else None,
        criteria=_other_criteria(criterion),
        initial={"review_date": services.default_review_date(), "anonymous": "no"},
    )
    if form.is_bound and form.is_valid():
        try:
            case_study = services.draft_case_study(
                user=request.user, **source, **form.service_data()
            )
        except services.CaseStudyRefused as refusal:
            return refused(
                request,
                message=str(refusal),
                heading="Write a case study",
                caption=f"Criterion {criterion.ref}",
                back_url=reverse("casestudies:library"),
                back_text="Go to the case studies",
                breadcrumbs=_crumbs(),
            )
        messages.success(request, "Case study drafted. Both leads must approve it to publish it")
        return redirect(_url(case_study))
    return _form_page(request, form, heading="Write a case study", criterion=criterion)


@require_http_methods(["GET", "POST"])
def edit_case_study(request, pk):
    case_study = _get_for_change(request, pk)
    criterion = case_study.criterion
    form = CaseStudyForm(
        request.POST if request.method == "POST" else None,
        criteria=_other_criteria(criterion),
        initial=CaseStudyForm.initial_for(case_study),
    )
    if form.is_bound and form.is_valid():
        try:
            services.edit_case_study(
                case_study.pk,
                user=request.user,
                expected_version=form.cleaned_data["version"] or 0,
                **form.service_data(),
            )
        except services.CaseStudyRefused as refusal:
            return _refused(request, case_study, str(refusal), heading="Change the case study")
        messages.success(request, "Case study saved")
        return redirect(_url(case_study))
    return _form_page(
        request, form, heading="Change the case study", criterion=criterion, case_study=case_study
    )


@require_POST
def approve(request, pk):
    case_study = _get_for_change(request, pk, rule=services.can_approve)
    form = ApproveForm(request.POST)
    heading = "Approve for publication"
    if not form.is_valid():
        return _refused(
            request, case_study, "Select the side you are approving for", heading=heading
        )
    try:
        services.approve(
            case_study.pk,
            user=request.user,
            side=form.cleaned_data["side"],
            seen=form.cleaned_data["seen"],
        )
    except ledger.ContentChanged:
        return _refused(
            request,
            case_study,
            "This case study changed since you opened it. Read it again, then approve it if "
            "you still agree",
            heading=heading,
            status=409,
        )
    except services.CaseStudyRefused as refusal:
        return _refused(request, case_study, str(refusal), heading=heading)
    case_study.refresh_from_db(fields=["status"])
    if case_study.is_published:
        messages.success(request, "Approved. Both leads have approved it, so it is published")
    else:
        messages.success(request, "Approved. It is published once the other lead approves it")
    return redirect(_url(case_study, "approvals"))


@require_POST
def withdraw(request, pk):
    case_study = _get_for_change(request, pk, rule=services.can_approve)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _refused(
            request, case_study, form.errors["reason"][0], heading="Withdraw the case study"
        )
    try:
        services.withdraw(case_study.pk, user=request.user, reason=form.cleaned_data["reason"])
    except services.CaseStudyRefused as refusal:
        return _refused(request, case_study, str(refusal), heading="Withdraw the case study")
    messages.success(request, "Withdrawn. It is no longer in the library")
    return redirect(_url(case_study))


# --- Attachments --------------------------------------------------------------------------------


@csrf_exempt  # checked by _upload, once the size limit is in place (as for evidence)
@require_POST
def upload_attachment(request, pk):
    case_study = _get_for_change(request, pk)
    size_limit = SizeLimitUploadHandler(request, limit=settings.EVIDENCE_MAX_UPLOAD_BYTES)
    request.upload_handlers.insert(0, size_limit)
    return _upload(request, case_study, size_limit)


@csrf_protect
def _upload(request, case_study, size_limit):
    form = EvidenceUploadForm(request.POST, request.FILES, refused_for_size=size_limit.refused)
    if not form.is_valid():
        return _refused(request, case_study, form.errors["file"][0], heading="Attach a file")
    attachment = store_attachment(
        case_study, form.cleaned_data["file"], form.checked, user=request.user
    )
    messages.success(request, f"Attached {attachment.original_name}")
    return redirect(_url(case_study, "attachments"))


@require_GET
@never_cache
@csp_override(DOWNLOAD_CSP)
def download_attachment(request, pk):
    attachment = get_object_or_404(CaseStudyAttachment.objects.select_related("case_study"), pk=pk)
    case_study = _get_visible(request, attachment.case_study_id)
    if not CaseStudyView.for_user(case_study, request.user).reveal:
        raise Http404("Not found")
    return serve_stored_file(attachment, "Case study attachment")


@require_POST
def remove_attachment(request, pk):
    attachment = get_object_for(
        request,
        CaseStudyAttachment.objects.select_related("case_study"),
        organisation_path="case_study__organisation",
        write=True,
        rule=services.can_draft,
        pk=pk,
    )
    services.remove_attachment(attachment.pk, user=request.user)
    messages.success(request, f"Removed {attachment.original_name}")
    return redirect(_url(attachment.case_study, "attachments"))
