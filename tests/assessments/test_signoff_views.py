"""The assessment-level pages: the overview's joint sign-off section, signing off, reopening
and the history. The rules themselves are the services' (tests/assessments/test_joint_recording.py);
these tests check that every view asks them, shows the answer and refuses the right people."""

import re

import pytest
from django.urls import reverse

from assessments.models import Assessment, AssessmentEvent, Response, Signature, SignOff
from assessments.services import (
    add_comment,
    request_reopen,
    save_response,
    sign_off,
    staff_side_sign,
    start_assessment,
    submit_response,
    unsettled_criteria,
)
from assessments.views.signoff import HISTORY_PAGE_SIZE, OVERVIEW_UNSETTLED_SHOWN
from partnership.models import Membership
from tests.assessments.seen import sign_off_data_seen
from tests.assessments.test_checklist_views import (
    MISSING,
    SIDES_AND_ROLES,
    build_framework,
    client_for,
    member,
    responses_of,
)
from tests.assessments.test_services import BLANK
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

MANAGEMENT = Membership.Side.MANAGEMENT
STAFF_SIDE = Membership.Side.STAFF_SIDE
LEADS = {(MANAGEMENT, Membership.Role.LEAD), (STAFF_SIDE, Membership.Role.LEAD)}
STATEMENT = "We agree this is a fair account of working lives at Northshire."


# --- Setting up state through the services ----------------------------------------------------


def save_answer(response, user, rating=2, **data):
    response.refresh_from_db()
    save_response(
        response.pk,
        data={**BLANK, "rating": rating, **data},
        expected_version=response.version,
        user=user,
    )


def submit(response, hr, rating=2):
    save_answer(response, hr, rating=rating)
    submit_response(response.pk, user=hr)


def settle(response, hr, staff, decision=Signature.Decision.AGREED, comment=""):
    submit(response, hr)
    staff_side_sign(response.pk, user=staff, decision=decision, comment=comment)


def settle_all(assessment, hr, staff):
    for response in assessment.responses.all():
        if response.state == Response.State.DRAFT:
            settle(response, hr, staff)


def sign_both(assessment, hr, staff, statement=STATEMENT):
    sign_off(assessment.pk, user=hr, side=MANAGEMENT, joint_statement=statement)
    sign_off(assessment.pk, user=staff, side=STAFF_SIDE, joint_statement=statement)


def fresh(assessment):
    return Assessment.objects.get(pk=assessment.pk)


def snapshot(assessment):
    """Everything an assessment-level action could change."""
    assessment = fresh(assessment)
    return (
        assessment.status,
        assessment.reopen_requested_by_id,
        assessment.reopen_reason,
        sorted(
            SignOff.objects.filter(assessment=assessment).values_list(
                "side", "signer_id", "voided_at"
            )
        ),
        AssessmentEvent.objects.filter(assessment=assessment).count(),
    )


@pytest.fixture
def framework():
    return build_framework()


@pytest.fixture
def assessment(organisation, framework, hr_lead):
    return start_assessment(
        organisation=organisation,
        framework=framework,
        period="2026/27",
        title="Our IWL",
        user=hr_lead,
    )


@pytest.fixture
def settled(assessment, hr_lead, staff_rep):
    settle_all(assessment, hr_lead, staff_rep)
    return assessment


@pytest.fixture
def signed_off(settled, hr_lead, staff_rep):
    sign_both(settled, hr_lead, staff_rep)
    return fresh(settled)


@pytest.fixture
def reopen_requested(signed_off, staff_rep):
    request_reopen(signed_off.pk, user=staff_rep, reason="The staff survey figures were wrong")
    return fresh(signed_off)


def url(name, assessment):
    return reverse(f"assessments:{name}", args=[assessment.pk])


def content_of(answer):
    return answer.content.decode()


# --- Permissions ------------------------------------------------------------------------------

READ_PAGES = ["assessment", "sign_off", "history"]


@pytest.mark.parametrize("page", READ_PAGES)
@pytest.mark.parametrize(("side", "role"), SIDES_AND_ROLES)
@pytest.mark.parametrize("own", [True, False], ids=["own", "other"])
def test_read_matrix(organisation, other_organisation, signed_off, page, side, role, own):
    user = member(organisation if own else other_organisation, side, role)
    answer = client_for(user).get(url(page, signed_off))
    assert answer.status_code == (200 if own else 404)
    if own and page == "assessment":
        assert 'id="joint-sign-off"' in content_of(answer)


