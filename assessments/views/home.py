from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.urls import reverse

from partnership.access import organisations_for
from partnership.networks.notices import network_notices_for

from ..access import assessments_for, frameworks_for, get_framework_for
from ..crosswalks.services import crosswalks_of
from ..models import Response
from ..waiting import annotate_waiting, can_start_assessment, waiting_on


def _home_crumb():
    return {"text": "Home", "href": reverse("assessments:home")}


def _responses_counted(condition: Q):
    """How many of an assessment's responses meet ``condition``, as an annotation."""
    counted = (
        Response.objects.filter(condition, assessment=OuterRef("pk"))
        .order_by()
        .values("assessment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


AGREED_STATES = (Response.State.AGREED, Response.State.AGREED_WITH_RESERVATIONS)


def home(request):
    """The user's organisations and their assessments, each with its joint progress and what
    it is waiting for from this user. A fixed number of queries, however many assessments."""
    user = request.user
    organisations = list(organisations_for(user).order_by("name"))
    by_org = {org.pk: [] for org in organisations}
    assessments = annotate_waiting(
        assessments_for(user)
        .select_related("framework")
        .annotate(
            applicable_count=_responses_counted(Q(not_applicable=False)),
            agreed_count=_responses_counted(Q(not_applicable=False, state__in=AGREED_STATES)),
        )
        .order_by("-period", "title"),
        user,
    )
    waiting_total = 0
    for assessment in assessments:
        assessment.waiting = waiting_on(assessment, user)
        waiting_total += assessment.waiting.total
        by_org[assessment.organisation_id].append(assessment)
    return render(
        request,
        "assessments/home.html",
        {
            "organisations": [(org, by_org[org.pk]) for org in organisations],
            "frameworks": frameworks_for(user).order_by("title", "version"),
            "can_start": can_start_assessment(user),
            "waiting_total": waiting_total,
            "network_notices": network_notices_for(user),
        },
    )


def framework_list(request):
    return render(
        request,
        "assessments/framework_list.html",
        {
            "frameworks": frameworks_for(request.user).order_by("title", "version"),
            "breadcrumbs": [_home_crumb()],
        },
    )


def framework_detail(request, pk):
    framework = get_framework_for(request, pk)
    return render(
        request,
        "assessments/framework_detail.html",
        {
            "framework": framework,
            "standards": framework.standards.prefetch_related("criteria").order_by("position"),
            "levels": framework.levels.order_by("value"),
            "stages": framework.stages.order_by("position"),
            "crosswalks": crosswalks_of(framework),
            "breadcrumbs": [
                _home_crumb(),
                {"text": "Frameworks", "href": reverse("assessments:frameworks")},
            ],
        },
    )
