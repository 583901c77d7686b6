import os

import pytest

from partnership.models import Membership
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

# Playwright's sync API runs an event loop in the main thread; Django's async guard would then
# refuse database access from the live_server tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Playwright cannot download its own browser here: use Debian's chromium.
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session", autouse=True)
def signing_key():
    """The service's signing key (settings.SIGNING_KEY_DIR), created once per machine."""
    from partnership.signing import keys

    keys.create_key()
    return keys.current_key_id()


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Northshire Community NHS Trust", ods_code="Z9A")


@pytest.fixture
def other_organisation(db):
    return OrganisationFactory(name="Southdale Hospitals NHS Foundation Trust", ods_code="Z9B")


def _member(organisation, side, role, email):
    user = UserFactory(email=email)
    MembershipFactory(user=user, organisation=organisation, side=side, role=role)
    return user


@pytest.fixture
def hr_lead(organisation):
    return _member(
        organisation, Membership.Side.MANAGEMENT, Membership.Role.LEAD, "hr.lead@z9a.example"
    )


@pytest.fixture
def contributor(organisation):
    return _member(
        organisation,
        Membership.Side.MANAGEMENT,
        Membership.Role.CONTRIBUTOR,
        "hr.contributor@z9a.example",
    )


@pytest.fixture
def staff_rep(organisation):
    return _member(
        organisation, Membership.Side.STAFF_SIDE, Membership.Role.LEAD, "staff.rep@z9a.example"
    )


@pytest.fixture
def viewer(organisation):
    return _member(
        organisation, Membership.Side.MANAGEMENT, Membership.Role.VIEWER, "board@z9a.example"
    )


@pytest.fixture
def outsider(other_organisation):
    return _member(
        other_organisation, Membership.Side.MANAGEMENT, Membership.Role.LEAD, "hr.lead@z9b.example"
    )


def _client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def hr_lead_client(client, hr_lead):
    return _client_for(client, hr_lead)


@pytest.fixture
def staff_rep_client(client, staff_rep):
    return _client_for(client, staff_rep)


@pytest.fixture
def viewer_client(client, viewer):
    return _client_for(client, viewer)


@pytest.fixture
def outsider_client(client, outsider):
    return _client_for(client, outsider)