@pytest.mark.parametrize(("side", "role"), SIDES_AND_ROLES)
@pytest.mark.parametrize("own", [True, False], ids=["own", "other"])
def test_waiting_page_matrix(organisation, other_organisation, settled, side, role, own):
    user = member(organisation if own else other_organisation, side, role)
    answer = client_for(user).get(reverse("assessments:waiting"))
    assert answer.status_code == 200
    assert "Our IWL" not in content_of(answer)  # everything is settled: nothing to review


def hidden_seen(page):
    return re.search(r'name="seen" value="([0-9a-f]{64})"', page)[1]


def _sign_off_data(side):
    return {"joint_statement": STATEMENT, "side_statement": f"{side} view"}


@pytest.mark.parametrize(("side", "role"), SIDES_AND_ROLES)
@pytest.mark.parametrize("own", [True, False], ids=["own", "other"])
def test_sign_off_matrix(organisation, other_organisation, settled, side, role, own):
    user = member(organisation if own else other_organisation, side, role)
    before = snapshot(settled)
    answer = client_for(user).post(
        url("sign_off", settled), {**_sign_off_data(side), **sign_off_data_seen(settled)}
    )
    if not own:
        assert answer.status_code == 404
    elif (side, role) in LEADS:
        assert answer.status_code == 302
        signed = SignOff.objects.get(assessment=settled)
        assert (signed.side, signed.signer_id, signed.side_statement) == (
            side,
            user.pk,
            f"{side} view",
        )
        return
    else:
        assert answer.status_code == 403
    assert snapshot(settled) == before


@pytest.mark.parametrize(("side", "role"), SIDES_AND_ROLES)
@pytest.mark.parametrize("own", [True, False], ids=["own", "other"])
def test_reopen_matrix(organisation, other_organisation, signed_off, side, role, own):
    user = member(organisation if own else other_organisation, side, role)
    before = snapshot(signed_off)
    answer = client_for(user).post(url("reopen", signed_off), {"reason": "Figures were wrong"})
    if not own:
        assert answer.status_code == 404
    elif (side, role) in LEADS:
        assert answer.status_code == 302
        assert fresh(signed_off).reopen_requested_by_id == user.pk
        return
    else:
        assert answer.status_code == 403
    assert snapshot(signed_off) == before


@pytest.mark.parametrize(("side", "role"), SIDES_AND_ROLES)
@pytest.mark.parametrize("own", [True, False], ids=["own", "other"])
def test_reopen_confirm_matrix(organisation, other_organisation, reopen_requested, side, role, own):
    """The staff-side lead asked: a management lead may agree; another staff-side lead may not."""
    user = member(organisation if own else other_organisation, side, role)
    before = snapshot(reopen_requested)
    answer = client_for(user).post(url("reopen_confirm", reopen_requested))
    if not own:
        assert answer.status_code == 404
    elif (side, role) == (MANAGEMENT, Membership.Role.LEAD):
        assert answer.status_code == 302
        assert not fresh(reopen_requested).is_locked
        return
    elif (side, role) in LEADS:
        assert answer.status_code == 400
        assert "other side must agree" in content_of(answer)
    else:
        assert answer.status_code == 403
    assert snapshot(reopen_requested) == before


@pytest.mark.parametrize(("side", "role"), SIDES_AND_ROLES)
@pytest.mark.parametrize("own", [True, False], ids=["own", "other"])
def test_reopen_withdraw_matrix(
    organisation, other_organisation, reopen_requested, side, role, own
):
    """Only the lead who asked may withdraw: every other lead is refused with the reason."""
    user = member(organisation if own else other_organisation, side, role)
    before = snapshot(reopen_requested)
    answer = client_for(user).post(url("reopen_withdraw", reopen_requested))
    if not own:
        assert answer.status_code == 404
    elif (side, role) in LEADS:
        assert answer.status_code == 400
        assert "Only the lead who asked" in content_of(answer)
    else:
        assert answer.status_code == 403
    assert snapshot(reopen_requested) == before


