import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Assessment, EvidenceFile, EvidenceLink, Response, ResponseChange
from assessments.services import (
    AssessmentExists,
    AssessmentLocked,
    Conflict,
    add_evidence_link,
    save_response,
    start_assessment,
    start_next_cycle,
)
from tests.factories import CriterionFactory, FrameworkFactory, StandardFactory

pytestmark = pytest.mark.django_db

BLANK = {
    "rating": None,
    "not_applicable": False,
    "not_applicable_reason": "",
    "narrative": "",
    "barrier": "",
    "barrier_detail": "",
}


def make_framework(refs=("A1", "A2", "B1"), slug="iwl", version="1", statements=None):
    framework = FrameworkFactory(slug=slug, version=version, met_value=2)
    standards = {}
    for ref in refs:
        prefix = ref[0]
        if prefix not in standards:
            standards[prefix] = StandardFactory(framework=framework, ref=prefix)
        statement = (statements or {}).get(ref, f"Statement for {ref}")
        CriterionFactory(
            standard=standards[prefix], framework=framework, ref=ref, statement=statement
        )
    return framework


@pytest.fixture
def assessment(organisation, hr_lead):
    return start_assessment(
        organisation=organisation,
        framework=make_framework(),
        period="2026/27",
        title="IWL 2026/27",
        user=hr_lead,
    )


def test_start_creates_a_response_to_review_for_every_criterion(assessment):
    responses = list(assessment.responses.select_related("criterion"))
    assert [r.criterion.ref for r in responses] == ["A1", "A2", "B1"]
    assert {r.status for r in responses} == {Response.Status.TO_REVIEW}


def test_second_assessment_for_same_period_is_refused_and_nothing_written(assessment, hr_lead):
    before = (Assessment.objects.count(), Response.objects.count())
    with pytest.raises(AssessmentExists):
        start_assessment(
            organisation=assessment.organisation,
            framework=assessment.framework,
            period="2026/27",
            title="Again",
            user=hr_lead,
        )
    assert (Assessment.objects.count(), Response.objects.count()) == before


@pytest.mark.smoke
def test_save_bumps_version_marks_reviewed_and_records_history(assessment, hr_lead):
    response = assessment.responses.first()
    result = save_response(
        response.pk,
        data={**BLANK, "rating": 2, "narrative": "Board approved"},
        expected_version=1,
        user=hr_lead,
    )
    response.refresh_from_db()
    assert result.changed
    assert (response.version, response.status, response.rating) == (2, Response.Status.REVIEWED, 2)
    change = response.changes.get()
    assert change.user == hr_lead
    assert change.changes["rating"] == [None, 2]
    assert change.changes["narrative"] == ["", "Board approved"]
    assert change.version == 2


def test_narrative_without_rating_is_a_draft(assessment, hr_lead):
    response = assessment.responses.first()
    save_response(
        response.pk, data={**BLANK, "narrative": "Started"}, expected_version=1, user=hr_lead
    )
    response.refresh_from_db()
    assert response.status == Response.Status.TO_REVIEW
    assert response.narrative == "Started"


def test_saving_the_same_values_again_changes_nothing(assessment, hr_lead):
    response = assessment.responses.first()
    save_response(response.pk, data={**BLANK, "rating": 3}, expected_version=1, user=hr_lead)
    result = save_response(
        response.pk, data={**BLANK, "rating": 3}, expected_version=2, user=hr_lead
    )
    assert not result.changed
    assert Response.objects.get(pk=response.pk).version == 2
    assert ResponseChange.objects.filter(response=response).count() == 1


def test_stale_version_is_refused_and_the_saved_version_kept(assessment, hr_lead, contributor):
    response = assessment.responses.first()
    save_response(
        response.pk, data={**BLANK, "narrative": "Theirs"}, expected_version=1, user=contributor
    )
    with pytest.raises(Conflict) as conflict:
        save_response(
            response.pk, data={**BLANK, "narrative": "Mine"}, expected_version=1, user=hr_lead
        )
    assert conflict.value.current.narrative == "Theirs"
    assert conflict.value.current.version == 2
    assert Response.objects.get(pk=response.pk).narrative == "Theirs"


