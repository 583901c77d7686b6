"""Demo case studies: published ones (one anonymous, one from a board in Scotland), one
awaiting the staff side's approval and one withdrawn. Fictional, written for the demo.

Called from ``assessments.demo.seed_demo`` once Northshire's assessments exist; safe to run
again (it does nothing once there are case studies).
"""

from django.db import transaction
from django.utils import timezone

from partnership.models import Membership, Organisation, User
from partnership.signing import ledger

from ..models import Action, Framework, Notification, Response, Signature
from ..services import save_response, staff_side_sign, start_assessment, submit_response
from . import services
from .models import CaseStudy

MANAGEMENT = Membership.Side.MANAGEMENT
STAFF_SIDE = Membership.Side.STAFF_SIDE

LOCHSIDE = {
    "ods_code": "Z9S",
    "name": "Lochside NHS Board",
    "region": "West of Scotland",
    "people": (
        ("hr.lead", "Fiona Campbell", MANAGEMENT),
        ("staff.rep", "Iain MacLeod", STAFF_SIDE),
    ),
}


def _text(title, summary, done, impact, joint, differently="", contact=""):
    return {
        "title": title,
        "summary": summary,
        "what_was_done": done,
        "impact": impact,
        "joint_working": joint,
        "differently": differently,
        "contact": contact,
    }


PEOPLE_STRATEGY = _text(
    "A people strategy written with the staff side from the first draft",
    "Instead of consulting on a finished draft, the trust wrote its three-year people strategy "
    "with staff-side representatives on the writing group.",
    "Four joint workshops, one per directorate, fed a writing group of three managers and "
    "three staff-side representatives. The Joint Partnership Forum agreed the final text "
    "before it went to the board.",
    "The strategy's five commitments each have a measure reported to the forum every quarter. "
    "In the staff survey, agreement that staff are involved in decisions rose from 48% to 61%.",
    "The staff side chose its own representatives for the writing group and had protected time "
    "for it. Disagreements were settled in the group, not after publication.",
    "Involve the community teams earlier: their workshop came last and felt like an add-on.",
    "Helen Roberts, HR lead, and Sam Patel, staff-side lead",
)
SURVEY = _text(
    "Acting on the staff survey together, ward by ward",
    "Management and the staff side read the staff survey results together and agreed one "
    "change per ward, reported back to staff within three months.",
    "A joint results day each spring; every ward chose one change with its staff-side "
    "representative, and the forum tracked all of them on one page.",
    "Thirty-one of thirty-four wards made their change within three months. The response rate "
    "rose from 38% to 52% the next year.",
    "Staff-side representatives presented the results on their own wards alongside the ward "
    "manager.",
)
POLICIES = _text(
    "Clearing a backlog of HR policies past their review date",
    "Six HR policies were past their review date. A joint policy group cleared the backlog in "
    "six months.",
    "A monthly joint policy group with a shared tracker; each policy had one manager and one "
    "staff-side owner.",
    "All six policies agreed at the Joint Negotiating Committee within six months.",
    "The staff side drafted two of the six policies itself.",
)
EXIT_INTERVIEWS = _text(
    "Exit interviews run by the staff side as well as HR",
    "Leavers may choose to talk to a staff-side representative instead of HR; themes go to the "
    "forum every quarter.",
    "A joint exit questionnaire and a choice of interviewer.",
    "Twice as many leavers now give a reason for leaving.",
    "The themes report is written jointly.",
)
FORUM = _text(
    "An area partnership forum that shapes the board's plans",
    "The forum now sees the board's annual delivery plan in draft, and its views are recorded "
    "in the board paper.",
    "The joint chairs agreed a forward plan of strategic items; each board paper on workforce "
    "now carries a section on the forum's view.",
    "Three board decisions in the year changed after the forum's discussion, including the "
    "timing of a ward reconfiguration.",
    "Agendas are set jointly by the employee director and the chief executive.",
    contact="Fiona Campbell, director of HR",
)


def seed_case_studies() -> None:
    if CaseStudy.objects.exists():
        return
    with transaction.atomic():
        _seed_northshire()
        _seed_lochside()


def _person(email):
    return User.objects.get(email=email)