ACTIONS = ["sign_off", "reopen", "reopen_confirm", "reopen_withdraw"]


@pytest.mark.parametrize("name", [*READ_PAGES, *ACTIONS])
def test_bad_ids_get_404(hr_lead_client, assessment, name):
    missing = reverse(f"assessments:{name}", args=[MISSING])
    method = hr_lead_client.get if name in READ_PAGES else hr_lead_client.post
    assert method(missing).status_code == 404


@pytest.mark.parametrize("name", ["reopen", "reopen_confirm", "reopen_withdraw"])
def test_post_only_views_refuse_get(hr_lead_client, signed_off, name):
    assert hr_lead_client.get(url(name, signed_off)).status_code == 405


def test_read_only_views_refuse_post(hr_lead_client, signed_off):
    assert hr_lead_client.post(url("history", signed_off)).status_code == 405
    assert hr_lead_client.post(reverse("assessments:waiting")).status_code == 405
    assert hr_lead_client.put(url("sign_off", signed_off)).status_code == 405


@pytest.mark.parametrize("name", [*READ_PAGES, *ACTIONS])
def test_anonymous_is_sent_to_sign_in(client, signed_off, name):
    method = client.get if name in READ_PAGES else client.post
    answer = method(url(name, signed_off))
    assert answer.status_code == 302
    assert answer.url.startswith(reverse("login"))


def test_anonymous_waiting_is_sent_to_sign_in(client):
    answer = client.get(reverse("assessments:waiting"))
    assert answer.status_code == 302
    assert answer.url.startswith(reverse("login"))


def test_a_lead_cannot_act_on_another_organisations_assessment_through_their_own(
    hr_lead_client, outsider, other_organisation, framework, signed_off
):
    theirs = start_assessment(
        organisation=other_organisation,
        framework=framework,
        period="2026/27",
        title="Their IWL",
        user=outsider,
    )
    before = snapshot(theirs)
    assert (
        hr_lead_client.post(
            url("sign_off", theirs), {**_sign_off_data("x"), **sign_off_data_seen(theirs)}
        ).status_code
        == 404
    )
    assert hr_lead_client.get(url("history", theirs)).status_code == 404
    assert snapshot(theirs) == before


# --- Signing off ------------------------------------------------------------------------------


@pytest.mark.smoke
def test_unsettled_criteria_are_listed_and_no_form_is_offered(hr_lead_client, assessment, hr_lead):
    first = responses_of(assessment)["S1.1"]
    submit(first, hr_lead)
    answer = hr_lead_client.get(url("sign_off", assessment))
    content = content_of(answer)
    assert answer.status_code == 200
    assert "Not ready to sign off" in content
    assert 'data-testid="sign-off-form"' not in content
    unsettled = re.search(r'data-testid="unsettled">(.*?)</ul>', content, re.S)[1]
    for ref, response in responses_of(assessment).items():
        assert ref in unsettled
        assert reverse("assessments:criterion", args=[assessment.pk, response.pk]) in unsettled
    assert "submitted for staff-side review" in unsettled


def test_posting_with_unsettled_criteria_is_refused_with_the_list(hr_lead_client, assessment):
    before = snapshot(assessment)
    answer = hr_lead_client.post(
        url("sign_off", assessment),
        {**_sign_off_data("management"), **sign_off_data_seen(assessment)},
    )
    content = content_of(answer)
    assert answer.status_code == 400
    assert "<title>Error: " in content
    assert (
        "4 criteria are not yet agreed or recorded as disagreed: S1.1, S1.2, S2.1, S2.2" in content
    )
    assert snapshot(assessment) == before


def test_the_unsettled_list_follows_the_services_rule(assessment, hr_lead, staff_rep):
    from assessments.views.signoff import unsettled_responses

    responses = responses_of(assessment)
    settle(responses["S1.1"], hr_lead, staff_rep)
    settle(responses["S1.2"], hr_lead, staff_rep, Signature.Decision.DISAGREED, "No")
    save_answer(
        responses["S2.1"], hr_lead, rating=None, not_applicable=True, not_applicable_reason="x"
    )
    submit(responses["S2.2"], hr_lead)
    listed = [r.criterion.ref for r in unsettled_responses(assessment)]
    assert listed == unsettled_criteria(assessment) == ["S2.2"]


