"""Fictional demo data: two English trusts, so that a newcomer can see both sides and the
boundary, and a Scottish and a Welsh health board assessed against their own countries'
frameworks."""

import datetime
import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from partnership.forums.demo import seed_machinery
from partnership.models import Membership, Organisation, User

from .casestudies.demo import seed_case_studies
from .crosswalks.loader import load_crosswalk_files
from .demo_network import seed_network
from .frameworks import load_framework_files
from .models import Assessment, Framework, Notification, Signature
from .services import (
    add_comment,
    add_evidence_file,
    add_evidence_link,
    post_action_update,
    save_action,
    save_response,
    sign_off,
    sign_plan,
    staff_side_sign,
    start_assessment,
    start_next_cycle,
    submit_response,
)
from .surveys.demo import seed_surveys

BUNDLED_FRAMEWORKS = sorted((Path(settings.BASE_DIR) / "fixtures" / "frameworks").glob("*.yaml"))
BUNDLED_CROSSWALKS = sorted((Path(settings.BASE_DIR) / "fixtures" / "crosswalks").glob("*.yaml"))

DEMO_PASSWORD = "partnership-demo"  # noqa: S105  (fictional demo accounts, refused in production)


@dataclass(frozen=True)
class DemoPerson:
    local_part: str
    full_name: str
    side: str
    role: str
    description: str


@dataclass(frozen=True)
class DemoTrust:
    slug: str
    name: str
    ods_code: str
    region: str
    people: tuple[DemoPerson, ...]
    country: str = Organisation.Country.ENGLAND


DEMO_TRUSTS = (
    DemoTrust(
        slug="northshire",
        name="Northshire Community NHS Trust",
        ods_code="Z9A",
        region="North East and Yorkshire",
        people=(
            DemoPerson(
                "hr.lead",
                "Helen Roberts",
                Membership.Side.MANAGEMENT,
                Membership.Role.LEAD,
                "HR lead (management)",
            ),
            DemoPerson(
                "staff.rep",
                "Sam Patel",
                Membership.Side.STAFF_SIDE,
                Membership.Role.LEAD,
                "staff-side lead",
            ),
            DemoPerson(
                "board",
                "Bernard Okafor",
                Membership.Side.MANAGEMENT,
                Membership.Role.VIEWER,
                "board member (read only)",
            ),
        ),
    ),
    DemoTrust(
        slug="southdale",
        name="Southdale Hospitals NHS Foundation Trust",
        ods_code="Z9B",
        region="South West",
        people=(
            DemoPerson(
                "hr.lead",
                "Rachel Hughes",
                Membership.Side.MANAGEMENT,
                Membership.Role.LEAD,
                "HR lead (management)",
            ),
            DemoPerson(
                "staff.rep",
                "Tom Evans",
                Membership.Side.STAFF_SIDE,
                Membership.Role.LEAD,
                "staff-side lead",
            ),
            DemoPerson(
                "board",
                "Grace Lin",
                Membership.Side.MANAGEMENT,
                Membership.Role.VIEWER,
                "board member (read only)",
            ),
        ),
    ),
    DemoTrust(
        slug="kelvinmuir",
        name="NHS Kelvinmuir",
        ods_code="Z9C",
        region="West of Scotland",
        country=Organisation.Country.SCOTLAND,
        people=(
            DemoPerson(
                "hr.lead",
                "Fiona MacLeod",
                Membership.Side.MANAGEMENT,
                Membership.Role.LEAD,
                "HR lead (management), Scottish health board",
            ),
            DemoPerson(
                "staff.rep",
                "Alasdair Grant",
                Membership.Side.STAFF_SIDE,
                Membership.Role.LEAD,
                "staff-side lead, Scottish health board",
            ),
        ),
    ),
    DemoTrust(
        slug="afonteg",
        name="Afon Teg University Health Board",
        ods_code="Z9D",
        region="South Wales",
        country=Organisation.Country.WALES,
        people=(
            DemoPerson(
                "hr.lead",
                "Rhian Morgan",
                Membership.Side.MANAGEMENT,
                Membership.Role.LEAD,
                "HR lead (management), Welsh health board",
            ),
            DemoPerson(
                "staff.rep",
                "Gareth Llewellyn",
                Membership.Side.STAFF_SIDE,
                Membership.Role.LEAD,
                "staff-side lead, Welsh health board",
            ),
        ),
    ),
)


