import pytest
from django.urls import reverse

from partnership.middleware import SESSION_KEY
from partnership.models import Membership
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_member_sees_organisation_page_with_both_sides(hr_lead_client, organisation, staff_rep):
    response = hr_lead_client.get(reverse("partnership:organisation", args=[organisation.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert organisation.name in content
    assert "Staff side" in content
    assert staff_rep.email in content


def test_viewer_reads_organisation_page(viewer_client, organisation):
    assert (
        viewer_client.get(reverse("partnership:organisation", args=[organisation.pk])).status_code
        == 200
    )


def test_outsider_gets_404(outsider_client, organisation):
    response = outsider_client.get(reverse("partnership:organisation", args=[organisation.pk]))
    assert response.status_code == 404


def test_unknown_id_gets_404(hr_lead_client):
    url = reverse("partnership:organisation", args=["00000000-0000-0000-0000-000000000000"])
    assert hr_lead_client.get(url).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, organisation):
    url = reverse("partnership:organisation", args=[organisation.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


class TestSwitchOrganisation:
    def test_member_of_two_switches(
        self, hr_lead_client, hr_lead, organisation, other_organisation
    ):
        MembershipFactory(
            user=hr_lead, organisation=other_organisation, role=Membership.Role.VIEWER
        )
        response = hr_lead_client.post(
            reverse("partnership:switch"), {"organisation": other_organisation.pk}
        )
        assert response.status_code == 302
        assert hr_lead_client.session[SESSION_KEY] == str(other_organisation.pk)
        home = hr_lead_client.get(reverse("assessments:home"))
        assert f">{other_organisation.name}</a>" in home.content.decode()

    def test_cannot_switch_into_someone_elses_organisation(
        self, hr_lead_client, other_organisation
    ):
        response = hr_lead_client.post(
            reverse("partnership:switch"), {"organisation": other_organisation.pk}
        )
        assert response.status_code == 404
        assert SESSION_KEY not in hr_lead_client.session

    def test_switch_needs_post(self, hr_lead_client, organisation):
        response = hr_lead_client.get(
            reverse("partnership:switch"), {"organisation": organisation.pk}
        )
        assert response.status_code == 405

    def test_bad_organisation_id_gets_404(self, hr_lead_client):
        assert (
            hr_lead_client.post(reverse("partnership:switch"), {"organisation": "nope"}).status_code
            == 404
        )

    def test_next_url_must_be_local(self, hr_lead_client, organisation):
        response = hr_lead_client.post(
            reverse("partnership:switch"),
            {"organisation": organisation.pk, "next": "https://evil.example/"},
        )
        assert response.url == reverse("assessments:home")

    def test_viewer_may_switch(self, viewer_client, organisation):
        # Switching is choosing what to look at, not changing the organisation's data.
        response = viewer_client.post(
            reverse("partnership:switch"), {"organisation": organisation.pk}
        )
        assert response.status_code == 302
