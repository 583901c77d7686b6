"""Signed-off cycles made through the services, for the network demo and the tests.

Every call to a joint-recording service is in ``signed_off_cycle`` (one place to adjust when
the services' signatures change).
"""

from dataclasses import dataclass

from partnership.models import Membership, Network, NetworkMember, Organisation, User
from partnership.networks import services as network_services

from . import services
from .models import Assessment, Signature


@dataclass(frozen=True)
class Answer:
    rating: int | None
    staff_rating: int | None = None  # None: the staff side agrees without its own rating
    barrier: str = ""
    barrier_detail: str = ""
    narrative: str = ""
    not_applicable: bool = False


def _data(answer: Answer) -> dict:
    return {
        "rating": None if answer.not_applicable else answer.rating,
        "not_applicable": answer.not_applicable,
        "not_applicable_reason": "Not a service we provide" if answer.not_applicable else "",
        "narrative": answer.narrative,
        "barrier": answer.barrier,
        "barrier_detail": answer.barrier_detail,
    }


def signed_off_cycle(
    organisation, framework, period, *, management, staff, answers: dict, statement=None
) -> Assessment:
    """Start, answer, co-sign and jointly sign off one assessment. ``answers`` maps criterion
    refs to ``Answer``; where the staff side's rating differs from management's it disagrees."""
    assessment = services.start_assessment(
        organisation=organisation,
        framework=framework,
        period=period,
        title=f"{framework.title} {period}",
        user=management,
    )
    for response in assessment.responses.select_related("criterion"):
        answer = answers[response.criterion.ref]
        services.save_response(
            response.pk, data=_data(answer), expected_version=response.version, user=management
        )
        if answer.not_applicable:
            continue
        services.submit_response(response.pk, user=management)
        differs = answer.staff_rating is not None and answer.staff_rating != answer.rating
        services.staff_side_sign(
            response.pk,
            user=staff,
            decision=Signature.Decision.DISAGREED if differs else Signature.Decision.AGREED,
            comment="The staff side rates this differently" if differs else "",
            staff_rating=answer.staff_rating,
        )
    statement = statement or f"Our joint account of {framework.title} for {period}."
    services.sign_off(assessment.pk, user=management, side="management", joint_statement=statement)
    services.sign_off(assessment.pk, user=staff, side="staff_side", joint_statement=statement)
    assessment.refresh_from_db()
    return assessment


# --- The demo network ---------------------------------------------------------------------------

NETWORK_SLUG = "north-east-and-yorkshire"
CHILD_SLUG = "humber-and-north-yorkshire"
DEMO_PERIODS = ("2023/24", "2024/25", "2025/26")


@dataclass(frozen=True)
class DemoMember:
    name: str
    ods_code: str
    sector: str
    region: str
    sharing: str
    strength: int  # 0 (struggling) to 4 (strong): how much of the framework is in place
    divergence: bool = False  # the staff side rates several criteria two levels lower


_TRUST = "nhs_trust_or_board"
_PRIMARY = "primary_care"
_INDEPENDENT = "independent_or_voluntary"
_HNY = "Humber and North Yorkshire"
_WY = "West Yorkshire"
_SY = "South Yorkshire"
_NENC = "North East and North Cumbria"

DEMO_MEMBERS = (
    DemoMember("Aireborough Teaching Hospitals NHS Trust", "ZN1", _TRUST, _WY, "detail", 3),
    DemoMember("Calder Valley Mental Health NHS Trust", "ZN2", _TRUST, _WY, "summary", 2, True),
    DemoMember("Don Valley Acute NHS Foundation Trust", "ZN3", _TRUST, _SY, "detail", 1, True),
    DemoMember("Esk and Derwent Community Health NHS Trust", "ZN4", _TRUST, _HNY, "summary", 2),
    DemoMember("Holderness Ambulance Service NHS Trust", "ZN5", _TRUST, _HNY, "detail", 0, True),
    DemoMember("Tyneside Riverside Primary Care Network", "ZN6", _PRIMARY, _NENC, "summary", 2),
    DemoMember("Wensleydale Group Practice", "ZN7", _PRIMARY, _HNY, "summary", 1),
    DemoMember("Wearside GP Federation", "ZN8", _PRIMARY, _NENC, "detail", 3),
    DemoMember("Moorland Hospice Care", "ZN9", _INDEPENDENT, _HNY, "detail", 1),
    DemoMember("Pennine Rehabilitation Partnership Ltd", "ZN10", _INDEPENDENT, _WY, "summary", 2),
    DemoMember("Coastal Community Interest Health CIC", "ZN11", _INDEPENDENT, _NENC, "detail", 0),
)
# Invited, one lead has accepted, the other has not: shares nothing.
DEMO_INVITED = DemoMember("Ripon Dales Nursing Home Group", "ZN12", _INDEPENDENT, _HNY, "detail", 2)

# Reasons written by the organisations, by barrier category (fictional, in our own words).
DEMO_REASONS = {
    "funding": (
        "The business case for extra posts was deferred to next year's budget round.",
        "No recurrent money for the scheme; the pilot ended when its grant ran out.",
    ),
    "staffing": (
        "Vacancies in the HR advisory team mean the work has no owner at present.",
        "Rota gaps on the wards make releasing staff for this impossible this year.",
    ),
    "policy_not_agreed": (
        "The draft policy is still with the joint negotiating committee.",
        "Management and staff side have not yet agreed the wording of the policy.",
    ),
    "not_prioritised": (
        "The board put this behind the recovery plan for waiting lists.",
        "Other people-plan priorities came first this year.",
    ),
    "awaiting_national_guidance": (
        "Waiting for the national guidance promised for next spring before changing practice.",
    ),
}


