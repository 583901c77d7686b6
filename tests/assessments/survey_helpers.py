"""Shared set-up for the survey tests: a small 0-10 survey framework and quick answers."""

import datetime

import pytest

from assessments.models import RatingLevel
from assessments.surveys import services
from assessments.surveys.models import SurveyInvitation
from partnership.models import Membership
from tests.factories import CriterionFactory, FrameworkFactory, RatingLevelFactory, StandardFactory

MANAGEMENT = Membership.Side.MANAGEMENT
STAFF_SIDE = Membership.Side.STAFF_SIDE
TODAY = datetime.date(2026, 11, 30)


def make_survey_framework(slug="pulse", version="1", refs=("P1", "P2", "P3")):
    framework = FrameworkFactory(slug=slug, version=version, survey=True, met_value=7)
    for value in range(11):
        RatingLevelFactory(
            framework=framework,
            value=value,
            label=f"{value} points",
            rag=RatingLevel.Rag.RED if value < 5 else RatingLevel.Rag.GREEN,
        )
    standard = StandardFactory(framework=framework, ref="PW", position=0)
    for position, ref in enumerate(refs):
        CriterionFactory(
            standard=standard, ref=ref, statement=f"Statement {ref}", position=position
        )
    return framework


@pytest.fixture(name="survey_framework")
def survey_framework_fixture(db):
    return make_survey_framework()


def open_round(organisation, framework, user, *, management=(), staff_side=(), **kwargs):
    kwargs.setdefault("period", "2026/27")
    kwargs.setdefault("title", "Partnership pulse 2026")
    kwargs.setdefault("closes_on", TODAY + datetime.timedelta(days=14))
    return services.open_round(
        organisation,
        framework=framework,
        invitees={MANAGEMENT: list(management), STAFF_SIDE: list(staff_side)},
        user=user,
        today=TODAY,
        **kwargs,
    )


def answer_all(survey_round, side_scores, *, today=TODAY):
    """Invite one person per answer on each side and answer: ``side_scores`` maps a side to a
    list of score lists, one value per statement in framework order."""
    criteria = list(survey_round.framework.criteria.order_by("position"))
    for side, answers in side_scores.items():
        for number, values in enumerate(answers):
            invitation, _ = SurveyInvitation.objects.get_or_create(
                round=survey_round, email=f"{side}{number}@answer.example", defaults={"side": side}
            )
            services.submit_answer(
                invitation.pk,
                scores={c.pk: v for c, v in zip(criteria, values, strict=True)},
                today=today,
            )
