"""The demo's case studies: three published (one anonymous, one from Scotland), one awaiting
the staff side, one withdrawn; every approval on a sound ledger."""

import pytest
from django.core.management import call_command

from assessments.casestudies.models import CaseStudy, CaseStudyApproval
from assessments.casestudies.presenters import CaseStudyView
from partnership.models import Organisation, User
from partnership.signing import ledger
from tests.assessments.test_demo import media  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db


def test_the_demo_case_studies(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    published = CaseStudy.objects.published()
    assert published.count() == 3
    assert published.filter(anonymous=True).count() == 1
    assert published.filter(country="scotland").count() == 1
    assert CaseStudy.objects.filter(status="withdrawn").count() == 1
    awaiting = CaseStudy.objects.get(status="draft")
    active = CaseStudyApproval.objects.filter(case_study=awaiting, voided_at__isnull=True)
    assert [a.side for a in active] == ["management"]
    for case_study in published:
        assert case_study.after_rating is not None
    scottish = published.get(country="scotland")
    assert (scottish.before_label, scottish.after_label) == (
        "Partly in place",
        "In place for all staff groups",
    )
    for organisation in Organisation.objects.filter(case_studies__isnull=False).distinct():
        assert ledger.verify_chain(organisation) == []
    # Southdale's HR lead sees the three published ones, and the anonymous one unnamed.
    reader = User.objects.get(email="hr.lead@southdale.example")
    visible = CaseStudy.objects.visible_to(reader)
    assert set(visible) == set(published)
    anonymous = CaseStudyView.for_user(published.get(anonymous=True), reader)
    assert anonymous.organisation_name == "An NHS trust or board in England"
    # Running it again changes nothing.
    call_command("seed_demo")
    assert CaseStudy.objects.count() == 5