@pytest.mark.smoke
def test_both_leads_sign_through_the_pages_and_the_assessment_locks(
    settled, hr_lead, staff_rep, client
):
    hr = client_for(hr_lead)
    page = content_of(hr.get(url("sign_off", settled)))
    assert 'data-testid="sign-off-form"' in page
    assert "Sign off for management" in page
    assert 'name="side"' not in page  # one side to sign for: nothing to choose
    answer = hr.post(
        url("sign_off", settled),
        {
            "joint_statement": STATEMENT,
            "side_statement": "Management's view",
            "seen": hidden_seen(page),  # what the page showed
        },
    )
    assert answer.status_code == 302
    assert answer.url == url("assessment", settled) + "#joint-sign-off"
    assert not fresh(settled).is_locked
    assert "The staff-side lead has been asked" in content_of(hr.get(answer.url))

    staff = client_for(staff_rep)
    page = content_of(staff.get(url("sign_off", settled)))
    assert (
        STATEMENT in re.search(r'data-testid="agreed-statement">(.*?)</blockquote>', page, re.S)[1]
    )
    assert f'type="hidden" name="joint_statement" value="{STATEMENT}"' in page
    assert "Sign off for the staff side" in page
    assert "The staff side&#x27;s statement (optional)" in page
    answer = staff.post(
        url("sign_off", settled),
        {
            "joint_statement": STATEMENT,
            "side_statement": "The staff side's view",
            "seen": hidden_seen(page),
        },
    )
    assert answer.status_code == 302
    assessment = fresh(settled)
    assert assessment.is_locked
    assert {s.side: s.side_statement for s in assessment.sign_offs.all()} == {
        MANAGEMENT: "Management's view",
        STAFF_SIDE: "The staff side's view",
    }

    overview = content_of(staff.get(answer.url))
    banner = re.search(r'data-testid="signed-off-banner">(.*?)</div>\s*</div>', overview, re.S)[1]
    assert "is signed off" in banner
    assert hr_lead.get_full_name() in banner and staff_rep.get_full_name() in banner
    assert "this assessment is read-only" in banner
    assert "Both leads have signed the joint statement" in overview
    assert overview.count("Verified: the assessment is as it was signed off") == 2
    assert 'data-testid="sign-off-link"' not in overview
    # Every edit control elsewhere is gone.
    first = responses_of(assessment)["S1.1"]
    criterion = content_of(hr.get(reverse("assessments:criterion", args=[assessment.pk, first.pk])))
    assert 'id="response-form"' not in criterion
    # And signing again is refused as a change to a locked assessment.
    assert (
        hr.post(
            url("sign_off", settled), {**_sign_off_data("x"), **sign_off_data_seen(settled)}
        ).status_code
        == 403
    )


def test_the_second_lead_must_sign_the_same_joint_statement(settled, hr_lead, staff_rep):
    sign_off(settled.pk, user=hr_lead, side=MANAGEMENT, joint_statement=STATEMENT)
    before = snapshot(settled)
    answer = client_for(staff_rep).post(
        url("sign_off", settled),
        {"joint_statement": "Something else entirely", **sign_off_data_seen(settled)},
    )
    assert answer.status_code == 400
    assert "Sign the same joint statement as the other side" in content_of(answer)
    assert snapshot(settled) == before


def test_the_joint_statement_survives_line_breaks_sent_back_either_way(settled, hr_lead, staff_rep):
    client_for(hr_lead).post(
        url("sign_off", settled),
        {"joint_statement": "First line\r\nSecond line", **sign_off_data_seen(settled)},
    )
    answer = client_for(staff_rep).post(
        url("sign_off", settled),
        {"joint_statement": "First line\nSecond line", **sign_off_data_seen(settled)},
    )
    assert answer.status_code == 302
    assert fresh(settled).is_locked


