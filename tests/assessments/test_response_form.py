"""The response form's rules, and hostile input through the criterion page.

A bad answer is a page with a clear message (or a refusal), never a 500 and never a change to
another organisation's data.
"""

import uuid

import pytest
from django.test import SimpleTestCase
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.forms import (
    NULL_CHARACTERS,
    OUT_OF_DATE,
    ResponseForm,
    StartAssessmentForm,
    current_period,
)
from assessments.models import Response
from assessments.services import RESPONSE_FIELDS, start_assessment
from tests.assessments.test_checklist_views import build_framework, responses_of

pytestmark = pytest.mark.django_db

_case = SimpleTestCase()


@pytest.fixture
def framework():
    return build_framework()


@pytest.fixture
def assessment(organisation, framework, hr_lead):
    return start_assessment(
        organisation=organisation, framework=framework, period="2026/27", title="Ours", user=hr_lead
    )


@pytest.fixture
def response(assessment):
    return responses_of(assessment)["S1.1"]


def make_form(response, **values):
    data = {"version": str(response.version), **values}
    levels = response.assessment.framework.levels.order_by("value")
    return ResponseForm(data, response=response, levels=levels)


def errors_of(form):
    assert not form.is_valid()
    return {name: list(errors) for name, errors in form.errors.items()}


# --- The rules -----------------------------------------------------------------------------------


def test_blank_answer_is_a_valid_draft(response):
    form = make_form(response)
    assert form.is_valid(), form.errors
    assert form.response_data() == {
        "rating": None,
        "not_applicable": False,
        "not_applicable_reason": "",
        "narrative": "",
        "barrier": "",
        "barrier_detail": "",
    }
    assert set(form.response_data()) == set(RESPONSE_FIELDS)


@pytest.mark.parametrize("rating", ["2", "3"])
def test_met_rating_needs_no_reason(response, rating):
    form = make_form(response, rating=rating)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["rating"] == int(rating)


@pytest.mark.parametrize("rating", ["0", "1"])
def test_below_met_needs_the_main_reason(response, rating):
    assert errors_of(make_form(response, rating=rating)) == {
        "barrier": ["Select the main reason it is not in place"]
    }
    assert make_form(response, rating=rating, barrier="funding").is_valid()


def test_other_reason_needs_detail(response):
    assert errors_of(make_form(response, rating="0", barrier="other")) == {
        "barrier_detail": ["Explain why it is not in place"]
    }
    assert make_form(response, rating="0", barrier="other", barrier_detail="Estates").is_valid()


def test_not_applicable_needs_a_reason(response):
    assert errors_of(make_form(response, not_applicable="on")) == {
        "not_applicable_reason": ["Explain why this criterion does not apply"]
    }
    form = make_form(response, not_applicable="on", not_applicable_reason="No night staff")
    assert form.is_valid()
    assert form.cleaned_data["rating"] is None


def test_not_applicable_with_a_rating_is_refused(response):
    errors = errors_of(
        make_form(response, rating="2", not_applicable="on", not_applicable_reason="x")
    )
    assert errors == {"rating": ["Choose a rating or mark it not applicable, not both"]}


def test_not_applicable_below_met_needs_no_barrier(response):
    # The rating error is the one to fix; no second message about a barrier.
    errors = errors_of(
        make_form(response, rating="0", not_applicable="on", not_applicable_reason="x")
    )
    assert list(errors) == ["rating"]


@pytest.mark.parametrize("rating", ["4", "-1", "abc", "2.0", "1e3", " ", "<script>"])
def test_rating_must_be_on_the_scale(response, rating):
    errors = errors_of(make_form(response, rating=rating))
    assert errors.get("rating") == ["Select a rating from the scale"] or (
        rating.strip() == "" and not errors
    )


@pytest.mark.parametrize("barrier", ["money", "OTHER", "<b>", "0"])
def test_barrier_must_be_one_of_the_list(response, barrier):
    assert errors_of(make_form(response, rating="3", barrier=barrier)) == {
        "barrier": ["Select the main reason it is not in place"]
    }


@pytest.mark.parametrize(
    ("field", "limit", "message"),
    [
        ("narrative", 20_000, "Evidence narrative must be 20,000 characters or fewer"),
        (
            "not_applicable_reason",
            5_000,
            "Why it does not apply must be 5,000 characters or fewer",
        ),
        ("barrier_detail", 5_000, "Why it is not in place must be 5,000 characters or fewer"),
    ],
)
def test_text_limits(response, field, limit, message):
    assert make_form(response, **{field: "a" * limit}).is_valid()
    assert errors_of(make_form(response, **{field: "a" * (limit + 1)}))[field] == [message]


