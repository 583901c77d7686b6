from django.shortcuts import render
from django.urls import reverse

from partnership.access import organisations_for

from ..access import assessments_for, frameworks_for, get_framework_for


def _home_crumb():
    return {"text": "Home", "href": reverse("assessments:home")}


def home(request):
    organisations = list(organisations_for(request.user).order_by("name"))
    by_org = {org.pk: [] for org in organisations}
    assessments = (
        assessments_for(request.user).select_related("framework").order_by("-period", "title")
    )
    for assessment in assessments:
        by_org[assessment.organisation_id].append(assessment)
    return render(
        request,
        "assessments/home.html",
        {
            "organisations": [(org, by_org[org.pk]) for org in organisations],
            "frameworks": frameworks_for(request.user).order_by("title", "version"),
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
            "breadcrumbs": [
                _home_crumb(),
                {"text": "Frameworks", "href": reverse("assessments:frameworks")},
            ],
        },
    )