def test_someone_who_leads_both_sides_chooses_one_and_cannot_sign_both(
    organisation, settled, hr_lead
):
    both = member(organisation, MANAGEMENT, Membership.Role.LEAD)
    MembershipFactory(user=both, organisation=organisation, side=STAFF_SIDE, role="lead")
    client = client_for(both)
    page = content_of(client.get(url("sign_off", settled)))
    assert 'name="side"' in page and 'value="management"' in page and 'value="staff_side"' in page
    missing_side = client.post(
        url("sign_off", settled), {"joint_statement": STATEMENT, **sign_off_data_seen(settled)}
    )
    assert missing_side.status_code == 400
    assert "Select the side you are signing for" in content_of(missing_side)
    assert not SignOff.objects.exists()

    answer = client.post(
        url("sign_off", settled),
        {"side": MANAGEMENT, "joint_statement": STATEMENT, **sign_off_data_seen(settled)},
    )
    assert answer.status_code == 302
    page = content_of(client.get(url("sign_off", settled)))
    assert 'data-testid="sign-off-form"' not in page
    assert "nobody can sign for both" in page

    before = snapshot(settled)
    second = client.post(
        url("sign_off", settled),
        {"side": STAFF_SIDE, "joint_statement": STATEMENT, **sign_off_data_seen(settled)},
    )
    assert second.status_code == 400
    assert "you cannot also sign for this one" in content_of(second)
    assert snapshot(settled) == before
    assert not fresh(settled).is_locked


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"joint_statement": "   "}, "Enter the joint statement"),
        ({"joint_statement": "a\x00b"}, "Remove the null characters from the text"),
        ({"joint_statement": "x" * 10_001}, "must be 10,000 characters or fewer"),
        (
            {"joint_statement": STATEMENT, "side_statement": "y" * 10_001},
            "Your side&#x27;s statement must be 10,000 characters or fewer",
        ),
    ],
)
def test_bad_statements_are_clear_errors(hr_lead_client, settled, data, message):
    before = snapshot(settled)
    answer = hr_lead_client.post(url("sign_off", settled), {**data, **sign_off_data_seen(settled)})
    content = content_of(answer)
    assert answer.status_code == 400
    assert "<title>Error: " in content
    assert message in content
    assert 'class="nhsuk-error-summary"' in content
    assert snapshot(settled) == before


def test_a_tampered_hidden_statement_says_the_page_is_out_of_date(settled, hr_lead, staff_rep):
    sign_off(settled.pk, user=hr_lead, side=MANAGEMENT, joint_statement=STATEMENT)
    answer = client_for(staff_rep).post(
        url("sign_off", settled), {"joint_statement": "", **sign_off_data_seen(settled)}
    )
    assert answer.status_code == 400
    assert "This page is out of date" in content_of(answer)
    assert not fresh(settled).is_locked


def test_members_who_are_not_leads_see_where_the_sign_off_stands_but_no_form(
    client, organisation, settled, hr_lead
):
    sign_off(settled.pk, user=hr_lead, side=MANAGEMENT, joint_statement=STATEMENT)
    contributor = member(organisation, STAFF_SIDE, Membership.Role.CONTRIBUTOR)
    page = content_of(client_for(contributor).get(url("sign_off", settled)))
    assert STATEMENT in page
    assert hr_lead.get_full_name() in page
    assert 'data-testid="sign-off-form"' not in page
    assert "Only the management lead and the staff-side lead can sign off" in page


# --- The overview's joint sign-off section ----------------------------------------------------


def test_overview_counts_agreed_disagreed_and_unsettled(
    hr_lead_client, assessment, hr_lead, staff_rep
):
    responses = responses_of(assessment)
    settle(responses["S1.1"], hr_lead, staff_rep)
    settle(responses["S1.2"], hr_lead, staff_rep, Signature.Decision.AGREED_WITH_RESERVATIONS, "Hm")
    settle(responses["S2.1"], hr_lead, staff_rep, Signature.Decision.DISAGREED, "No")
    content = content_of(hr_lead_client.get(url("assessment", assessment)))
    agreed = re.search(r'data-testid="joint-agreed">(.*?)</dd>', content, re.S)[1]
    assert " ".join(agreed.split()) == "2 of 4 applicable criteria, 1 with reservations"
    assert re.search(r'data-testid="joint-disagreed">(\d+)<', content)[1] == "1"
    assert re.search(r'data-testid="joint-unsettled">(\d+)<', content)[1] == "1"
    unsettled = re.search(r'data-testid="unsettled">(.*?)</ul>', content, re.S)[1]
    assert "S2.2" in unsettled and "S1.1" not in unsettled
    assert "See the joint statement and the sign-off" in content