def _rating(member_strength: int, position: int, cycle: int) -> int:
    """A rating from 0 to 3: stronger organisations and later cycles rate higher; a fixed mix
    per criterion so the same criteria are the common gaps across the region."""
    hardness = (position * 7) % 5  # 0 (easy) to 4 (hard)
    score = member_strength + cycle - hardness + 1
    return max(0, min(3, score))


def demo_answers(framework, member: DemoMember, cycle: int) -> dict:
    barriers = list(DEMO_REASONS)
    answers = {}
    for position, ref in enumerate(
        framework.criteria.order_by("standard__position", "position").values_list("ref", flat=True)
    ):
        if member.sector != _TRUST and position % 6 == 5:
            # Smaller providers: some of the framework is about services they do not run.
            answers[ref] = Answer(rating=None, not_applicable=True)
            continue
        rating = _rating(member.strength, position, cycle)
        staff = rating
        if member.divergence and position % 4 == 1 and rating >= 2:
            staff = rating - 2
        barrier = detail = ""
        if rating < 2:
            barrier = barriers[(position + member.strength) % len(barriers)]
            texts = DEMO_REASONS[barrier]
            detail = texts[position % len(texts)]
        answers[ref] = Answer(
            rating=rating,
            staff_rating=staff,
            barrier=barrier,
            barrier_detail=detail,
            narrative=f"What {member.name} has in place for {ref}.",
        )
    return answers


NORTHSHIRE_PROFILE = DemoMember("Northshire", "Z9A", _TRUST, "", "detail", 1, True)


def _person(email, full_name, password_hash):
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
    if created:
        user.password = password_hash
        user.save(update_fields=["password"])
    return user


def _demo_organisation(member: DemoMember, password_hash):
    organisation, _ = Organisation.objects.update_or_create(
        ods_code=member.ods_code,
        defaults={
            "name": member.name,
            "country": Organisation.Country.ENGLAND,
            "region": member.region,
            "sector": member.sector,
        },
    )
    code = member.ods_code.lower()
    leads = []
    for side, local, title in (
        (Membership.Side.MANAGEMENT, "hr.lead", "HR lead"),
        (Membership.Side.STAFF_SIDE, "staff.rep", "Staff-side lead"),
    ):
        user = _person(f"{local}@{code}.example", f"{title}, {member.name}", password_hash)
        Membership.objects.get_or_create(
            user=user, organisation=organisation, side=side, defaults={"role": "lead"}
        )
        leads.append(user)
    return organisation, leads


def seed_network(framework, northshire, northshire_leads, password_hash) -> tuple[list, bool]:
    """The demo region: Northshire and eleven generated organisations of every sector, three
    signed-off yearly cycles each, one organisation invited but not joined, an ICS within the
    region. Southdale stays outside. Returns (email, where, description) for the sign-ins and
    whether anything was made (nothing is when the network already exists)."""
    officer = _person("regional.officer@network.example", "Rosa Achebe", password_hash)
    workforce = _person("workforce.lead@network.example", "Wyn Davies", password_hash)
    sign_ins = [
        (officer.email, "North East and Yorkshire network", "regional staff-side officer, lead"),
        (workforce.email, "North East and Yorkshire network", "ICS workforce lead, viewer"),
    ]
    if Network.objects.filter(slug=NETWORK_SLUG).exists():
        return sign_ins, False
    region = Network.objects.create(
        name="North East and Yorkshire", slug=NETWORK_SLUG, kind=Network.Kind.NHS_REGION
    )
    child = Network.objects.create(
        name="Humber and North Yorkshire ICS",
        slug=CHILD_SLUG,
        kind=Network.Kind.ICS_OR_HEALTH_BOARD,
        parent=region,
    )
    for network in (region, child):
        NetworkMember.objects.create(
            user=officer, network=network, side=Membership.Side.STAFF_SIDE, role="lead"
        )
        NetworkMember.objects.create(
            user=workforce, network=network, side=Membership.Side.MANAGEMENT, role="viewer"
        )
    members = [(NORTHSHIRE_PROFILE, northshire, northshire_leads)]
    members += [(m, *_demo_organisation(m, password_hash)) for m in DEMO_MEMBERS]
    for member, organisation, (management, staff) in members:
        networks = [region] + ([child] if member.region == _HNY else [])
        for network in networks:
            place = network_services.invite(network, organisation, user=officer)
            network_services.accept(place.pk, user=management, sharing=member.sharing)
            network_services.accept(place.pk, user=staff, sharing=member.sharing)
        for cycle, period in enumerate(DEMO_PERIODS):
            if organisation.assessments.filter(framework=framework, period=period).exists():
                continue  # Northshire's 2025/26, made by the main demo
            signed_off_cycle(
                organisation,
                framework,
                period,
                management=management,
                staff=staff,
                answers=demo_answers(framework, member, cycle),
            )
    invited, (management, _) = _demo_organisation(DEMO_INVITED, password_hash)
    place = network_services.invite(region, invited, user=officer)
    network_services.accept(place.pk, user=management, sharing=DEMO_INVITED.sharing)
    return sign_ins, True
