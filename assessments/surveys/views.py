"""Survey pages.

Every member of the organisation (viewers included) may list its rounds, read a round and,
once it is closed, its results, PDF and CSV; outsiders get 404. Opening, reminding, closing and
turning results into actions is for the leads of either side (403 for other members). A member
answers with their own invitation; anyone answers through an emailed link without an account
(the link page needs no sign-in, and a forged, used or expired link gets a page saying so).
A network's results are for its members, its round-opening page for its leads.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from partnership.access import get_object_for, get_organisation_for
from partnership.documents.views import document_response
from partnership.models import Network, NetworkMember

from ..actions import possible_owners
from ..models import Framework
from ..services import NotAllowed
from ..views import refused
from ..views.reports import _download
from . import documents, exports, links, services
from .forms import AnswerForm, NetworkRoundForm, OpenRoundForm, SurveyActionForm
from .models import SurveyInvitation, SurveyRound
from .results import RoundResults, survey_scores_for_network


def _get_round(request, pk, *, write=False):
    return get_object_for(
        request,
        SurveyRound.objects.select_related("framework", "network"),
        write=write,
        rule=services.can_run_round,
        pk=pk,
    )


def _crumbs(organisation, survey_round=None):
    crumbs = [
        {"text": "Home", "href": reverse("assessments:home")},
        {"text": "Surveys", "href": reverse("assessments:surveys", args=[organisation.pk])},
    ]
    if survey_round:
        crumbs.append(
            {
                "text": survey_round.title,
                "href": reverse("assessments:survey", args=[survey_round.pk]),
            }
        )
    return crumbs


def _refused(request, survey_round, message, heading):
    return refused(
        request,
        message=message,
        heading=heading,
        caption=survey_round.title,
        back_url=reverse("assessments:survey", args=[survey_round.pk]),
        back_text="Go back to the survey",
        breadcrumbs=_crumbs(survey_round.organisation, survey_round),
    )


# --- An organisation's rounds -----------------------------------------------------------------


@require_GET
def survey_list(request, organisation_pk):
    organisation = get_organisation_for(request, organisation_pk)
    rounds = organisation.survey_rounds.select_related("framework").order_by("-closes_on")
    return render(
        request,
        "assessments/surveys/list.html",
        {
            "organisation": organisation,
            "rounds": rounds,
            "can_run": services.can_run_round(request.user, organisation),
            "breadcrumbs": _crumbs(organisation)[:1],
        },
    )


@require_http_methods(["GET", "POST"])
def open_round(request, organisation_pk):
    organisation = get_organisation_for(request, organisation_pk)
    if not services.can_run_round(request.user, organisation):
        raise PermissionDenied("Only the leads of either side can open a survey.")
    form = OpenRoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        members = (
            services.members_by_side(organisation)
            if data["invite_members"]
            else {side: [] for side in services.SIDES}
        )
        extra = {
            services.SIDES[0]: data["management_emails"],
            services.SIDES[1]: data["staff_side_emails"],
        }
        try:
            survey_round = services.open_round(
                organisation,
                framework=data["framework"],
                period=data["period"],
                title=data["title"],
                closes_on=data["closes_on"],
                invitees={side: members[side] + extra[side] for side in services.SIDES},
                user=request.user,
            )
        except NotAllowed as error:
            form.add_error(None, str(error))
        else:
            return redirect("assessments:survey", survey_round.pk)
    return render(
        request,
        "assessments/surveys/open.html",
        {
            "form": form,
            "caption": organisation.name,
            "heading": "Open a survey",
            "intro": "Each person invited gets an email with a link that works once, without an "
            "account, until the closing date. Answers are stored without names.",
            "breadcrumbs": _crumbs(organisation),
        },
        status=400 if form.errors else 200,
    )


# --- One round --------------------------------------------------------------------------------


def _counts(survey_round):
    """Invited and answered per side: only totals, never who."""
    return RoundResults(survey_round).responses


@require_GET
def round_detail(request, pk):
    survey_round = _get_round(request, pk)
    invitation = services.invitation_for_member(survey_round, request.user)
    return render(
        request,
        "assessments/surveys/round.html",
        {
            "round": survey_round,
            "organisation": survey_round.organisation,
            "responses": _counts(survey_round),
            "can_run": services.can_run_round(request.user, survey_round.organisation),
            "can_answer": invitation is not None
            and not invitation.used
            and survey_round.accepts_answers(),
            "has_answered": invitation is not None and invitation.used,
            "minimum": services.min_answers(),
            "breadcrumbs": _crumbs(survey_round.organisation),
        },
    )


@require_POST
def remind(request, pk):
    survey_round = _get_round(request, pk, write=True)
    try:
        count = services.queue_reminders(survey_round.pk, user=request.user)
    except NotAllowed as error:
        return _refused(request, survey_round, str(error), "Reminders not sent")
    messages.success(request, f"Reminders will go to {count} people who have not answered yet.")
    return redirect("assessments:survey", survey_round.pk)


@require_POST
def close(request, pk):
    survey_round = _get_round(request, pk, write=True)
    try:
        services.close_round(survey_round.pk, user=request.user)
    except NotAllowed as error:
        return _refused(request, survey_round, str(error), "The survey was not closed")
    return redirect("assessments:survey_results", survey_round.pk)


# --- Answering --------------------------------------------------------------------------------


def _answer_page(request, survey_round, form, *, action_url, status=200):
    return render(
        request,
        "assessments/surveys/answer.html",
        {
            "round": survey_round,
            "organisation": survey_round.organisation,
            "form": form,
            "action_url": action_url,
            "minimum": services.min_answers(),
        },
        status=400 if form.errors else status,
    )


def _answer_form(survey_round, data=None):
    framework = survey_round.framework
    return AnswerForm(
        data,
        criteria=framework.criteria.select_related("standard").order_by(
            "standard__position", "position"
        ),
        levels=framework.levels.order_by("value"),
    )


def _link_problem(request, heading, message, status):
    return render(
        request,
        "assessments/surveys/link_problem.html",
        {"heading": heading, "message": message},
        status=status,
    )


def _take_answer(request, invitation, action_url):
    survey_round = invitation.round
    form = _answer_form(survey_round, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_answer(invitation.pk, scores=form.scores)
        except services.AlreadyAnswered:
            return _link_problem(request, *USED)
        except services.RoundClosed:
            return _link_problem(request, *CLOSED)
        except NotAllowed as error:
            form.add_error(None, str(error))
        else:
            return redirect("assessments:survey_thanks")
    return _answer_page(request, survey_round, form, action_url=action_url)


FORGED = (
    "This link does not work",
    "The link is not one this service sent, or part of it is missing. Copy the whole link "
    "from your invitation email, or ask whoever invited you for a new one.",
    404,
)
USED = (
    "You have already answered",
    "Each invitation can be used to answer once, and this one has been. Thank you for taking part.",
    410,
)
CLOSED = (
    "This survey has closed",
    "The closing date has passed, so no more answers are taken. The leads will share the results.",
    410,
)


@login_not_required
@require_http_methods(["GET", "POST"])
def answer_by_link(request, token):
    try:
        link = links.read_token(token)
        invitation = SurveyInvitation.objects.select_related(
            "round__framework", "round__organisation"
        ).get(pk=link.invitation_id)
    except (links.LinkInvalid, SurveyInvitation.DoesNotExist, ValueError):
        return _link_problem(request, *FORGED)
    if not invitation.round.accepts_answers() or link.closes_on < invitation.round.closes_on:
        return _link_problem(request, *CLOSED)
    if invitation.used:
        return _link_problem(request, *USED)
    return _take_answer(request, invitation, reverse("assessments:survey_link", args=[token]))


@require_http_methods(["GET", "POST"])
def answer_as_member(request, pk):
    survey_round = _get_round(request, pk)
    invitation = services.invitation_for_member(survey_round, request.user)
    if invitation is None:
        raise PermissionDenied("You were not invited to answer this survey.")
    if invitation.used:
        return _link_problem(request, *USED)
    if not survey_round.accepts_answers():
        return _link_problem(request, *CLOSED)
    invitation.round = survey_round
    return _take_answer(
        request, invitation, reverse("assessments:survey_answer", args=[survey_round.pk])
    )


@login_not_required
@require_GET
def thanks(request):
    return render(request, "assessments/surveys/thanks.html", {"minimum": services.min_answers()})


# --- Results ----------------------------------------------------------------------------------


def _closed_round(request, pk):
    survey_round = _get_round(request, pk)
    if not survey_round.is_closed:
        raise Http404("The results are shown once the survey has closed.")
    return survey_round


@require_GET
def results(request, pk):
    survey_round = _closed_round(request, pk)
    report = RoundResults(survey_round)
    context = exports.context(report, for_pdf=False)
    context.update(
        {
            "can_run": services.can_run_round(request.user, survey_round.organisation),
            "action_assessment": services.action_assessment(survey_round),
            "breadcrumbs": _crumbs(survey_round.organisation, survey_round),
        }
    )
    return render(request, report.template_name, context)


@require_GET
def results_pdf(request, pk):
    survey_round = _closed_round(request, pk)
    return document_response(request, "survey-results", documents.subject(survey_round))


@require_GET
def results_csv(request, pk):
    report = RoundResults(_closed_round(request, pk))
    return _download(
        exports.results_csv(report), "text/csv; charset=utf-8", exports.filename(report, "csv")
    )


@require_http_methods(["GET", "POST"])
def add_action(request, pk):
    survey_round = _get_round(request, pk, write=True)
    if not survey_round.is_closed:
        raise Http404("Actions come from the results of a closed survey.")
    report = RoundResults(survey_round)
    form = SurveyActionForm(
        request.POST or None,
        rows=report.rows,
        lowest=report.lowest,
        owners=possible_owners(survey_round.organisation),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment, _action = services.add_action_from_statements(
                survey_round.pk,
                user=request.user,
                refs=form.refs,
                description=data["description"],
                management_owner=data["management_owner"],
                staff_owner=data["staff_owner"],
                target_date=data["target_date"],
            )
        except NotAllowed as error:
            form.add_error(None, str(error))
        else:
            return redirect("assessments:action_plan", assessment.pk)
    return render(
        request,
        "assessments/surveys/action_form.html",
        {
            "round": survey_round,
            "form": form,
            "action_assessment": services.action_assessment(survey_round),
            "breadcrumbs": _crumbs(survey_round.organisation, survey_round),
        },
        status=400 if form.errors else 200,
    )


# --- Networks ---------------------------------------------------------------------------------


def _get_network(request, slug, *, lead=False):
    network = Network.objects.filter(slug=slug).first()
    roles = NetworkMember.objects.filter(network=network, user=request.user).values_list(
        "role", flat=True
    )
    roles = set(roles) if network else set()
    if not roles:
        raise Http404("Not found")
    if lead and NetworkMember.Role.LEAD not in roles:
        raise PermissionDenied("Only the network's leads can do this.")
    return network


@require_GET
def network_results(request, slug):
    network = _get_network(request, slug)
    frameworks = Framework.objects.filter(survey=True).order_by("title", "-version")
    framework = frameworks.filter(slug=request.GET.get("framework")).first() or frameworks.first()
    periods = list(
        network.survey_rounds.filter(framework__slug=getattr(framework, "slug", ""))
        .order_by("-period")
        .values_list("period", flat=True)
        .distinct()
    )
    period = request.GET.get("period") if request.GET.get("period") in periods else None
    period = period or (periods[0] if periods else None)
    scores = survey_scores_for_network(network, framework, period) if framework and period else None
    return render(
        request,
        "assessments/surveys/network.html",
        {
            "network": network,
            "framework": framework,
            "period": period,
            "periods": periods,
            "scores": scores,
            "open_rounds": network.survey_rounds.filter(status=SurveyRound.Status.OPEN)
            .select_related("organisation")
            .order_by("organisation__name"),
            "is_lead": NetworkMember.objects.filter(
                network=network, user=request.user, role=NetworkMember.Role.LEAD
            ).exists(),
        },
    )


@require_http_methods(["GET", "POST"])
def open_network_round(request, slug):
    network = _get_network(request, slug, lead=True)
    form = NetworkRoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rounds, skipped = services.open_network_round(
                network,
                framework=data["framework"],
                period=data["period"],
                title=data["title"],
                closes_on=data["closes_on"],
                user=request.user,
            )
        except NotAllowed as error:
            form.add_error(None, str(error))
        else:
            text = f"Opened the survey in {len(rounds)} organisations."
            if skipped:
                text += " Not opened in: " + ", ".join(o.name for o in skipped) + "."
            messages.success(request, text)
            return redirect("assessments:network_surveys", network.slug)
    return render(
        request,
        "assessments/surveys/open.html",
        {
            "form": form,
            "caption": network.name,
            "heading": "Open a survey in every member organisation",
            "intro": "Every organisation that has joined the network gets its own round, and "
            "each of its members in this service an invitation on their own side. Results reach "
            "the network only as each organisation's totals.",
            "back_url": reverse("assessments:network_surveys", args=[network.slug]),
        },
        status=400 if form.errors else 200,
    )