def test_overview_lists_a_few_unsettled_criteria_and_links_to_the_rest(
    hr_lead_client, organisation, hr_lead
):
    framework = build_framework(standards=1, criteria_per_standard=OVERVIEW_UNSETTLED_SHOWN + 3)
    assessment = start_assessment(
        organisation=organisation, framework=framework, period="2026/27", title="Big", user=hr_lead
    )
    content = content_of(hr_lead_client.get(url("assessment", assessment)))
    unsettled = re.search(r'data-testid="unsettled">(.*?)</ul>', content, re.S)[1]
    assert unsettled.count("/responses/") == OVERVIEW_UNSETTLED_SHOWN
    assert "and 3 more" in unsettled
    assert url("sign_off", assessment) + "#unsettled" in unsettled


def test_overview_offers_the_sign_off_button_to_leads_only_once_settled(
    client, organisation, settled, hr_lead, staff_rep
):
    for user in (hr_lead, staff_rep):
        content = content_of(client_for(user).get(url("assessment", settled)))
        assert re.search(r'role="button"[^>]*data-testid="sign-off-link">Sign off<', content)
    contributor = member(organisation, MANAGEMENT, Membership.Role.CONTRIBUTOR)
    content = content_of(client_for(contributor).get(url("assessment", settled)))
    assert "See the joint statement and the sign-off" in content


@pytest.mark.parametrize(("side", "role"), SIDES_AND_ROLES)
def test_every_member_gets_the_reports_and_history_links(organisation, signed_off, side, role):
    content = content_of(
        client_for(member(organisation, side, role)).get(url("assessment", signed_off))
    )
    links = re.search(r'data-testid="reports">(.*?)</ul>', content, re.S)[1]
    for name in (
        "report",
        "report_pdf",
        "board_report",
        "board_report_pdf",
        "export_csv",
        "export_xlsx",
        "history",
    ):
        assert f'href="{url(name, signed_off)}"' in links


def test_reopen_controls_are_for_leads_only(client, organisation, signed_off, hr_lead):
    lead = content_of(client_for(hr_lead).get(url("assessment", signed_off)))
    assert f'action="{url("reopen", signed_off)}"' in lead
    assert 'name="reason"' in lead
    for side, role in SIDES_AND_ROLES:
        if (side, role) in LEADS:
            continue
        content = content_of(
            client_for(member(organisation, side, role)).get(url("assessment", signed_off))
        )
        assert 'action="/assessments/' not in content


# --- Reopening --------------------------------------------------------------------------------


@pytest.mark.smoke
def test_reopen_end_to_end_through_the_pages(signed_off, hr_lead, staff_rep):
    staff, hr = client_for(staff_rep), client_for(hr_lead)
    answer = staff.post(
        url("reopen", signed_off), {"reason": "The staff survey figures were wrong"}
    )
    assert answer.status_code == 302
    assert fresh(signed_off).reopen_requested_by_id == staff_rep.pk
    assert fresh(signed_off).is_locked

    requester_view = content_of(staff.get(url("assessment", signed_off)))
    assert "Withdraw the request to reopen" in requester_view
    assert "Agree to reopen" not in requester_view

    hr_view = content_of(hr.get(url("assessment", signed_off)))
    request_box = re.search(r'data-testid="reopen-request">(.*?)</div>', hr_view, re.S)[1]
    assert staff_rep.get_full_name() in request_box
    assert "The staff survey figures were wrong" in request_box
    assert f'action="{url("reopen_confirm", signed_off)}"' in hr_view
    assert "Agree to reopen" in hr_view

    answer = hr.post(url("reopen_confirm", signed_off))
    assert answer.status_code == 302
    assessment = fresh(signed_off)
    assert not assessment.is_locked
    assert assessment.reopen_requested_by_id is None
    assert not assessment.sign_offs.filter(voided_at__isnull=True).exists()
    assert "Reopened" in content_of(hr.get(answer.url))

    history = content_of(hr.get(url("history", signed_off)))
    entries = re.findall(r'data-testid="timeline-entry">(.*?)</li>', history, re.S)
    kinds = [re.search(r"<strong>(.*?)</strong>", entry)[1] for entry in entries]
    assert kinds[:2] == ["Reopened", "Reopening requested"]
    assert "Jointly signed off" in kinds
    assert "The staff survey figures were wrong" in entries[0]
    assert hr_lead.get_full_name() in entries[0]
    assert staff_rep.get_full_name() in entries[1]


