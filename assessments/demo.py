"""Fictional demo data: two trusts, so that a newcomer can see both sides and the boundary."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from partnership.models import Membership, Organisation, User

from .frameworks import load_framework_files
from .models import Assessment, Framework
from .services import add_evidence_file, add_evidence_link, save_response, start_assessment

BUNDLED_FRAMEWORKS = sorted((Path(settings.BASE_DIR) / "fixtures" / "frameworks").glob("*.yaml"))

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
    sign_ins = _seed_people()
    northshire = Organisation.objects.get(ods_code="Z9A")
    _seed_checklist(northshire, User.objects.get(email="hr.lead@northshire.example"))
    return sign_ins


def _seed_people() -> list[SignIn]:
    sign_ins = []
    for trust in DEMO_TRUSTS:
        organisation, _ = Organisation.objects.update_or_create(
            ods_code=trust.ods_code,
            defaults={
                "name": trust.name,
                "country": Organisation.Country.ENGLAND,
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


def _seed_checklist(organisation: Organisation, hr_lead: User) -> None:
    """Northshire's 2026/27 IWL assessment, about half reviewed, with evidence and gaps."""
    framework = Framework.objects.get(slug="iwl-standard-2000", version="1.0")
    if Assessment.objects.filter(
        organisation=organisation, framework=framework, period="2026/27"
    ).exists():
        return
    assessment = start_assessment(
        organisation=organisation,
        framework=framework,
        period="2026/27",
        title="Improving Working Lives self-assessment 2026/27",
        user=hr_lead,
    )
    responses = {r.criterion.ref: r for r in assessment.responses.select_related("criterion")}
    for ref, (rating, narrative, barrier, detail) in CHECKLIST_2026.items():
        not_applicable = ref in NOT_APPLICABLE_2026
        save_response(
            responses[ref].pk,
            data={
                "rating": rating,
                "not_applicable": not_applicable,
                "not_applicable_reason": NOT_APPLICABLE_2026.get(ref, ""),
                "narrative": narrative,
                "barrier": barrier,
                "barrier_detail": detail,
            },
            expected_version=1,
            user=hr_lead,
        )
    add_evidence_link(
        responses["HR1"].pk,
        url="https://northshire.example/about-us/people-strategy",
        title="People Strategy 2025-28",
        user=hr_lead,
    )
    content = SURVEY_CSV.encode()
    stored = default_storage.save(
        f"evidence/{organisation.ods_code}/demo-staff-survey-2025.csv", ContentFile(content)
    )
    add_evidence_file(
        responses["SI2"].pk,
        stored_name=stored,
        original_name="Staff survey summary 2025.csv",
        content_type="text/csv",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        user=hr_lead,
    )