@dataclass(frozen=True)
class SignIn:
    email: str
    organisation: str
    description: str


@transaction.atomic
def seed_demo() -> list[SignIn]:
    """Create (or leave as they are) the demo trusts, people and assessments. Safe to run again."""
    load_framework_files(BUNDLED_FRAMEWORKS)  # already loaded and unchanged: nothing happens
    load_crosswalk_files(BUNDLED_CROSSWALKS)  # Northshire's next cycle can move to 2009
    sign_ins = _seed_people()
    northshire = Organisation.objects.get(ods_code="Z9A")
    people = _Northshire(
        hr_lead=User.objects.get(email="hr.lead@northshire.example"),
        staff_rep=User.objects.get(email="staff.rep@northshire.example"),
    )
    framework = Framework.objects.get(slug="iwl-standard-2000", version="1.0")
    existing = Assessment.objects.filter(organisation=northshire, framework=framework)
    seeded = not existing.exists()
    if seeded:
        previous = _seed_signed_off_2025(northshire, framework, people)
        _seed_action_plan_2025(previous, people)
        _seed_checklist_2026(previous, people)
    boards = [_seed_country_board(board) for board in COUNTRY_BOARDS]  # every one, in turn
    seeded |= any(board is not None for board in boards)
    if settings.DEMO_SEED_NETWORK:
        network_sign_ins, network_created = seed_network(
            framework, northshire, (people.hr_lead, people.staff_rep), make_password(DEMO_PASSWORD)
        )
        sign_ins += [SignIn(*item) for item in network_sign_ins]
        seeded |= network_created
    if seeded:
        # The demo's own notifications are not news to anybody: mark them sent.
        Notification.objects.filter(emailed_at__isnull=True).update(emailed_at=timezone.now())
    seed_machinery(northshire, people.hr_lead, people.staff_rep)
    seed_case_studies()
    sign_ins += [SignIn(*item) for item in seed_surveys(DEMO_PASSWORD)]  # after the network's
    return sign_ins


@dataclass(frozen=True)
class _Northshire:
    hr_lead: User
    staff_rep: User


