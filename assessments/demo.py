"""Fictional demo data: two trusts, so that a newcomer can see both sides and the boundary."""

from dataclasses import dataclass

from django.db import transaction

from partnership.models import Membership, Organisation, User

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
    """Create (or leave as they are) the demo trusts and their people. Safe to run again."""
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
