"""Joint action plans: from an assessment's gaps to agreed, owned and tracked actions.

Reading (the plan, an action, the organisation's list of actions, the PDF, the exports and
verifying a signature) is for every member of the organisation, viewers included. Changing the
plan (adding, changing, removing an action) and posting progress is for the leads and
contributors of either side; signing it is for the two leads, each for their own side. The
access helper answers outsiders with 404 and members without the right with 403 before the form
is read; the services enforce the rest (owners on the right side, criteria of this assessment,
nobody signing for both sides) and say why when they refuse, which we answer with 400 and that
reason, having changed nothing. A plan stays open to changes after the assessment's joint
sign-off (``locked_ok``): its actions still have to be followed up.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from partnership import rules as access_rules
from partnership.access import get_object_for, get_organisation_for
from partnership.models import Membership

from .. import services
from ..access import get_assessment_for
from ..actions import (
    action_rag,
    active_plan_signatures,
    criteria_choices,
    filter_actions,
    possible_owners,
    side_tag,
    standards_of,
    with_details,
)
from ..actions import (
    organisation_actions as actions_of_organisation,
)
from ..documents import Kind
from ..forms import OUT_OF_DATE, ActionFilterForm, ActionForm, ActionUpdateForm, SeenForm
from ..models import Action, PlanSignature
from ..reports import exports
from ..reports.action_plan import ActionPlanReport, ActionRow, action_rows
from ..reports.presenters import report_filename
from ..signing import verify_plan_signature as verify_signature
from . import changed, refused
from .documents import document_response

MANAGEMENT = Membership.Side.MANAGEMENT
STAFF_SIDE = Membership.Side.STAFF_SIDE
SIDES = (MANAGEMENT, STAFF_SIDE)
SIDE_NAMES = {MANAGEMENT: "the management side", STAFF_SIDE: "the staff side"}

# Who may do what: one predicate each, from partnership.rules.
can_change_plan = access_rules.is_editor_on_either_side
can_sign_plan = access_rules.is_lead_on_either_side


# --- Helpers ----------------------------------------------------------------------------------


def _plan_url(assessment_id, anchor=""):
    url = reverse("assessments:action_plan", args=[assessment_id])
    return f"{url}#{anchor}" if anchor else url


def _action_url(action, anchor=""):
    url = reverse("assessments:action", args=[action.pk])
    return f"{url}#{anchor}" if anchor else url


def _crumbs(assessment, *, plan=False):
    crumbs = [
        {"text": "Home", "href": reverse("assessments:home")},
        {"text": assessment.title, "href": reverse("assessments:assessment", args=[assessment.pk])},
    ]
    if plan:
        crumbs.append({"text": "Joint action plan", "href": _plan_url(assessment.pk)})
    return crumbs


def _get_action(request, pk, *, write=False):
    """An action with what its pages show, through the organisation boundary."""
    return get_object_for(
        request,
        with_details(Action.objects.all(), carried_to=True).select_related(
            "plan__assessment__framework"
        ),
        organisation_path="plan__assessment__organisation",
        write=write,
        rule=can_change_plan,
        pk=pk,
    )


def _refused(request, assessment, message, *, heading, back_url, back_text):
    """A service refused: say why, with a way back. Nothing was changed."""
    return refused(
        request,
        message=message,
        heading=heading,
        caption=f"Joint action plan: {assessment.title}",
        back_url=back_url,
        back_text=back_text,
        breadcrumbs=_crumbs(assessment, plan=True),
    )


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def signable_sides(user, organisation, plan) -> list[str]:
    """The sides this user may sign the plan for now: a side they lead whose lead has not
    signed, unless they have signed for the other side (the service has the last word)."""
    if any(s.signer_id == user.pk for s in plan.active.values()):
        return []
    return [
        side
        for side in SIDES
        if side not in plan.active and access_rules.can_sign_off_for[side](user, organisation)
    ]


# --- The plan ---------------------------------------------------------------------------------


@require_GET
def action_plan(request, pk):
    assessment = get_assessment_for(request, pk)
    report = ActionPlanReport.build(assessment)
    organisation = assessment.organisation
    context = report.context(for_pdf=False)
    sides = signable_sides(request.user, organisation, report.plan) if report.rows else []
    context.update(
        {
            "can_change": can_change_plan(request.user, organisation),
            "is_lead": can_sign_plan(request.user, organisation),
            "sign_sides": [(side, SIDE_NAMES[side]) for side in sides],
            "breadcrumbs": _crumbs(assessment),
        }
    )
    return render(request, report.template_name, context)


@require_http_methods(["GET", "POST"])
def add_action(request, pk):
    assessment = get_assessment_for(request, pk, write=True, rule=can_change_plan, locked_ok=True)
    form = ActionForm(
        request.POST if request.method == "POST" else None,
        criteria=criteria_choices(assessment),
        owners=possible_owners(assessment.organisation),
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_action(assessment.pk, user=request.user, **data)
        except services.NotAllowed as refusal:
            return _refused(
                request,
                assessment,
                str(refusal),
                heading="Add an action",
                back_url=_plan_url(assessment.pk),
                back_text="Back to the action plan",
            )
        messages.success(request, "Action added to the plan")
        return redirect(_plan_url(assessment.pk, "actions"))
    heading = "Add an action"
    chosen = request.GET.get("criterion", "")
    if chosen in form.responses_by_id:
        # The page says which criterion it starts from, in its title as well as its heading.
        heading = f"Add an action for {form.responses_by_id[chosen].criterion.ref}"
        if not form.is_bound:
            form.initial["responses"] = [chosen]
    return _action_form_page(request, assessment, form, heading=heading)


def _action_form_page(request, assessment, form, *, heading, action=None):
    return render(
        request,
        "assessments/actions/action_form.html",
        {
            "assessment": assessment,
            "form": form,
            "heading": heading,
            "action": action,
            "signatures": active_plan_signatures(assessment),
            "cancel_url": _action_url(action) if action else _plan_url(assessment.pk),
            "breadcrumbs": _crumbs(assessment, plan=True),
        },
        status=400 if form.errors else 200,
    )


@require_POST
def sign_plan(request, pk):
    assessment = get_assessment_for(request, pk, write=True, rule=can_sign_plan, locked_ok=True)
    side = request.POST.get("side", "")

    def refuse(message):
        return _refused(
            request,
            assessment,
            message,
            heading="Sign the action plan",
            back_url=_plan_url(assessment.pk, "signatures"),
            back_text="Back to the action plan",
        )

    if side not in Membership.Side.values:
        return refuse("Select the side you are signing for")
    form = SeenForm(request.POST)
    if not form.is_valid():
        return refuse(OUT_OF_DATE)
    try:
        services.sign_plan(
            assessment.pk, user=request.user, side=side, seen=form.cleaned_data["seen"]
        )
    except services.ContentChanged as exc:
        return _plan_changed(request, assessment, exc.subject)
    except services.NotAllowed as refusal:
        return refuse(str(refusal))
    messages.success(request, f"You signed the action plan for {SIDE_NAMES[side]}")
    return redirect(_plan_url(assessment.pk, "signatures"))


def _plan_changed(request, assessment, current):
    """The plan changed after the lead opened it: what it says now, action by action."""
    return changed(
        request,
        heading="The action plan has changed",
        caption=assessment.title,
        back_url=_plan_url(assessment.pk, "signatures"),
        back_text="Back to the action plan",
        breadcrumbs=_crumbs(assessment, plan=True),
        current=[
            {
                "label": ", ".join(action["criteria"]),
                "value": f"{action['description']}\nBy {action['target_date']}: "
                f"{action['management_owner']} and {action['staff_owner']}",
            }
            for action in current.get("actions", [])
        ],
        more=["Someone added, changed or removed an action after you opened the plan."],
    )


# --- Downloads --------------------------------------------------------------------------------


@require_GET
def action_plan_pdf(request, pk):
    return document_response(request, pk, Kind.ACTIONS)


@require_GET
def action_plan_csv(request, pk):
    report = ActionPlanReport.build(get_assessment_for(request, pk))
    return _download(
        exports.action_plan_csv(report),
        "text/csv; charset=utf-8",
        report_filename(report.assessment, "actions", "csv"),
    )


@require_GET
def action_plan_xlsx(request, pk):
    return document_response(request, pk, Kind.ACTIONS_XLSX)


# --- One action -------------------------------------------------------------------------------


def _action_page(request, action, *, form=None, status=200):
    assessment = action.plan.assessment
    organisation = assessment.organisation
    can_change = can_change_plan(request.user, organisation)
    # An action carried forward is followed up in the later cycle's plan, which the page
    # links to, rather than here.
    if form is None and can_change and not action.carried_to_list:
        form = ActionUpdateForm(action=action)
    return render(
        request,
        "assessments/actions/action.html",
        {
            "assessment": assessment,
            "action": action,
            "row": ActionRow(action, action_rag(action, timezone.localdate())),
            "can_change": can_change,
            "form": form,
            "signatures": active_plan_signatures(assessment) if can_change else [],
            "breadcrumbs": _crumbs(assessment, plan=True),
        },
        status=status,
    )


@require_GET
def action_detail(request, pk):
    return _action_page(request, _get_action(request, pk))


@require_http_methods(["GET", "POST"])
def edit_action(request, pk):
    action = _get_action(request, pk, write=True)
    assessment = action.plan.assessment
    form = ActionForm(
        request.POST if request.method == "POST" else None,
        initial=ActionForm.initial_for(action),
        criteria=criteria_choices(assessment),
        owners=possible_owners(assessment.organisation),
    )
    if form.is_bound and form.is_valid():
        try:
            services.save_action(
                assessment.pk, user=request.user, action=action, **form.cleaned_data
            )
        except services.NotAllowed as refusal:
            return _refused(
                request,
                assessment,
                str(refusal),
                heading="Change an action",
                back_url=_action_url(action),
                back_text="Back to the action",
            )
        messages.success(request, "Action changed")
        return redirect(_action_url(action))
    return _action_form_page(request, assessment, form, heading="Change an action", action=action)


@require_POST
def remove_action(request, pk):
    action = _get_action(request, pk, write=True)
    assessment = action.plan.assessment
    try:
        services.remove_action(action, user=request.user)
    except services.NotAllowed as refusal:
        return _refused(
            request,
            assessment,
            str(refusal),
            heading="Remove an action",
            back_url=_action_url(action),
            back_text="Back to the action",
        )
    messages.success(request, "Action removed from the plan")
    return redirect(_plan_url(assessment.pk, "actions"))


@require_POST
def post_update(request, pk):
    action = _get_action(request, pk, write=True)
    form = ActionUpdateForm(request.POST, action=action)
    if not form.is_valid():
        return _action_page(request, action, form=form, status=400)
    try:
        services.post_action_update(
            action.pk,
            user=request.user,
            text=form.cleaned_data["text"],
            status=form.cleaned_data["status"],
        )
    except services.NotAllowed as refusal:
        return _refused(
            request,
            action.plan.assessment,
            str(refusal),
            heading="Post a progress update",
            back_url=_action_url(action, "progress"),
            back_text="Back to the action",
        )
    messages.success(request, "Progress update posted")
    return redirect(_action_url(action, "progress"))


# --- Verifying a signature --------------------------------------------------------------------


@require_GET
def verify_plan_signature(request, pk):
    signature = get_object_for(
        request,
        PlanSignature.objects.select_related("signer", "plan__assessment__framework"),
        organisation_path="plan__assessment__organisation",
        pk=pk,
    )
    assessment = signature.plan.assessment
    content = signature.content if isinstance(signature.content, dict) else {}
    subject = content.get("subject") if isinstance(content.get("subject"), dict) else {}
    signed_actions = [a for a in subject.get("actions") or [] if isinstance(a, dict)]
    return render(
        request,
        "assessments/actions/verify.html",
        {
            "signature": signature,
            "side": side_tag(signature.side),
            "assessment": assessment,
            "verification": verify_signature(signature),
            "signed_actions": signed_actions,
            "breadcrumbs": _crumbs(assessment, plan=True),
        },
    )


# --- One organisation's actions ---------------------------------------------------------------


@require_GET
def organisation_actions(request, organisation_pk):
    organisation = get_organisation_for(request, organisation_pk)
    owners = possible_owners(organisation)
    # Someone on both sides is listed once.
    people = list({p.pk: p for side in SIDES for p in owners[side]}.values())
    people.sort(key=lambda p: (p.get_full_name().lower(), p.email))
    form = ActionFilterForm(
        request.GET or None, people=people, standards=standards_of(organisation)
    )
    today = timezone.localdate()
    actions = actions_of_organisation(request.user, organisation)
    status = 200
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            actions = filter_actions(
                actions,
                owner=data["owner"],
                status=data["status"],
                standard=data["standard"],
                today=today,
            )
        else:
            actions, status = actions.none(), 400
    rows = action_rows(list(actions), today)
    return render(
        request,
        "assessments/actions/organisation_actions.html",
        {
            "organisation": organisation,
            "form": form,
            "rows": rows,
            "overdue": sum(1 for row in rows if row.overdue),
            "breadcrumbs": [{"text": "Home", "href": reverse("assessments:home")}],
        },
        status=status,
    )