def _seed_people() -> list[SignIn]:
    sign_ins = []
    for trust in DEMO_TRUSTS:
        organisation, _ = Organisation.objects.update_or_create(
            ods_code=trust.ods_code,
            defaults={
                "name": trust.name,
                "country": trust.country,
                "region": trust.region,
                "sector": Organisation.Sector.NHS_TRUST_OR_BOARD,
            },
        )
        for person in trust.people:
            email = f"{person.local_part}@{trust.slug}.example"
            user, created = User.objects.get_or_create(
                email=email, defaults={"full_name": person.full_name}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            Membership.objects.update_or_create(
                user=user,
                organisation=organisation,
                side=person.side,
                defaults={"role": person.role},
            )
            sign_ins.append(SignIn(email, trust.name, person.description))
    return sign_ins


# (rating, narrative, barrier, barrier detail) for the criteria the HR lead has reviewed so far
# in Northshire's 2026/27 assessment; the rest of the checklist is still to review.
CHECKLIST_2026 = {
    "HR1": (
        3,
        "The board approved the People Strategy 2025-28 in March 2025; the Director of People is the named lead. Published on the intranet and the website.",
        "",
        "",
    ),
    "HR2": (
        2,
        "Each care group's workforce plan is built from the strategy and reviewed at the quarterly performance reviews.",
        "",
        "",
    ),
    "HR3": (
        2,
        "The People Committee receives a monthly workforce dashboard: vacancies, turnover, sickness absence and agency hours.",
        "",
        "",
    ),
    "HR4": (
        1,
        "Most HR policies were agreed at the Joint Negotiating Committee, but six are past their review date.",
        "staffing",
        "The policy officer post was vacant for eight months; reviews are now scheduled with staff side.",
    ),
    "HR5": (
        1,
        "Managers' essentials training covers the disciplinary and sickness policies only.",
        "funding",
        "No budget for a wider programme this year; a bid is in the 2027/28 plan.",
    ),
    "HR6": (
        2,
        "The Working Lives Group meets every two months, chaired by the Director of People with a non-executive director and the staff-side chair.",
        "",
        "",
    ),
    "ED1": (
        2,
        "Equality, Diversity and Inclusion Policy agreed with staff side in 2024 and published.",
        "",
        "",
    ),
    "ED2": (
        2,
        "Workforce profile by protected characteristic is reported annually alongside the WRES and WDES returns.",
        "",
        "",
    ),
    "ED3": (
        2,
        "The Dignity at Work policy has a confidential route through Freedom to Speak Up guardians.",
        "",
        "",
    ),
    "ED4": (
        0,
        "",
        "not_prioritised",
        "Equality training was dropped from the mandatory list in 2023 and has not been restored.",
    ),
    "ED5": (
        1,
        "Actions agreed for the disparity in disciplinary cases; none yet for promotion rates.",
        "policy_not_agreed",
        "Staff side and management have not yet agreed the positive action programme.",
    ),
    "SI1": (2, "Staff Engagement Policy agreed in partnership, reviewed in 2025.", "", ""),
    "SI2": (
        3,
        "Annual NHS Staff Survey, with results and the trust-wide action plan published each spring. 2025 summary attached.",
        "",
        "",
    ),
    "SI3": (
        2,
        "The Joint Partnership Forum meets monthly under a partnership agreement; minutes on the intranet.",
        "",
        "",
    ),
    "FW1": (2, "Flexible Working Policy updated in 2024 for the day-one right to request.", "", ""),
    "FW2": (
        1,
        "Part-time and compressed hours are common; annualised hours and self-rostering are not offered.",
        "awaiting_national_guidance",
        "Waiting for the national e-rostering guidance before extending self-rostering.",
    ),
    "FW3": (
        2,
        "Requests are answered within the statutory two months; refusals give reasons and a right of appeal.",
        "",
        "",
    ),
    "HW1": (
        2,
        "Health and Wellbeing Policy with yearly targets set by the People Committee.",
        "",
        "",
    ),
    "HW2": (
        1,
        "Incidents are reported and reviewed, but community staff who work alone lack lone-worker devices.",
        "funding",
        "Devices for 300 community staff are not funded this year.",
    ),
    "HW3": (2, "Occupational health and a 24-hour counselling line are open to all staff.", "", ""),
    "TD1": (2, "Learning and Development Policy agreed with staff side.", "", ""),
    "TD2": (
        1,
        "Appraisal rate is 78% against a target of 90%.",
        "staffing",
        "Ward managers report that staffing pressures leave no time for appraisals.",
    ),
    "RC2": (None, "", "", ""),  # not applicable, see below
}
NOT_APPLICABLE_2026 = {
    "RC2": "Northshire has no sites of its own with space for a nursery; childcare vouchers are covered under RC1.",
}
SURVEY_CSV = (
    "question,2024,2025\n"
    "I would recommend my organisation as a place to work,58%,61%\n"
    "My organisation takes positive action on health and wellbeing,55%,59%\n"
    "I have a choice in deciding how to do my work,52%,54%\n"
)


# 2025/26: every criterion answered, submitted and signed by the staff side; a few with
# reservations, one disagreement, then jointly signed off.
GAPS_2025 = {
    "HR4": ("staffing", "The policy officer post was vacant; six policies are past review."),
    "ED4": ("not_prioritised", "Equality training was taken off the mandatory list in 2023."),
    "FW2": ("awaiting_national_guidance", "Waiting for national e-rostering guidance."),
    "HW2": ("funding", "Lone-worker devices for community staff are not funded."),
    "TD2": ("staffing", "Ward managers have no time for appraisals during winter pressures."),
}
FULLY_IN_PLACE_2025 = {"HR1", "SI2", "HW3", "RC3"}
RESERVATIONS_2025 = {
    "HR3": "The workforce report does not yet split sickness absence by staff group.",
    "FW3": "Reasons for refusal are given, but appeals take longer than the policy says.",
    "SI5": "Night staff on the community wards still hear about changes last.",
}
DISAGREED_2025 = {
    "HW5": "Staff side does not accept that stress risk assessments are done: none were "
    "completed in the district nursing teams this year.",
}
JOINT_STATEMENT_2025 = (
    "Management and staff side agree that this self-assessment is a fair account of how "
    "Northshire Community NHS Trust meets the Improving Working Lives Standard in 2025/26, "
    "with the reservations and the disagreement recorded against the criteria concerned."
)
STAFF_STATEMENT_2025 = (
    "The staff side welcomes the progress on flexible working but does not accept the rating "
    "for stress risk assessment, and asks the board to fund lone-worker devices in 2026/27."
)


def _seed_signed_off_2025(organisation, framework, people) -> Assessment:
    assessment = start_assessment(
        organisation=organisation,
        framework=framework,
        period="2025/26",
        title="Improving Working Lives self-assessment 2025/26",
        user=people.hr_lead,
    )
    responses = list(assessment.responses.select_related("criterion"))
    for response in responses:
        ref = response.criterion.ref
        not_applicable = ref in NOT_APPLICABLE_2026
        rating = (
            None
            if not_applicable
            else 1
            if ref in GAPS_2025
            else 3
            if ref in FULLY_IN_PLACE_2025
            else 2
        )
        barrier, detail = GAPS_2025.get(ref, ("", ""))
        save_response(
            response.pk,
            data={
                "rating": rating,
                "not_applicable": not_applicable,
                "not_applicable_reason": NOT_APPLICABLE_2026.get(ref, ""),
                "narrative": f"Reviewed with staff side at the Working Lives Group in February 2026 ({ref}).",
                "barrier": barrier,
                "barrier_detail": detail,
            },
            expected_version=1,
            user=people.hr_lead,
        )
        if ref == "HR1":
            add_evidence_link(
                response.pk,
                url="https://northshire.example/about-us/people-strategy",
                title="People Strategy 2025-28",
                user=people.hr_lead,
            )
        if ref == "SI2":
            _attach_demo_file(organisation, response, people.hr_lead)
        submit_response(response.pk, user=people.hr_lead)
        if ref in DISAGREED_2025:
            decision, comment = Signature.Decision.DISAGREED, DISAGREED_2025[ref]
        elif ref in RESERVATIONS_2025:
            decision, comment = Signature.Decision.AGREED_WITH_RESERVATIONS, RESERVATIONS_2025[ref]
        else:
            decision, comment = Signature.Decision.AGREED, ""
        staff_rating = 1 if ref in DISAGREED_2025 else rating
        staff_side_sign(
            response.pk,
            user=people.staff_rep,
            decision=decision,
            comment=comment,
            staff_rating=staff_rating,
        )
    sign_off(
        assessment.pk,
        user=people.hr_lead,
        side=Membership.Side.MANAGEMENT,
        joint_statement=JOINT_STATEMENT_2025,
    )
    sign_off(
        assessment.pk,
        user=people.staff_rep,
        side=Membership.Side.STAFF_SIDE,
        joint_statement=JOINT_STATEMENT_2025,
        side_statement=STAFF_STATEMENT_2025,
    )
    return assessment


# (criteria, what, months from the plan's start to the target date, status, progress notes)
ACTIONS_2025 = (
    (
        ("HR4",),
        "Review the six HR policies past their review date with staff side",
        4,
        "done",
        [
            ("management", "Four policies agreed at the JNC in June."),
            ("staff_side", "The last two were agreed in September."),
        ],
    ),
    (
        ("HW2",),
        "Fund lone-worker devices for all community staff",
        6,
        "blocked",
        [("management", "Bid not supported in the mid-year capital round.")],
    ),
    (
        ("TD2",),
        "Protected time for appraisals on every ward",
        5,
        "in_progress",
        [("staff_side", "Three of eight wards now book appraisal time on the roster.")],
    ),
    (
        ("ED4",),
        "Restore equality and diversity training to the mandatory list",
        3,
        "in_progress",
        [("management", "Course content agreed; the learning system change is waiting for IT.")],
    ),
    (
        ("FW2", "FW3"),
        "Pilot self-rostering on two wards and report to the Joint Partnership Forum",
        14,
        "not_started",
        [],
    ),
    (
        ("HW5",),
        "Complete stress risk assessments in every district nursing team",
        2,
        "in_progress",
        [("staff_side", "Two of six teams done; the rest have not started.")],
    ),
)


def _seed_action_plan_2025(assessment, people) -> None:
    """A signed joint action plan with actions in every status, some overdue."""
    responses = {r.criterion.ref: r for r in assessment.responses.select_related("criterion")}
    start = datetime.date(2026, 4, 1)
    for refs, description, months, status, notes in ACTIONS_2025:
        action = save_action(
            assessment.pk,
            user=people.hr_lead,
            description=description,
            responses=[responses[ref] for ref in refs],
            management_owner=people.hr_lead,
            staff_owner=people.staff_rep,
            target_date=start + datetime.timedelta(days=30 * months),
        )
        for side, text in notes:
            author = people.hr_lead if side == Membership.Side.MANAGEMENT else people.staff_rep
            post_action_update(action.pk, user=author, text=text, status=status)
    sign_plan(assessment.pk, user=people.hr_lead, side=Membership.Side.MANAGEMENT)
    sign_plan(assessment.pk, user=people.staff_rep, side=Membership.Side.STAFF_SIDE)


def _attach_demo_file(organisation, response, user):
    content = SURVEY_CSV.encode()
    stored = default_storage.save(
        f"evidence/{organisation.ods_code}/demo-staff-survey-2025.csv", ContentFile(content)
    )
    add_evidence_file(
        response.pk,
        stored_name=stored,
        original_name="Staff survey summary 2025.csv",
        content_type="text/csv",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        user=user,
    )


def _seed_checklist_2026(previous: Assessment, people) -> Assessment:
    """2026/27, started from 2025/26: about half reviewed again, some criteria submitted,
    agreed with the staff side, or disagreed."""
    assessment = start_next_cycle(
        previous,
        framework=previous.framework,
        period="2026/27",
        title="Improving Working Lives self-assessment 2026/27",
        user=people.hr_lead,
    )
    responses = {r.criterion.ref: r for r in assessment.responses.select_related("criterion")}
    for ref, (rating, narrative, barrier, detail) in CHECKLIST_2026.items():
        response = responses[ref]
        not_applicable = ref in NOT_APPLICABLE_2026
        save_response(
            response.pk,
            data={
                "rating": rating,
                "not_applicable": not_applicable,
                "not_applicable_reason": NOT_APPLICABLE_2026.get(ref, ""),
                "narrative": narrative or response.narrative,
                "barrier": barrier,
                "barrier_detail": detail,
            },
            expected_version=response.version,
            user=people.hr_lead,
        )
    for ref in ("HR1", "HR2", "HR3", "SI2", "FW1", "FW3"):
        submit_response(responses[ref].pk, user=people.hr_lead)
    for ref in ("HR1", "HR2", "SI2"):
        staff_side_sign(
            responses[ref].pk, user=people.staff_rep, decision=Signature.Decision.AGREED
        )
    staff_side_sign(
        responses["HR3"].pk,
        user=people.staff_rep,
        decision=Signature.Decision.AGREED_WITH_RESERVATIONS,
        comment="Still no split of sickness absence by staff group in the board report.",
        staff_rating=1,
    )
    staff_side_sign(
        responses["FW3"].pk,
        user=people.staff_rep,
        decision=Signature.Decision.DISAGREED,
        comment="Eleven requests from ward staff were refused this year without the reasons "
        "the policy requires.",
        staff_rating=1,
    )
    add_comment(
        responses["FW3"].pk,
        user=people.hr_lead,
        body="We will review the eleven refusals with the staff side before resubmitting.",
    )
    return assessment


# --- The Scottish and Welsh boards: one signed-off cycle each, against their own framework ---


@dataclass(frozen=True)
class CountryBoard:
    slug: str  # the DemoTrust's
    ods_code: str
    framework: str
    version: str
    title: str
    gaps: int  # how many criteria (the last ones) are only partly in place
    joint_statement: str


COUNTRY_BOARDS = (
    CountryBoard(
        slug="kelvinmuir",
        ods_code="Z9C",
        framework="staff-governance-standard",
        version="1.0",
        title="Staff Governance Standard self-assessment 2025/26",
        gaps=4,
        joint_statement=(
            "Management and the Area Partnership Forum's staff side agree that this is a fair "
            "account of how NHS Kelvinmuir meets the Staff Governance Standard in 2025/26."
        ),
    ),
    CountryBoard(
        slug="afonteg",
        ods_code="Z9D",
        framework="wales-partnership-and-wellbeing",
        version="1.0",
        title="Partnership and wellbeing self-assessment 2025/26",
        gaps=5,
        joint_statement=(
            "Management and the Local Partnership Forum's staff side agree that this is a fair "
            "account of partnership working and wellbeing at Afon Teg in 2025/26."
        ),
    ),
)


def _seed_country_board(board: CountryBoard) -> Assessment | None:
    """A jointly signed-off 2025/26 cycle made through the services, once. Skipped when the
    board's framework is not bundled."""
    framework = Framework.objects.filter(slug=board.framework, version=board.version).first()
    organisation = Organisation.objects.get(ods_code=board.ods_code)
    if framework is None or organisation.assessments.filter(framework=framework).exists():
        return None
    hr_lead = User.objects.get(email=f"hr.lead@{board.slug}.example")
    staff_rep = User.objects.get(email=f"staff.rep@{board.slug}.example")
    assessment = start_assessment(
        organisation=organisation,
        framework=framework,
        period="2025/26",
        title=board.title,
        user=hr_lead,
    )
    responses = list(assessment.responses.select_related("criterion"))
    gaps = {r.criterion.ref for r in responses[-board.gaps :]}
    for response in responses:
        ref = response.criterion.ref
        gap = ref in gaps
        save_response(
            response.pk,
            data={
                "rating": framework.met_value - 1 if gap else framework.met_value,
                "not_applicable": False,
                "not_applicable_reason": "",
                "narrative": f"Reviewed at the partnership forum in February 2026 ({ref}).",
                "barrier": "staffing" if gap else "",
                "barrier_detail": "Not yet in place on every site." if gap else "",
            },
            expected_version=response.version,
            user=hr_lead,
        )
        submit_response(response.pk, user=hr_lead)
        staff_side_sign(response.pk, user=staff_rep, decision=Signature.Decision.AGREED)
    for user, side in (
        (hr_lead, Membership.Side.MANAGEMENT),
        (staff_rep, Membership.Side.STAFF_SIDE),
    ):
        sign_off(assessment.pk, user=user, side=side, joint_statement=board.joint_statement)
    return assessment