@pytest.mark.parametrize("field", ["narrative", "not_applicable_reason", "barrier_detail"])
def test_null_characters_are_refused_clearly(response, field):
    assert errors_of(make_form(response, **{field: "before\x00after"}))[field] == [NULL_CHARACTERS]


def test_html_is_kept_as_text(response):
    form = make_form(response, narrative="<script>alert(1)</script> & <b>bold</b>")
    assert form.is_valid()
    assert form.cleaned_data["narrative"] == "<script>alert(1)</script> & <b>bold</b>"


@pytest.mark.parametrize("version", ["", "x", "0", "-1", "1.5", str(2**31), "9" * 40])
def test_a_bad_version_is_a_clear_form_error(response, version):
    form = make_form(response, version=version)
    assert errors_of(form) == {"__all__": [OUT_OF_DATE]}
    from crispy_forms.utils import render_crispy_form

    assert "Hidden field" not in render_crispy_form(form)


def test_the_version_is_initially_the_responses(response):
    form = ResponseForm(response=response, levels=[])
    assert form["version"].value() == response.version


def test_form_renders_without_limits_the_browser_would_enforce(response):
    from crispy_forms.utils import render_crispy_form

    form = make_form(response, rating="0")
    form.is_valid()
    html = render_crispy_form(form)
    assert "maxlength" not in html
    assert " required" not in html
    assert 'href="#id_barrier_0"' in html  # the error summary links to the first radio


def test_rating_radios_follow_the_nhsuk_radios_with_hints_markup(response):
    from django.template import Context, Template

    levels = response.assessment.framework.levels.filter(value__lte=1).order_by("value")
    form = ResponseForm(response=response, levels=levels)
    html = Template("{% load crispy_forms_tags %}{% crispy form %}").render(Context({"form": form}))
    rating = html.split('<div class="nhsuk-form-group">', 1)[1].split("</fieldset>", 1)[0]
    _case.assertHTMLEqual(
        '<div class="nhsuk-form-group">' + rating + "</fieldset></div>",
        """
        <div class="nhsuk-form-group">
          <fieldset class="nhsuk-fieldset">
            <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">
              How far is this in place?
            </legend>
            <div class="nhsuk-radios" data-module="nhsuk-radios">
              <div class="nhsuk-radios__item">
                <input class="nhsuk-radios__input" id="id_rating_0" name="rating" type="radio"
                       value="0" aria-describedby="id_rating_0-item-hint">
                <label class="nhsuk-label nhsuk-radios__label" for="id_rating_0">Not in place</label>
                <div class="nhsuk-hint nhsuk-radios__hint" id="id_rating_0-item-hint">
                  Not in place hint
                </div>
              </div>
              <div class="nhsuk-radios__item">
                <input class="nhsuk-radios__input" id="id_rating_1" name="rating" type="radio"
                       value="1" aria-describedby="id_rating_1-item-hint">
                <label class="nhsuk-label nhsuk-radios__label" for="id_rating_1">Partly in place</label>
                <div class="nhsuk-hint nhsuk-radios__hint" id="id_rating_1-item-hint">
                  Partly in place hint
                </div>
              </div>
            </div>
          </fieldset>
        </div>
        """,
    )


# --- Starting an assessment: the form's own rules ------------------------------------------------


@pytest.mark.parametrize(
    ("today", "period"),
    [("2026-04-01", "2026/27"), ("2027-03-31", "2026/27"), ("1999-12-31", "1999/00")],
)
def test_current_period(today, period):
    import datetime

    assert current_period(datetime.date.fromisoformat(today)) == period


