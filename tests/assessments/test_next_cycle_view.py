import pytest
from django.urls import reverse

from assessments.models import Assessment, Response
from assessments.services import save_response, start_assessment
from assessments.views.cycle import following_period
from tests.assessments.test_services import BLANK, make_framework

pytestmark = pytest.mark.django_db


@pytest.fixture
def previous(organisation, hr_lead):
    assessment = start_assessment(
        organisation=organisation,
        framework=make_framework(),
        period="2026/27",
        title="IWL self-assessment 2026/27",
        user=hr_lead,
    )
    first = assessment.responses.first()
    save_response(first.pk, data={**BLANK, "rating": 3}, expected_version=1, user=hr_lead)
    return assessment


def url(assessment):
    return reverse("assessments:next_cycle", args=[assessment.pk])


def test_following_period():
    assert following_period("2026/27") == "2027/28"
    assert following_period("2099/00") == "2100/01"


def test_form_suggests_the_next_period_and_title(hr_lead_client, previous):
    response = hr_lead_client.get(url(previous))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'value="2027/28"' in content
    assert 'value="IWL self-assessment 2027/28"' in content


@pytest.mark.smoke
def test_hr_lead_starts_the_next_cycle(hr_lead_client, previous):
    response = hr_lead_client.post(
        url(previous),
        {"period": "2027/28", "title": "IWL 2027/28", "framework": previous.framework.pk},
    )
    new = Assessment.objects.get(period="2027/28")
    assert response.status_code == 302
    assert response.url == reverse("assessments:assessment", args=[new.pk])
    assert new.previous == previous
    copied = new.responses.get(criterion__ref=previous.responses.first().criterion.ref)
    assert (copied.rating, copied.status) == (3, Response.Status.TO_REVIEW)


def test_a_signed_off_assessment_can_start_the_next_cycle(hr_lead_client, previous):
    Assessment.objects.filter(pk=previous.pk).update(status=Assessment.Status.SIGNED_OFF)
    response = hr_lead_client.post(
        url(previous), {"period": "2027/28", "title": "Next", "framework": previous.framework.pk}
    )
    assert response.status_code == 302


def test_duplicate_period_is_a_form_error_and_nothing_is_created(hr_lead_client, previous):
    response = hr_lead_client.post(
        url(previous), {"period": "2026/27", "title": "Again", "framework": previous.framework.pk}
    )
    assert response.status_code == 400
    assert "already has an assessment" in response.content.decode()
    assert Assessment.objects.count() == 1


@pytest.mark.parametrize("period", ["2027", "2027/29", "27/28", "<script>"])
def test_bad_period_is_refused(hr_lead_client, previous, period):
    response = hr_lead_client.post(
        url(previous), {"period": period, "title": "Next", "framework": previous.framework.pk}
    )
    assert response.status_code == 400
    assert "Error: " in response.content.decode()
    assert Assessment.objects.count() == 1


@pytest.mark.parametrize("client_fixture", ["staff_rep_client", "viewer_client"])
def test_staff_side_and_viewers_get_403(request, client_fixture, previous):
    client = request.getfixturevalue(client_fixture)
    assert client.get(url(previous)).status_code == 403
    response = client.post(
        url(previous), {"period": "2027/28", "title": "x", "framework": previous.framework.pk}
    )
    assert response.status_code == 403
    assert Assessment.objects.count() == 1


def test_outsider_gets_404(outsider_client, previous):
    assert outsider_client.get(url(previous)).status_code == 404
    response = outsider_client.post(
        url(previous), {"period": "2027/28", "title": "x", "framework": previous.framework.pk}
    )
    assert response.status_code == 404
    assert Assessment.objects.count() == 1


def test_unknown_assessment_gets_404(hr_lead_client):
    assert (
        hr_lead_client.get(
            reverse("assessments:next_cycle", args=["00000000-0000-0000-0000-000000000000"])
        ).status_code
        == 404
    )


def test_anonymous_is_sent_to_sign_in(client, previous):
    assert client.get(url(previous)).status_code == 302
