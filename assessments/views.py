from django.shortcuts import get_object_or_404, render

from partnership.models import Organisation

from .models import Assessment, Framework


def home(request):
    organisations = Organisation.objects.visible_to(request.user).order_by("name")
    assessments = (
        Assessment.objects.visible_to(request.user)
        .select_related("organisation", "framework")
        .order_by("organisation__name", "-period", "title")
    )
    by_org = {org.pk: [] for org in organisations}
    for assessment in assessments:
        by_org[assessment.organisation_id].append(assessment)
    return render(
        request,
        "assessments/home.html",
        {"organisations": [(org, by_org[org.pk]) for org in organisations]},
    )


def framework_list(request):
    frameworks = Framework.objects.order_by("title", "version")
    return render(request, "assessments/framework_list.html", {"frameworks": frameworks})


def framework_detail(request, pk):
    # Frameworks are public reference material for every signed-in user, not organisation data.
    framework = get_object_or_404(Framework, pk=pk)
    standards = framework.standards.prefetch_related("criteria").order_by("position")
    return render(
        request,
        "assessments/framework_detail.html",
        {"framework": framework, "standards": standards, "levels": framework.levels.all(), "stages": framework.stages.all()},
    )
