"""Hostile input to the case study forms and the library's filters: a clear message or a clean
value, never an exception, and nothing written."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.casestudies.forms import CaseStudyForm
from assessments.casestudies.models import CaseStudy
from tests.assessments.test_checklist_views import client_for

TEXT = st.one_of(
    st.none(),
    st.text(max_size=300),
    st.builds(lambda c, n: c * n, st.characters(codec="utf-8"), st.integers(9_990, 10_010)),
    st.just("a\x00b"),
)
DATE_PART = st.one_of(st.none(), st.text(max_size=6), st.integers(-5, 10_000).map(str))

FORM = st.fixed_dictionaries(
    {
        "title": TEXT,
        "summary": TEXT,
        "what_was_done": TEXT,
        "impact": TEXT,
        "joint_working": TEXT,
        "differently": TEXT,
        "contact": TEXT,
        "audience": st.one_of(st.none(), st.sampled_from(["networks", "everyone", "x", ""])),
        "anonymous": st.one_of(st.none(), st.sampled_from(["yes", "no", "maybe"])),
        "review_date_day": DATE_PART,
        "review_date_month": DATE_PART,
        "review_date_year": DATE_PART,
        "criteria": st.one_of(st.none(), st.text(max_size=40)),
    }
)


@settings(max_examples=200, deadline=None)
@given(data=FORM)
def test_the_form_never_fails(data):
    form = CaseStudyForm({k: v for k, v in data.items() if v is not None})
    if form.is_valid():
        cleaned = form.cleaned_data
        assert cleaned["audience"] in CaseStudy.Audience.values
        assert cleaned["anonymous"] in (True, False)
        assert cleaned["criteria"] == []
        assert all("\r" not in cleaned[name] for name in ("title", "summary", "impact"))
    else:
        for errors in form.errors.values():
            assert all(isinstance(message, str) and message for message in errors)


LIBRARY = st.dictionaries(
    st.sampled_from(["q", "standard", "criterion", "country", "sector", "year", "other"]),
    st.text(max_size=60),
    max_size=5,
)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(params=LIBRARY)
def test_the_library_never_fails(outsider, params):
    client = client_for(outsider)
    page = client.get(reverse("casestudies:library"), params)
    assert page.status_code in (200, 400)
    if page.status_code == 400:
        assert "There is a problem" in page.content.decode()
