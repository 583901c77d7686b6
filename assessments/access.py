"""Access to assessment data, built on partnership.access (the single organisation boundary).

Frameworks are published reference material: every signed-in user may read every framework.
Everything an organisation writes (assessments, responses, evidence) is scoped to its members.
"""

from django.shortcuts import get_object_or_404

from partnership.access import get_object_for

from .models import Assessment, Framework


def frameworks_for(user):
    return Framework.objects.all()


def get_framework_for(request, pk):
    return get_object_or_404(frameworks_for(request.user), pk=pk)


def assessments_for(user):
    return Assessment.objects.visible_to(user)


def get_assessment_for(request, pk, *, write=False):
    return get_object_for(request, Assessment.objects.all(), write=write, pk=pk)
