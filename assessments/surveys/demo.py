"""Demo surveys: Northshire's baseline and repeat (8 management and 9 staff-side answers),
Southdale's repeat whose staff side gave too few answers, and an open survey across the North
East and Yorkshire network. Called from assessments.demo.seed_demo; safe to run again."""

import contextlib
import datetime

from django.utils import timezone

from partnership.models import (
    Membership,
    Network,
    NetworkMember,
    NetworkOrganisation,
    Organisation,
    User,
)

from ..models import Framework
from . import services
from .models import SurveyEmail, SurveyRound

MANAGEMENT = Membership.Side.MANAGEMENT
STAFF_SIDE = Membership.Side.STAFF_SIDE
NETWORK_SLUG = "north-east-and-yorkshire"
NETWORK_LEAD = "network.lead@north-east-and-yorkshire.example"

# Each side's typical score per statement (in framework order) and how far people vary around
# it: management sees the partnership more kindly, the staff side least on trust and change.
TYPICAL = {
    MANAGEMENT: (8, 7, 7, 6, 7, 6, 7, 6, 6, 5, 6, 7, 8, 7, 7, 6),
    STAFF_SIDE: (7, 5, 6, 4, 5, 3, 5, 4, 3, 3, 4, 5, 7, 6, 5, 4),
}
VARIATION = (0, 1, -1, 2, -2, 1, 0, -1, 1)


def _scores(criteria, side, person, uplift=0):
    return {
        criterion.pk: max(
            0,
            min(10, TYPICAL[side][i % 16] + uplift + VARIATION[(person + i) % len(VARIATION)]),
        )
        for i, criterion in enumerate(criteria)
    }


def _closed_round(organisation, framework, *, period, closes_on, invited, answers, uplift):
    opened = closes_on - datetime.timedelta(days=21)
    slug = organisation.name.split()[0].lower()
    invitees = {
        side: [f"forum.{side.replace('_', '-')}{n}@{slug}.example" for n in range(invited[side])]
        for side in (MANAGEMENT, STAFF_SIDE)
    }
    lead = organisation.memberships.filter(role=Membership.Role.LEAD).first().user
    survey_round = services.open_round(
        organisation,
        framework=framework,
        period=period,
        title=f"Partnership health survey {period}",
        closes_on=closes_on,
        invitees=invitees,
        user=lead,
        today=opened,
    )
    criteria = list(framework.criteria.order_by("standard__position", "position"))
    for side, count in answers.items():
        invitations = survey_round.invitations.filter(side=side).order_by("email")[:count]
        for person, invitation in enumerate(invitations):
            services.submit_answer(
                invitation.pk, scores=_scores(criteria, side, person, uplift), today=opened
            )
    return services.close_round(
        survey_round.pk,
        now=timezone.make_aware(datetime.datetime.combine(closes_on, datetime.time(18))),
    )


def seed_surveys(password, today=None) -> list[tuple[str, str, str]]:
    """Seed the demo surveys. Returns sign-in details (email, where, what) of a network lead
    created here; none when the network's own demo already gave it leads and members."""
    today = today or timezone.localdate()
    framework = (
        Framework.objects.filter(slug="partnership-health-check", survey=True)
        .order_by("-publication_date", "-version")
        .first()
    )
    northshire = Organisation.objects.get(ods_code="Z9A")
    southdale = Organisation.objects.get(ods_code="Z9B")
    network, created = Network.objects.get_or_create(
        slug=NETWORK_SLUG,
        defaults={"name": "North East and Yorkshire", "kind": Network.Kind.NHS_REGION},
    )
    sign_ins = []
    lead = (
        NetworkMember.objects.filter(network=network, role=NetworkMember.Role.LEAD)
        .select_related("user")
        .first()
    )
    lead = lead.user if lead else None
    if lead is None:
        lead, new_user = User.objects.get_or_create(
            email=NETWORK_LEAD, defaults={"full_name": "Robin Dale"}
        )
        if new_user:
            lead.set_password(password)
            lead.save(update_fields=["password"])
        NetworkMember.objects.create(
            network=network, user=lead, side=STAFF_SIDE, role=NetworkMember.Role.LEAD
        )
    if lead.email == NETWORK_LEAD:  # made here, now or on an earlier run: print it every time
        sign_ins.append((NETWORK_LEAD, network.name, "network lead: surveys across the network"))
    if created:
        # The network's own demo did not run: both trusts join it directly.
        for organisation in (northshire, southdale):
            NetworkOrganisation.objects.create(
                network=network,
                organisation=organisation,
                status=NetworkOrganisation.Status.JOINED,
                invited_by=lead,
                joined_at=timezone.now(),
            )
    if framework is None or SurveyRound.objects.filter(organisation=northshire).exists():
        return sign_ins
    _closed_round(
        northshire,
        framework,
        period="2024/25",
        closes_on=datetime.date(2025, 3, 14),
        invited={MANAGEMENT: 9, STAFF_SIDE: 12},
        answers={MANAGEMENT: 7, STAFF_SIDE: 8},
        uplift=-1,
    )
    _closed_round(
        northshire,
        framework,
        period="2025/26",
        closes_on=datetime.date(2026, 3, 13),
        invited={MANAGEMENT: 10, STAFF_SIDE: 12},
        answers={MANAGEMENT: 8, STAFF_SIDE: 9},
        uplift=0,
    )
    _closed_round(
        southdale,
        framework,
        period="2025/26",
        closes_on=datetime.date(2026, 3, 20),
        invited={MANAGEMENT: 8, STAFF_SIDE: 10},
        answers={MANAGEMENT: 6, STAFF_SIDE: 3},
        uplift=0,
    )
    with contextlib.suppress(services.NotAllowed):  # when no member has joined: nothing to open
        services.open_network_round(
            network,
            framework=framework,
            period="2026/27",
            title="North East and Yorkshire partnership survey 2026/27",
            closes_on=today + datetime.timedelta(days=28),
            user=lead,
            today=today,
        )
    # The demo's invitations are not news to anybody: mark them sent.
    SurveyEmail.objects.filter(emailed_at__isnull=True).update(emailed_at=timezone.now())
    return sign_ins
