"""The Django admin for frameworks, organisations and memberships opens, and only for staff."""

import pytest
from django.urls import reverse

from partnership.models import User
from tests.factories import (
    CriterionFactory,
    FrameworkFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MODELS = [
    "partnership_user",
    "partnership_organisation",
    "partnership_membership",
    "assessments_framework",
    "assessments_standard",
    "assessments_criterion",
    "assessments_assessment",
    "assessments_crosswalk",
]


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(email="admin@iwl.example", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", MODELS)
def test_changelist_and_add_pages_open(admin_client, model):
    membership = MembershipFactory()
    CriterionFactory(standard__framework=FrameworkFactory())
    assert admin_client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:{model}_add")).status_code == 200
    if model == "partnership_membership":
        change = reverse("admin:partnership_membership_change", args=[membership.pk])
        assert admin_client.get(change).status_code == 200


def test_admin_creates_a_user_who_signs_in_with_email(admin_client):
    response = admin_client.post(
        reverse("admin:partnership_user_add"),
        {
            "email": "New.Person@Trust.example",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
            "usable_password": "true",
            # the memberships inline's management form, as the admin page sends it
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="new.person@trust.example").check_password("a-long-pass-phrase-9")


def test_members_who_are_not_staff_cannot_use_the_admin(hr_lead_client):
    response = hr_lead_client.get(reverse("admin:partnership_organisation_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response.url
