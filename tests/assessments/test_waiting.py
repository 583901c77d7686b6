"""What is waiting for each person: the queries, the home page's counts and the waiting page."""

import re

import pytest
from django.urls import reverse

from assessments.models import Signature
from assessments.services import (
    request_reopen,
    sign_off,
    staff_side_sign,
    start_assessment,
    submit_response,
)
from assessments.waiting import Kind, waiting_counts, waiting_for
from partnership.models import Membership
from tests.assessments.test_checklist_views import build_framework, client_for, member, responses_of
from tests.assessments.test_signoff_views import (
    STATEMENT,
    save_answer,
    settle,
    settle_all,
    sign_both,
    submit,
)
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

MANAGEMENT = Membership.Side.MANAGEMENT
STAFF_SIDE = Membership.Side.STAFF_SIDE
LEAD, CONTRIBUTOR, VIEWER = (
    Membership.Role.LEAD,
    Membership.Role.CONTRIBUTOR,
    Membership.Role.VIEWER,
)
WAITING = reverse("assessments:waiting")
HOME = reverse("assessments:home")


def new_assessment(organisation, user, *, period="2026/27", title="Our IWL", **size):
    return start_assessment(
        organisation=organisation,
        framework=build_framework(**size),
        period=period,
        title=title,
        user=user,
    )


@pytest.fixture
def assessment(organisation, hr_lead):
    return new_assessment(organisation, hr_lead)


@pytest.fixture
def mixed(assessment, hr_lead, staff_rep):
    """S1.1 submitted, S1.2 disagreed, S2.1 agreed with reservations, S2.2 agreed."""
    responses = responses_of(assessment)
    submit(responses["S1.1"], hr_lead)
    settle(responses["S1.2"], hr_lead, staff_rep, Signature.Decision.DISAGREED, "No")
    settle(responses["S2.1"], hr_lead, staff_rep, Signature.Decision.AGREED_WITH_RESERVATIONS, "Hm")
    settle(responses["S2.2"], hr_lead, staff_rep)
    return assessment


def seen(user):
    """What waiting_for gives ``user``, as (kind, criterion ref or side) pairs."""
    return [
        (item.kind, item.response.criterion.ref if item.response else item.side)
        for item in waiting_for(user)
    ]


REVIEW_S11 = [(Kind.REVIEW, "S1.1")]
REVISE = [(Kind.REVISE, "S1.2"), (Kind.REVISE, "S2.1")]


# --- Who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "role", "expected"),
    [
        (MANAGEMENT, LEAD, REVISE),
        (MANAGEMENT, CONTRIBUTOR, REVISE),
        (MANAGEMENT, VIEWER, []),
        (STAFF_SIDE, LEAD, REVIEW_S11),
        (STAFF_SIDE, CONTRIBUTOR, REVIEW_S11),
        (STAFF_SIDE, VIEWER, []),
    ],
)
def test_each_role_sees_its_own_work(organisation, other_organisation, mixed, side, role, expected):
    assert seen(member(organisation, side, role)) == expected
    # The same role in another organisation never sees any of it.
    assert seen(member(other_organisation, side, role)) == []


def test_a_person_on_both_sides_sees_both_kinds_but_not_their_own_submission(organisation, mixed):
    both = member(organisation, MANAGEMENT, CONTRIBUTOR)
    MembershipFactory(user=both, organisation=organisation, side=STAFF_SIDE, role=CONTRIBUTOR)
    assert seen(both) == [*REVIEW_S11, *REVISE]
    # They submitted this one for management, so they cannot review it for the staff side.
    mine = responses_of(mixed)["S1.1"]
    save_answer(mine, both, rating=3)
    submit_response(mine.pk, user=both)
    assert seen(both) == REVISE


def test_pending_sign_off_waits_for_the_other_lead_only(
    organisation, assessment, hr_lead, staff_rep, contributor
):
    settle_all(assessment, hr_lead, staff_rep)
    assert seen(staff_rep) == [] and seen(hr_lead) == []
    sign_off(assessment.pk, user=hr_lead, side=MANAGEMENT, joint_statement=STATEMENT)
    assert seen(staff_rep) == [(Kind.SIGN_OFF, STAFF_SIDE)]
    assert seen(hr_lead) == []
    assert seen(contributor) == []
    assert seen(member(organisation, STAFF_SIDE, CONTRIBUTOR)) == []
    sign_off(assessment.pk, user=staff_rep, side=STAFF_SIDE, joint_statement=STATEMENT)
    assert seen(staff_rep) == []


def test_a_lead_of_both_sides_is_asked_to_sign_only_what_they_may(
    organisation, assessment, hr_lead, staff_rep
):
    settle_all(assessment, hr_lead, staff_rep)
    both = member(organisation, MANAGEMENT, LEAD)
    MembershipFactory(user=both, organisation=organisation, side=STAFF_SIDE, role=LEAD)
    sign_off(assessment.pk, user=hr_lead, side=MANAGEMENT, joint_statement=STATEMENT)
    assert seen(both) == [(Kind.SIGN_OFF, STAFF_SIDE)]