def test_start_form_defaults_the_title(organisation, framework):
    from assessments.models import Framework

    form = StartAssessmentForm(
        {"framework": framework.pk, "period": "2030/31", "title": ""},
        organisations=[organisation],
        frameworks=Framework.objects.all(),
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["title"] == f"{framework.title} 2030/31"
    assert form.cleaned_data["organisation"] == organisation


# --- Hostile input through the page --------------------------------------------------------------

HOSTILE_TEXT = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300),
    st.sampled_from(
        [
            "<script>alert(document.cookie)</script>",
            '"><img src=x onerror=alert(1)>',
            "\x00",
            "nul\x00inside",
            "\x01\x02\x1b[31m\x7f",
            "\u202eevil",
            "' OR 1=1 --",
            "a" * 20_001,
            "b" * 5_001,
            "{{ 7*7 }}{% debug %}",
        ]
    ),
)
CHOICE = st.one_of(st.none(), st.sampled_from(["", "0", "1", "2", "3"]), HOSTILE_TEXT)
BARRIER = st.one_of(st.none(), st.sampled_from([*Response.Barrier.values, ""]), HOSTILE_TEXT)
VERSION = st.one_of(
    st.none(),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from(["", "1", "2", "1.0", "NaN", "0x10", "١"]),
    HOSTILE_TEXT,
)
ANSWER = st.fixed_dictionaries(
    {
        "rating": CHOICE,
        "not_applicable": st.one_of(
            st.none(), st.sampled_from(["on", "true", "", "0"]), HOSTILE_TEXT
        ),
        "not_applicable_reason": st.one_of(st.none(), HOSTILE_TEXT),
        "narrative": st.one_of(st.none(), HOSTILE_TEXT),
        "barrier": BARRIER,
        "barrier_detail": st.one_of(st.none(), HOSTILE_TEXT),
        "version": VERSION,
        "then": st.one_of(st.none(), st.sampled_from(["next", "keep", "compare"]), HOSTILE_TEXT),
    }
)
ALLOWED = {200, 302, 403, 404, 409}


def _snapshot(response):
    response.refresh_from_db()
    return tuple(getattr(response, f) for f in (*RESPONSE_FIELDS, "version", "status"))


@pytest.fixture
def theirs(other_organisation, framework, outsider):
    other = start_assessment(
        organisation=other_organisation,
        framework=framework,
        period="2026/27",
        title="Theirs",
        user=outsider,
    )
    return other, responses_of(other)["S1.1"]


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    answer=ANSWER, target=st.sampled_from(["own", "theirs", "mixed", "random"]), htmx=st.booleans()
)
def test_hostile_answers_never_fail_or_leak(
    hr_lead_client, assessment, theirs, answer, target, htmx
):
    other_assessment, other_response = theirs
    before = _snapshot(other_response)
    own = responses_of(assessment)["S1.2"]
    assessment_pk, response_pk = {
        "own": (assessment.pk, own.pk),
        "theirs": (other_assessment.pk, other_response.pk),
        "mixed": (assessment.pk, other_response.pk),
        "random": (assessment.pk, uuid.uuid4()),
    }[target]
    data = {k: v for k, v in answer.items() if v is not None}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    page = hr_lead_client.post(
        reverse("assessments:criterion", args=[assessment_pk, response_pk]), data, **headers
    )
    assert page.status_code in ALLOWED
    if target != "own":
        assert page.status_code == 404
    elif page.status_code in (200, 409):
        content = page.content.decode()
        assert (
            "Not saved" in content
            or "There is a problem" in content
            or "Someone else saved" in content
            or 'data-save-state="saved"' in content
        )
        assert "<script>alert" not in content
    assert _snapshot(other_response) == before


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(answer=ANSWER)
def test_outsiders_cannot_change_our_answers(outsider_client, assessment, answer):
    own = responses_of(assessment)["S1.1"]
    before = _snapshot(own)
    data = {k: v for k, v in answer.items() if v is not None}
    page = outsider_client.post(
        reverse("assessments:criterion", args=[assessment.pk, own.pk]), data
    )
    assert page.status_code == 404
    assert _snapshot(own) == before


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    period=st.one_of(HOSTILE_TEXT, st.from_regex(r"\A\d{4}/\d{2}\Z")),
    title=st.one_of(st.none(), HOSTILE_TEXT),
    framework=st.one_of(st.sampled_from(["own", "missing", ""]), HOSTILE_TEXT),
)
def test_hostile_starts_never_fail(hr_lead_client, framework_obj, period, title, framework):
    framework_value = {"own": str(framework_obj.pk), "missing": str(uuid.uuid4())}.get(
        framework, framework
    )
    data = {"period": period, "framework": framework_value}
    if title is not None:
        data["title"] = title
    page = hr_lead_client.post("/assessments/new/", data)
    assert page.status_code in (200, 302)
    if page.status_code == 200:
        assert "There is a problem" in page.content.decode()


@pytest.fixture
def framework_obj(framework):
    return framework