def _approve(case_study, user, side):
    case_study.refresh_from_db()
    services.approve(
        case_study.pk,
        user=user,
        side=side,
        seen=ledger.digest_of(services.case_study_subject(case_study)),
    )


def _publish(case_study, hr_lead, staff_rep):
    _approve(case_study, staff_rep, STAFF_SIDE)
    _approve(case_study, hr_lead, MANAGEMENT)


def _review_date():
    return services.default_review_date()


def _seed_northshire():
    hr_lead = _person("hr.lead@northshire.example")
    staff_rep = _person("staff.rep@northshire.example")
    agreed = {
        r.criterion.ref: r
        for r in Response.objects.filter(
            assessment__organisation__ods_code="Z9A", assessment__period="2026/27"
        ).select_related("criterion", "assessment__framework", "assessment__organisation")
    }
    settings = {"audience": CaseStudy.Audience.EVERYONE, "review_date": _review_date()}
    named = services.draft_case_study(
        user=hr_lead, response=agreed["HR1"], anonymous=False, **settings, **PEOPLE_STRATEGY
    )
    _publish(named, hr_lead, staff_rep)
    anonymous = services.draft_case_study(
        user=staff_rep, response=agreed["SI2"], anonymous=True, **settings, **SURVEY
    )
    _publish(anonymous, hr_lead, staff_rep)
    awaiting = services.draft_case_study(
        user=hr_lead, response=agreed["HR2"], anonymous=False, **settings, **EXIT_INTERVIEWS
    )
    _approve(awaiting, hr_lead, MANAGEMENT)
    done = Action.objects.get(
        plan__assessment__organisation__ods_code="Z9A", status=Action.Status.DONE
    )
    withdrawn = services.draft_case_study(
        user=hr_lead, action=done, anonymous=False, **settings, **POLICIES
    )
    _publish(withdrawn, hr_lead, staff_rep)
    services.withdraw(
        withdrawn.pk, user=staff_rep, reason="Two of the policies are being rewritten again."
    )


def _seed_lochside():
    board, _ = Organisation.objects.update_or_create(
        ods_code=LOCHSIDE["ods_code"],
        defaults={
            "name": LOCHSIDE["name"],
            "country": Organisation.Country.SCOTLAND,
            "region": LOCHSIDE["region"],
            "sector": Organisation.Sector.NHS_TRUST_OR_BOARD,
        },
    )
    people = {}
    for local_part, full_name, side in LOCHSIDE["people"]:
        user, created = User.objects.get_or_create(
            email=f"{local_part}@lochside.example", defaults={"full_name": full_name}
        )
        if created:
            # Authors of a demo case study only, not demo sign-ins: nobody signs in as them.
            user.set_unusable_password()
            user.save(update_fields=["password"])
        Membership.objects.update_or_create(
            user=user, organisation=board, side=side, defaults={"role": Membership.Role.LEAD}
        )
        people[side] = user
    hr_lead, staff_rep = people[MANAGEMENT], people[STAFF_SIDE]
    framework = Framework.objects.filter(slug="staff-governance-standard").order_by("-version")[0]
    ref = "SG-INV-1"
    ratings = {"2025/26": 1, "2026/27": 3}
    response = None
    for period, rating in ratings.items():
        assessment = start_assessment(
            organisation=board,
            framework=framework,
            period=period,
            title=f"Staff governance {period}",
            user=hr_lead,
        )
        response = assessment.responses.get(criterion__ref=ref)
        save_response(response.pk, data={"rating": rating}, expected_version=1, user=hr_lead)
    submit_response(response.pk, user=hr_lead)
    staff_side_sign(response.pk, user=staff_rep, decision=Signature.Decision.AGREED)
    response = Response.objects.select_related(
        "assessment__framework", "assessment__organisation", "criterion__framework"
    ).get(pk=response.pk)
    case_study = services.draft_case_study(
        user=hr_lead,
        response=response,
        audience=CaseStudy.Audience.EVERYONE,
        anonymous=False,
        review_date=_review_date(),
        **FORUM,
    )
    _publish(case_study, hr_lead, staff_rep)
    # The demo's own notifications are not news to anybody: mark them sent.
    Notification.objects.filter(assessment__organisation=board, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