def test_asking_to_reopen_needs_a_reason(hr_lead_client, signed_off):
    before = snapshot(signed_off)
    answer = hr_lead_client.post(url("reopen", signed_off), {"reason": "  "})
    content = content_of(answer)
    assert answer.status_code == 400
    assert "<title>Error: " in content
    assert "Say why the assessment needs to be reopened" in content
    assert 'href="#id_reason"' in content
    assert snapshot(signed_off) == before


def test_reopening_an_open_assessment_is_refused_not_an_error(hr_lead_client, settled):
    before = snapshot(settled)
    answer = hr_lead_client.post(url("reopen", settled), {"reason": "Why not"})
    assert answer.status_code == 400
    assert "Only a signed-off assessment can be reopened" in content_of(answer)
    assert snapshot(settled) == before


def test_asking_twice_is_refused(hr_lead_client, reopen_requested):
    before = snapshot(reopen_requested)
    answer = hr_lead_client.post(url("reopen", reopen_requested), {"reason": "Me too"})
    assert answer.status_code == 400
    assert "already been requested" in content_of(answer)
    assert snapshot(reopen_requested) == before


def test_confirming_without_a_request_is_refused(hr_lead_client, signed_off):
    before = snapshot(signed_off)
    answer = hr_lead_client.post(url("reopen_confirm", signed_off))
    assert answer.status_code == 400
    assert "Nobody has asked to reopen" in content_of(answer)
    assert snapshot(signed_off) == before


def test_the_requester_cannot_confirm_but_can_withdraw(staff_rep_client, reopen_requested):
    before = snapshot(reopen_requested)
    assert staff_rep_client.post(url("reopen_confirm", reopen_requested)).status_code == 400
    assert snapshot(reopen_requested) == before
    answer = staff_rep_client.post(url("reopen_withdraw", reopen_requested))
    assert answer.status_code == 302
    assessment = fresh(reopen_requested)
    assert assessment.is_locked and assessment.reopen_requested_by_id is None
    assert assessment.events.filter(kind=AssessmentEvent.Kind.REOPEN_WITHDRAWN).exists()


def test_a_second_lead_of_the_requesters_side_is_told_to_wait(
    client, organisation, reopen_requested
):
    other_staff_lead = member(organisation, STAFF_SIDE, Membership.Role.LEAD)
    content = content_of(client_for(other_staff_lead).get(url("assessment", reopen_requested)))
    assert "The other side's lead must agree" in content
    assert "Agree to reopen" not in content


# --- History ----------------------------------------------------------------------------------


def test_history_shows_events_and_criterion_changes_newest_first(
    hr_lead_client, signed_off, hr_lead
):
    content = content_of(hr_lead_client.get(url("history", signed_off)))
    entries = re.findall(r'data-testid="timeline-entry">(.*?)</li>', content, re.S)
    kinds = [re.search(r"<strong>(.*?)</strong>", entry)[1] for entry in entries]
    assert kinds[:3] == ["Jointly signed off", "Signed off by one lead", "Signed off by one lead"]
    assert {"Signed", "Edited"} <= set(kinds)
    first = responses_of(signed_off)["S1.1"]
    assert reverse("assessments:criterion", args=[signed_off.pk, first.pk]) in content
    times = re.findall(r'<time datetime="([^"]+)"', content)
    assert times == sorted(times, reverse=True)


def test_history_can_leave_out_edits(hr_lead_client, settled, hr_lead, staff_rep):
    first = responses_of(settled)["S1.1"]
    add_comment(first.pk, user=staff_rep, body="Looks right to us")
    content = content_of(hr_lead_client.get(url("history", settled) + "?show=joint"))
    kinds = set(re.findall(r"<strong>(.*?)</strong> by", content))
    assert "Edited" not in kinds
    assert {"Signed", "Commented"} <= kinds
    assert "Looks right to us" in content


def _many_changes(assessment, user, n):
    response = responses_of(assessment)["S1.1"]
    for i in range(n):
        save_answer(response, user, rating=None, narrative=f"Draft {i}")