def test_locked_assessment_refuses_saves(assessment, hr_lead):
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SIGNED_OFF)
    response = assessment.responses.first()
    with pytest.raises(AssessmentLocked):
        save_response(response.pk, data={**BLANK, "rating": 1}, expected_version=1, user=hr_lead)
    with pytest.raises(AssessmentLocked):
        add_evidence_link(response.pk, url="https://example.org", title="Policy", user=hr_lead)
    assert Response.objects.get(pk=response.pk).version == 1


class TestNextCycle:
    def test_copies_answers_resets_to_review_and_marks_changed_wording(self, assessment, hr_lead):
        first, second, third = assessment.responses.order_by("criterion__ref")
        save_response(
            first.pk,
            data={
                **BLANK,
                "rating": 1,
                "narrative": "Partly",
                "barrier": "funding",
                "barrier_detail": "No budget",
            },
            expected_version=1,
            user=hr_lead,
        )
        save_response(
            second.pk,
            data={**BLANK, "not_applicable": True, "not_applicable_reason": "No nurseries"},
            expected_version=1,
            user=hr_lead,
        )
        add_evidence_link(
            first.pk, url="https://intranet.example/hr", title="HR strategy", user=hr_lead
        )
        EvidenceFile.objects.create(
            response=first,
            file="evidence/z9a/abc.pdf",
            original_name="strategy.pdf",
            content_type="application/pdf",
            size=10,
            sha256="a" * 64,
            uploaded_by=hr_lead,
        )
        # The next framework version rewords A1, keeps A2, drops B1 and adds C1.
        newer = make_framework(
            refs=("A1", "A2", "C1"), version="2", statements={"A1": "Reworded statement for A1"}
        )

        nxt = start_next_cycle(
            assessment, framework=newer, period="2027/28", title="IWL 2027/28", user=hr_lead
        )

        a1, a2, c1 = nxt.responses.order_by("criterion__ref").select_related("criterion")
        assert nxt.previous == assessment
        assert (a1.rating, a1.narrative, a1.barrier, a1.barrier_detail) == (
            1,
            "Partly",
            "funding",
            "No budget",
        )
        assert a1.criterion_text_changed is True
        assert (a2.not_applicable, a2.not_applicable_reason, a2.criterion_text_changed) == (
            True,
            "No nurseries",
            False,
        )
        assert c1.rating is None and c1.narrative == ""
        assert {r.status for r in (a1, a2, c1)} == {Response.Status.TO_REVIEW}
        assert [link.title for link in a1.links.all()] == ["HR strategy"]
        copied = a1.files.get()
        assert copied.file.name == "evidence/z9a/abc.pdf" and copied.sha256 == "a" * 64
        assert a1.changes.filter(kind=ResponseChange.Kind.CARRIED_FORWARD).exists()
        # The previous cycle is untouched.
        assert EvidenceLink.objects.filter(response=first).count() == 1
        assert Response.objects.get(pk=first.pk).status == Response.Status.REVIEWED

    def test_query_count_does_not_grow_with_criteria(
        self, organisation, hr_lead, django_assert_max_num_queries
    ):
        small = make_framework(refs=("A1", "A2"), slug="small")
        big = make_framework(refs=tuple(f"A{i}" for i in range(60)), slug="big")
        counts = []
        for framework in (small, big):
            previous = start_assessment(
                organisation=organisation,
                framework=framework,
                period="2026/27",
                title="t",
                user=hr_lead,
            )
            with CaptureQueriesContext(connection) as ctx:
                start_next_cycle(
                    previous, framework=framework, period="2027/28", title="t2", user=hr_lead
                )
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1]
