"""Start the next cycle of an assessment from the previous one."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from partnership.layout import Button, Field

from ..access import frameworks_for, get_assessment_for
from ..crosswalks.services import next_cycle_frameworks
from ..models import Assessment, validate_period
from ..services import AssessmentExists, start_next_cycle


def following_period(period: str) -> str:
    """2026/27 -> 2027/28."""
    start = int(period[:4]) + 1
    return f"{start}/{(start + 1) % 100:02d}"


class NextCycleForm(forms.Form):
    period = forms.CharField(
        label="Period",
        help_text="The financial year, for example 2027/28",
        max_length=7,
        validators=[validate_period],
        error_messages={"required": "Enter the period, like 2027/28"},
    )
    title = forms.CharField(
        label="Title",
        max_length=200,
        error_messages={
            "required": "Enter a title",
            "max_length": "Title must be 200 characters or fewer",
        },
    )
    framework = forms.ModelChoiceField(
        label="Framework version",
        queryset=None,
        empty_label=None,
        help_text=(
            "Another version of the same framework, or a framework that a crosswalk maps to "
            "this one. Answers are copied criterion by criterion, or through the crosswalk."
        ),
        error_messages={"invalid_choice": "Select a framework version from the list"},
    )

    def __init__(self, *args, previous: Assessment, frameworks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["framework"].queryset = frameworks
        self.fields["framework"].label_from_instance = lambda f: f"{f.title}, version {f.version}"
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field("period", css_class="nhsuk-input--width-10"),
            "title",
            "framework",
            Button("Start the next cycle"),
        )


def next_cycle(request, pk):
    # Only the management side's editors start a cycle; everyone else may not even see the form.
    previous = get_assessment_for(request, pk, write=True, locked_ok=True)
    # The newest version of the same framework is the natural next step; a framework that a
    # crosswalk connects to this version can be chosen too (assessments.crosswalks).
    frameworks = next_cycle_frameworks(previous.framework, frameworks_for(request.user)).order_by(
        "title", "-publication_date", "-version"
    )
    same_slug = frameworks.filter(slug=previous.framework.slug).order_by(
        "-publication_date", "-created_at"
    )
    period = following_period(previous.period)
    initial = {
        "period": period,
        "title": previous.title.replace(previous.period, period)
        if previous.period in previous.title
        else f"{previous.title} {period}",
        "framework": same_slug.first(),
    }
    form = NextCycleForm(
        request.POST or None, initial=initial, previous=previous, frameworks=frameworks
    )
    if request.method == "POST" and form.is_valid():
        try:
            assessment = start_next_cycle(
                previous,
                framework=form.cleaned_data["framework"],
                period=form.cleaned_data["period"],
                title=form.cleaned_data["title"],
                user=request.user,
            )
        except AssessmentExists:
            form.add_error(
                "period",
                f"{previous.organisation.name} already has an assessment against this "
                "framework for that period",
            )
        else:
            messages.success(
                request,
                f"Started {assessment.title}. Every criterion is back to “to review”: check "
                "each answer is still true. The carry-over report shows what came across.",
            )
            return redirect("assessments:assessment", assessment.pk)
    return render(
        request,
        "assessments/next_cycle.html",
        {
            "form": form,
            "previous": previous,
            "breadcrumbs": [
                {"text": "Home", "href": reverse("assessments:home")},
                {
                    "text": previous.title,
                    "href": reverse("assessments:assessment", args=[previous.pk]),
                },
            ],
        },
        status=400 if form.errors else 200,
    )