def test_history_pages_through_everything(hr_lead_client, assessment, hr_lead):
    _many_changes(assessment, hr_lead, HISTORY_PAGE_SIZE + 5)
    first = content_of(hr_lead_client.get(url("history", assessment)))
    assert first.count('data-testid="timeline-entry"') == HISTORY_PAGE_SIZE
    assert f"Draft {HISTORY_PAGE_SIZE + 4}" in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = content_of(hr_lead_client.get(url("history", assessment) + "?page=2"))
    assert second.count('data-testid="timeline-entry"') == 5
    assert "Draft 0" in second
    assert 'rel="prev"' in second
    # A page that is not a number, or past the end, is still a page.
    assert hr_lead_client.get(url("history", assessment) + "?page=abc").status_code == 200
    assert hr_lead_client.get(url("history", assessment) + "?page=999").status_code == 200


def test_history_query_count_is_fixed_per_page(
    hr_lead_client, organisation, hr_lead, staff_rep, django_assert_num_queries
):
    counts = []
    for period, changes in (("2026/27", 1), ("2027/28", HISTORY_PAGE_SIZE * 2)):
        assessment = start_assessment(
            organisation=organisation,
            framework=build_framework(),
            period=period,
            title=period,
            user=hr_lead,
        )
        _many_changes(assessment, hr_lead, changes)
        settle_all(assessment, hr_lead, staff_rep)
        sign_both(assessment, hr_lead, staff_rep)
        request_reopen(assessment.pk, user=hr_lead, reason="Again")
        with django_assert_num_queries(HISTORY_QUERIES) as captured:
            answer = hr_lead_client.get(url("history", assessment))
        assert answer.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


# Session, user, current organisation (header), the assessment, the membership; then the
# number of entries, the page's rows, its events, its criterion changes and the rating scale.
HISTORY_QUERIES = 10


# --- Query counts of the overview once signed off ---------------------------------------------


def test_signed_off_overview_query_count_does_not_grow_with_the_framework(
    organisation, hr_lead, staff_rep, django_assert_num_queries
):
    counts = []
    for period, size in (("2026/27", 2), ("2027/28", 40)):
        assessment = start_assessment(
            organisation=organisation,
            framework=build_framework(standards=2, criteria_per_standard=size),
            period=period,
            title=period,
            user=hr_lead,
        )
        settle_all(assessment, hr_lead, staff_rep)
        sign_both(assessment, hr_lead, staff_rep)
        client = client_for(hr_lead)
        with django_assert_num_queries(SIGNED_OFF_OVERVIEW_QUERIES) as captured:
            assert client.get(url("assessment", assessment)).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


# The in-progress overview's count (tests/assessments/test_checklist_queries.py), plus what
# verifying both leads' sign-offs all the way down reads, however many criteria: the responses,
# their files, links and active signatures, the ledger's void entries and the snapshot.
SIGNED_OFF_OVERVIEW_QUERIES = 16


def test_a_signature_voided_after_one_lead_signed_shows_on_the_overview(
    hr_lead_client, settled, hr_lead, staff_rep
):
    sign_off(settled.pk, user=staff_rep, side=STAFF_SIDE, joint_statement=STATEMENT)
    first = responses_of(settled)["S1.1"]
    save_answer(first, hr_lead, rating=3)
    content = content_of(hr_lead_client.get(url("assessment", settled)))
    signatures = re.search(r'data-testid="lead-sign-offs">(.*?)</dl>', content, re.S)[1]
    assert signatures.count("Not signed yet") == 2
    assert re.search(r'data-testid="joint-unsettled">(\d+)<', content)[1] == "1"


def test_a_lead_of_both_sides_who_is_not_the_signer_of_either_may_sign(
    organisation, settled, hr_lead
):
    sign_off(settled.pk, user=hr_lead, side=MANAGEMENT, joint_statement=STATEMENT)
    both = UserFactory()
    for side in (MANAGEMENT, STAFF_SIDE):
        MembershipFactory(user=both, organisation=organisation, side=side, role="lead")
    answer = client_for(both).post(
        url("sign_off", settled),
        {"side": STAFF_SIDE, "joint_statement": STATEMENT, **sign_off_data_seen(settled)},
    )
    assert answer.status_code == 302
    assert fresh(settled).is_locked