def test_someone_who_signed_one_side_is_not_asked_to_sign_the_other(
    organisation, assessment, hr_lead, staff_rep
):
    settle_all(assessment, hr_lead, staff_rep)
    both = member(organisation, MANAGEMENT, LEAD)
    MembershipFactory(user=both, organisation=organisation, side=STAFF_SIDE, role=LEAD)
    sign_off(assessment.pk, user=both, side=MANAGEMENT, joint_statement=STATEMENT)
    assert seen(both) == []
    assert seen(staff_rep) == [(Kind.SIGN_OFF, STAFF_SIDE)]


def test_a_reopen_request_waits_for_the_other_sides_lead(
    organisation, mixed, hr_lead, staff_rep, contributor
):
    staff_side_sign(
        responses_of(mixed)["S1.1"].pk, user=staff_rep, decision=Signature.Decision.AGREED
    )
    sign_both(mixed, hr_lead, staff_rep)
    # Signed off: the recorded disagreement no longer waits for anyone.
    assert seen(hr_lead) == [] and seen(contributor) == []
    request_reopen(mixed.pk, user=staff_rep, reason="Wrong figures")
    assert seen(hr_lead) == [(Kind.REOPEN, "")]
    assert seen(staff_rep) == []
    assert seen(member(organisation, STAFF_SIDE, LEAD)) == []  # same side as the requester
    assert seen(member(organisation, MANAGEMENT, LEAD)) == [(Kind.REOPEN, "")]
    assert seen(contributor) == []


def test_someone_in_two_organisations_sees_both(
    organisation, other_organisation, mixed, hr_lead, outsider
):
    theirs = new_assessment(other_organisation, outsider, title="Their IWL")
    submit(responses_of(theirs)["S2.2"], outsider)
    rep = member(organisation, STAFF_SIDE, CONTRIBUTOR)
    MembershipFactory(user=rep, organisation=other_organisation, side=STAFF_SIDE, role=CONTRIBUTOR)
    items = waiting_for(rep)
    assert [(i.assessment.title, i.response.criterion.ref) for i in items] == [
        ("Our IWL", "S1.1"),
        ("Their IWL", "S2.2"),
    ]
    # And the outsider's own staff side sees only their organisation's.
    their_rep = member(other_organisation, STAFF_SIDE, LEAD)
    assert [i.assessment.title for i in waiting_for(their_rep)] == ["Their IWL"]


def test_waiting_counts(organisation, mixed, hr_lead, staff_rep, viewer):
    assert waiting_counts(hr_lead) == {mixed.pk: 2}
    assert waiting_counts(staff_rep) == {mixed.pk: 1}
    assert waiting_counts(viewer) == {}


def test_items_link_to_the_criterion_or_the_sign_off_page(mixed, hr_lead, staff_rep):
    (item,) = waiting_for(staff_rep)
    response = responses_of(mixed)["S1.1"]
    assert item.url == reverse("assessments:criterion", args=[mixed.pk, response.pk])
    assert item.title.startswith("S1.1 Statement of S1.1")


# --- The waiting page -------------------------------------------------------------------------


def test_waiting_page_lists_each_item_with_its_link(staff_rep_client, mixed):
    content = staff_rep_client.get(WAITING).content.decode()
    items = re.findall(r'data-testid="waiting-item" data-kind="(\w+)">(.*?)</li>', content, re.S)
    assert [kind for kind, _ in items] == ["review"]
    response = responses_of(mixed)["S1.1"]
    assert reverse("assessments:criterion", args=[mixed.pk, response.pk]) in items[0][1]
    assert "Review for the staff side" in items[0][1]
    assert f'id="assessment-{mixed.pk}"' in content


def test_waiting_page_links_sign_off_and_reopen(assessment, hr_lead, staff_rep):
    settle_all(assessment, hr_lead, staff_rep)
    sign_off(assessment.pk, user=hr_lead, side=MANAGEMENT, joint_statement=STATEMENT)
    content = client_for(staff_rep).get(WAITING).content.decode()
    assert reverse("assessments:sign_off", args=[assessment.pk]) in content
    assert "The management lead has signed off" in content
    sign_off(assessment.pk, user=staff_rep, side=STAFF_SIDE, joint_statement=STATEMENT)
    request_reopen(assessment.pk, user=staff_rep, reason="Wrong figures")
    content = client_for(hr_lead).get(WAITING).content.decode()
    assert reverse("assessments:assessment", args=[assessment.pk]) + "#reopen" in content
    assert "Agree to reopen" in content


def test_viewers_have_nothing_waiting(viewer_client, mixed):
    content = viewer_client.get(WAITING).content.decode()
    assert 'data-testid="nothing-waiting"' in content
    assert "Our IWL" not in content


# Session, user, current organisation (header), the memberships, the criteria, and (for a
# lead) the assessments that might wait for a sign-off or a reopening.
WAITING_QUERIES = 6


