import pytest
from django.urls import reverse

from tests.factories import (
    AssessmentFactory,
    CriterionFactory,
    FrameworkFactory,
    RatingLevelFactory,
)

pytestmark = pytest.mark.django_db

# Session, user, current organisation (header), organisations, the user's memberships (what
# waits for them and whether they may start an assessment), assessments with their joint
# progress and waiting counts, frameworks.
HOME_QUERIES = 8  # 7, and the networks of the organisations the user leads


@pytest.fixture
def framework():
    framework = FrameworkFactory(title="Improving Working Lives Standard", version="1.0")
    RatingLevelFactory(framework=framework, value=0, label="Not in place", rag="red")
    RatingLevelFactory(framework=framework, value=2, label="In place", rag="green")
    CriterionFactory(standard__framework=framework, statement="The board approves an HR strategy.")
    return framework


@pytest.mark.smoke
def test_home_shows_my_organisation_and_its_assessments_only(
    hr_lead_client, organisation, other_organisation, framework
):
    AssessmentFactory(organisation=organisation, framework=framework, title="Our IWL review")
    AssessmentFactory(
        organisation=other_organisation, framework=framework, title="Their secret review"
    )
    response = hr_lead_client.get(reverse("assessments:home"))
    content = response.content.decode()
    assert response.status_code == 200
    assert organisation.name in content
    assert "Our IWL review" in content
    assert other_organisation.name not in content
    assert "Their secret review" not in content
    assert "Improving Working Lives Standard" in content


def test_home_query_count_does_not_grow_with_assessments(
    hr_lead_client, organisation, framework, django_assert_num_queries
):
    for period in ("2024/25", "2025/26"):
        AssessmentFactory(organisation=organisation, framework=framework, period=period)
    with django_assert_num_queries(HOME_QUERIES) as first:
        hr_lead_client.get(reverse("assessments:home"))
    for period in ("2026/27", "2027/28", "2028/29"):
        AssessmentFactory(organisation=organisation, framework=framework, period=period)
    with django_assert_num_queries(len(first.captured_queries)):
        hr_lead_client.get(reverse("assessments:home"))


def test_home_for_someone_without_organisation(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get(reverse("assessments:home"))
    assert "not a member of any organisation" in response.content.decode()


@pytest.mark.parametrize("client_fixture", ["hr_lead_client", "viewer_client", "outsider_client"])
def test_frameworks_are_reference_material_for_every_signed_in_user(
    request, client_fixture, framework
):
    client = request.getfixturevalue(client_fixture)
    assert framework.title in client.get(reverse("assessments:frameworks")).content.decode()
    detail = client.get(reverse("assessments:framework", args=[framework.pk]))
    assert detail.status_code == 200
    assert "The board approves an HR strategy." in detail.content.decode()


def test_framework_pages_need_sign_in(client, framework):
    response = client.get(reverse("assessments:framework", args=[framework.pk]))
    assert response.status_code == 302


def test_unknown_framework_is_404(hr_lead_client):
    url = reverse("assessments:framework", args=["00000000-0000-0000-0000-000000000000"])
    assert hr_lead_client.get(url).status_code == 404