@pytest.mark.parametrize("who", ["staff_rep", "hr_lead"])
def test_waiting_page_query_count_is_fixed(
    request, organisation, hr_lead, staff_rep, django_assert_num_queries, who
):
    """One item against ten: the same queries."""
    small = new_assessment(organisation, hr_lead, standards=1, criteria_per_standard=2)
    large = new_assessment(
        organisation,
        hr_lead,
        period="2027/28",
        title="Large",
        standards=2,
        criteria_per_standard=10,
    )
    small_responses = list(responses_of(small).values())
    if who == "staff_rep":
        submit(small_responses[0], hr_lead)
    else:
        settle(small_responses[0], hr_lead, staff_rep, Signature.Decision.DISAGREED, "No")
    client = client_for(request.getfixturevalue(who))
    with django_assert_num_queries(WAITING_QUERIES):
        content = client.get(WAITING).content.decode()
    assert content.count('data-testid="waiting-item"') == 1

    for response in list(responses_of(large).values())[:9]:
        if who == "staff_rep":
            submit(response, hr_lead)
        else:
            settle(response, hr_lead, staff_rep, Signature.Decision.DISAGREED, "No")
    client = client_for(request.getfixturevalue(who))
    with django_assert_num_queries(WAITING_QUERIES):
        content = client.get(WAITING).content.decode()
    assert content.count('data-testid="waiting-item"') == 10


# --- The home page ----------------------------------------------------------------------------


def _assessment_line(content, assessment):
    return re.search(rf'data-testid="assessment-{assessment.pk}">(.*?)</li>', content, re.S)[1]


def test_home_shows_counts_and_links_to_the_waiting_page(hr_lead_client, mixed, staff_rep, viewer):
    content = hr_lead_client.get(HOME).content.decode()
    line = _assessment_line(content, mixed)
    assert "Waiting for you: 2 criteria to revise or accept" in line
    assert f'href="{WAITING}#assessment-{mixed.pk}"' in line
    assert f'href="{reverse("assessments:assessment", args=[mixed.pk])}"' in line
    assert "2 of 4 agreed by both sides" in line
    assert "In progress" in line
    assert "2 things waiting for you" in content

    content = client_for(staff_rep).get(HOME).content.decode()
    assert "Waiting for you: 1 criterion to review" in _assessment_line(content, mixed)

    content = client_for(viewer).get(HOME).content.decode()
    assert "Waiting for you" not in content
    assert "2 of 4 agreed by both sides" in _assessment_line(content, mixed)


def test_home_names_a_pending_sign_off(assessment, hr_lead, staff_rep):
    settle_all(assessment, hr_lead, staff_rep)
    sign_off(assessment.pk, user=hr_lead, side=MANAGEMENT, joint_statement=STATEMENT)
    content = client_for(staff_rep).get(HOME).content.decode()
    assert "Waiting for you: your sign-off" in _assessment_line(content, assessment)


@pytest.mark.parametrize(
    ("side", "role", "can_start"),
    [
        (MANAGEMENT, LEAD, True),
        (MANAGEMENT, CONTRIBUTOR, True),
        (MANAGEMENT, VIEWER, False),
        (STAFF_SIDE, LEAD, False),
        (STAFF_SIDE, CONTRIBUTOR, False),
        (STAFF_SIDE, VIEWER, False),
    ],
)
def test_only_managements_editors_are_offered_to_start(organisation, side, role, can_start):
    content = client_for(member(organisation, side, role)).get(HOME).content.decode()
    assert ("Start a self-assessment" in content) is can_start


def test_start_is_offered_if_any_organisation_allows_it(organisation, other_organisation):
    rep = member(organisation, STAFF_SIDE, LEAD)
    MembershipFactory(user=rep, organisation=other_organisation, side=MANAGEMENT, role=CONTRIBUTOR)
    assert "Start a self-assessment" in client_for(rep).get(HOME).content.decode()


@pytest.mark.parametrize("who", ["hr_lead", "staff_rep", "viewer"])
def test_home_query_count_does_not_grow_with_waiting_items(
    request, organisation, hr_lead, staff_rep, django_assert_num_queries, who
):
    from tests.assessments.test_home_and_frameworks import HOME_QUERIES

    first = new_assessment(organisation, hr_lead)
    submit(responses_of(first)["S1.1"], hr_lead)
    client = client_for(request.getfixturevalue(who))
    with django_assert_num_queries(HOME_QUERIES):
        client.get(HOME)
    for period in ("2027/28", "2028/29"):
        more = new_assessment(organisation, hr_lead, period=period, title=period)
        settle_all(more, hr_lead, staff_rep)
        sign_off(more.pk, user=hr_lead, side=MANAGEMENT, joint_statement=STATEMENT)
    settle(responses_of(first)["S1.2"], hr_lead, staff_rep, Signature.Decision.DISAGREED, "No")
    with django_assert_num_queries(HOME_QUERIES):
        content = client.get(HOME).content.decode()
    if who == "staff_rep":
        assert content.count('data-testid="waiting-count"') == 3
