"""Joint recording pages: submit, staff-side signature and rating, comments, verification.

Every action is tested across role x side x own/other organisation: who may act gets a
redirect, a member without the right 403, another organisation 404, and a refusal changes
nothing in the database.
"""

import re

import pytest
from django.urls import reverse

from assessments.models import (
    Assessment,
    Comment,
    Notification,
    Response,
    ResponseChange,
    Signature,
)
from assessments.presenters import framework_levels
from assessments.services import (
    add_comment,
    add_evidence_file,
    add_evidence_link,
    record_staff_rating,
    save_response,
    staff_side_sign,
    start_assessment,
    submit_response,
)
from partnership.models import Membership
from tests.assessments.seen import response_seen, staff_sign_seen
from tests.assessments.test_checklist_queries import CRITERION_QUERIES, STANDARD_QUERIES
from tests.assessments.test_checklist_views import (
    MANAGEMENT_EDITORS,
    MISSING,
    SIDES_AND_ROLES,
    build_framework,
    client_for,
    criterion_url,
    member,
    responses_of,
)
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

STAFF_EDITORS = {
    (Membership.Side.STAFF_SIDE, Membership.Role.LEAD),
    (Membership.Side.STAFF_SIDE, Membership.Role.CONTRIBUTOR),
}
EDITORS = MANAGEMENT_EDITORS | STAFF_EDITORS
AGREED = Signature.Decision.AGREED
RESERVATIONS = Signature.Decision.AGREED_WITH_RESERVATIONS
DISAGREED = Signature.Decision.DISAGREED

# Who may take each action, the form it posts, and the state it starts from.
ACTIONS = {
    "submit": (MANAGEMENT_EDITORS, {}, "rated"),
    "staff_sign": (STAFF_EDITORS, {"sign-decision": AGREED, "sign-staff_rating": "3"}, "submitted"),
    "staff_rating": (STAFF_EDITORS, {"rating-staff_rating": "3"}, "submitted"),
    "comment": (EDITORS, {"comment-body": "Does this cover night staff?"}, "submitted"),
}
FORMS = ("submit-form", "sign-form", "rating-form", "comment-form")


@pytest.fixture
def assessment(organisation, hr_lead):
    return start_assessment(
        organisation=organisation,
        framework=build_framework(),
        period="2026/27",
        title="Our IWL",
        user=hr_lead,
    )


@pytest.fixture
def rated(assessment, hr_lead):
    """S1.1 answered "In place" with a narrative, still a draft."""
    response = responses_of(assessment)["S1.1"]
    save_response(
        response.pk,
        data={"rating": 2, "narrative": "Policy agreed"},
        expected_version=1,
        user=hr_lead,
    )
    return Response.objects.get(pk=response.pk)


@pytest.fixture
def submitted(rated, hr_lead):
    submit_response(rated.pk, user=hr_lead)
    return Response.objects.get(pk=rated.pk)


@pytest.fixture
def agreed(submitted, staff_rep):
    staff_side_sign(submitted.pk, user=staff_rep, decision=AGREED, staff_rating=2)
    return Response.objects.get(pk=submitted.pk)


def signing_fields(action, response) -> dict:
    """What a signing form carries besides its own fields: what the page showed."""
    if action == "submit":
        return response_seen(response)
    if action == "staff_sign":
        return staff_sign_seen(response)
    return {}


def action_url(action, response):
    return reverse(f"assessments:{action}", args=[response.pk])


def verify_url(signature):
    return reverse("assessments:verify", args=[signature.pk])


def standard_url(response):
    return reverse(
        "assessments:standard", args=[response.assessment_id, response.criterion.standard_id]
    )


def database(response):
    """Everything a joint recording action could change."""
    response = Response.objects.get(pk=response.pk)
    return {
        "state": response.state,
        "staff_rating": response.staff_rating,
        "version": response.version,
        "signatures": list(
            Signature.objects.filter(response=response).values_list("pk", "voided_at")
        ),
        "comments": Comment.objects.filter(response=response).count(),
        "history": ResponseChange.objects.filter(response=response).count(),
        "notifications": Notification.objects.count(),
    }


def page(client, response):
    answer = client.get(criterion_url(response))
    assert answer.status_code == 200
    return answer.content.decode()


def section(content, testid):
    """The HTML of the element carrying data-testid (up to its section's end)."""
    start = content.index(f'data-testid="{testid}"')
    return content[start : content.index("</section>", start)]


# --- Permissions: every action, every role, both organisations ------------------------------


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(("side", "role"), SIDES_AND_ROLES)
@pytest.mark.parametrize("own", [True, False], ids=["own", "other"])
def test_action_matrix(request, organisation, other_organisation, action, side, role, own):
    allowed, data, state = ACTIONS[action]
    response = request.getfixturevalue(state)
    user = member(organisation if own else other_organisation, side, role)
    before = database(response)
    answer = client_for(user).post(
        action_url(action, response), {**data, **signing_fields(action, response)}
    )
    after = database(response)
    if not own:
        assert answer.status_code == 404
    elif (side, role) in allowed:
        assert answer.status_code == 302
        assert answer.url.startswith(criterion_url(response))
        assert after != before
        return
    else:
        assert answer.status_code == 403
    assert after == before


def test_allowed_actions_do_what_they_say(organisation, rated, hr_lead, staff_rep):
    manager, staff = client_for(hr_lead), client_for(staff_rep)
    manager.post(action_url("submit", rated), response_seen(rated))
    assert Response.objects.get(pk=rated.pk).state == Response.State.SUBMITTED
    staff.post(action_url("staff_rating", rated), {"rating-staff_rating": "3"})
    assert Response.objects.get(pk=rated.pk).staff_rating == 3
    staff.post(
        action_url("staff_sign", rated),
        {
            "sign-decision": RESERVATIONS,
            "sign-comment": "Night staff\nnot covered",
            **staff_sign_seen(rated),
        },
    )
    response = Response.objects.get(pk=rated.pk)
    assert response.state == Response.State.AGREED_WITH_RESERVATIONS
    assert response.staff_rating == 3  # unchanged: the form was prefilled, nothing new chosen
    signature = response.signatures.get(side=Membership.Side.STAFF_SIDE)
    assert (signature.signer, signature.comment) == (staff_rep, "Night staff\nnot covered")
    staff.post(action_url("comment", rated), {"comment-body": "  Thanks  "})
    comment = Comment.objects.get(response=rated)
    assert (comment.author, comment.side, comment.body) == (staff_rep, "staff_side", "Thanks")


@pytest.mark.parametrize(("side", "role"), SIDES_AND_ROLES)
@pytest.mark.parametrize("own", [True, False], ids=["own", "other"])
def test_read_matrix(organisation, other_organisation, submitted, side, role, own):
    user = member(organisation if own else other_organisation, side, role)
    client = client_for(user)
    answer = client.get(criterion_url(submitted))
    signature = submitted.signatures.get()
    verified = client.get(verify_url(signature))
    if not own:
        assert answer.status_code == 404
        assert verified.status_code == 404
        return
    assert answer.status_code == 200
    content = answer.content.decode()
    panel = section(content, "joint-panel")
    assert "Submitted for staff-side review" in panel
    assert verify_url(signature) in panel
    # What a submitted criterion offers each person.
    assert ('data-testid="sign-form"' in content) == ((side, role) in STAFF_EDITORS)
    assert ('data-testid="rating-form"' in content) == ((side, role) in STAFF_EDITORS)
    assert ('data-testid="comment-form"' in content) == ((side, role) in EDITORS)
    assert ('data-testid="void-warning"' in content) == ((side, role) in MANAGEMENT_EDITORS)
    assert 'data-testid="submit-form"' not in content  # already submitted
    assert verified.status_code == 200
    assert "Verified: the signed content is unchanged" in verified.content.decode()


@pytest.mark.smoke
def test_viewers_read_everything_and_can_act_on_nothing(
    organisation, agreed, hr_lead, staff_rep, viewer_client
):
    add_comment(agreed.pk, user=staff_rep, body="Agreed at the JNCC")
    staff_viewer = member(organisation, Membership.Side.STAFF_SIDE, Membership.Role.VIEWER)
    for client in (viewer_client, client_for(staff_viewer)):
        content = page(client, agreed)
        assert "Agreed at the JNCC" in content
        assert content.count('data-testid="signature"') == 2
        for form in FORMS:
            assert f'data-testid="{form}"' not in content
        assert 'action="/responses/' not in content


def test_management_editor_sees_submit_only_when_ready(hr_lead_client, assessment, rated):
    assert 'data-testid="submit-form"' in page(hr_lead_client, rated)
    unrated = responses_of(assessment)["S1.2"]
    content = page(hr_lead_client, unrated)
    assert 'data-testid="submit-form"' not in content
    assert "Rate this criterion, or mark it not applicable, before submitting it" in content


def test_not_applicable_criterion_can_be_submitted(hr_lead_client, hr_lead, assessment):
    response = responses_of(assessment)["S2.1"]
    save_response(
        response.pk,
        data={"not_applicable": True, "not_applicable_reason": "No such staff"},
        expected_version=1,
        user=hr_lead,
    )
    assert 'data-testid="submit-form"' in page(hr_lead_client, response)
    assert (
        hr_lead_client.post(action_url("submit", response), response_seen(response)).status_code
        == 302
    )
    assert Response.objects.get(pk=response.pk).state == Response.State.SUBMITTED


# --- Bad ids, anonymous people and wrong methods ---------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_bad_ids_get_404(hr_lead, staff_rep, assessment, action):
    for client in (client_for(hr_lead), client_for(staff_rep)):
        answer = client.post(f"/responses/{MISSING}/{action_path(action)}/", ACTIONS[action][1])
        assert answer.status_code == 404
        assert client.post(f"/responses/not-a-uuid/{action_path(action)}/").status_code == 404


def action_path(action):
    return {
        "submit": "submit",
        "staff_sign": "staff-sign",
        "staff_rating": "staff-rating",
        "comment": "comments",
    }[action]


def test_action_paths_match_the_urls(submitted):
    for action in ACTIONS:
        assert action_url(action, submitted).endswith(f"/{action_path(action)}/")


def test_verify_bad_id_is_404(hr_lead_client, assessment):
    assert hr_lead_client.get(f"/signatures/{MISSING}/verify/").status_code == 404
    assert hr_lead_client.get("/signatures/nope/verify/").status_code == 404


@pytest.mark.parametrize("action", ACTIONS)
def test_anonymous_is_sent_to_sign_in(client, submitted, action):
    before = database(submitted)
    answer = client.post(action_url(action, submitted), ACTIONS[action][1])
    assert answer.status_code == 302
    assert answer.url.startswith(reverse("login"))
    assert database(submitted) == before


def test_anonymous_verify_is_sent_to_sign_in(client, submitted):
    answer = client.get(verify_url(submitted.signatures.get()))
    assert answer.status_code == 302
    assert answer.url.startswith(reverse("login"))


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_are_post_only(hr_lead, staff_rep, submitted, action):
    for client in (client_for(hr_lead), client_for(staff_rep)):
        assert client.get(action_url(action, submitted)).status_code == 405


def test_verify_is_get_only(hr_lead_client, submitted):
    assert hr_lead_client.post(verify_url(submitted.signatures.get())).status_code == 405


# --- A signed-off assessment -----------------------------------------------------------------


@pytest.fixture
def locked(organisation, submitted):
    Assessment.objects.filter(pk=submitted.assessment_id).update(
        status=Assessment.Status.SIGNED_OFF
    )
    return submitted


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(("side", "role"), sorted(EDITORS))
def test_locked_assessment_refuses_every_action(organisation, locked, action, side, role):
    before = database(locked)
    answer = client_for(member(organisation, side, role)).post(
        action_url(action, locked), ACTIONS[action][1]
    )
    assert answer.status_code == 403
    assert database(locked) == before


@pytest.mark.parametrize(("side", "role"), sorted(EDITORS))
def test_locked_assessment_shows_no_action_forms(organisation, locked, side, role):
    content = page(client_for(member(organisation, side, role)), locked)
    assert 'data-testid="joint-panel"' in content
    for form in (*FORMS, "void-warning"):
        assert f'data-testid="{form}"' not in content
    assert "Verify" in content  # reading and verifying still work


def test_locked_assessment_can_still_be_verified(hr_lead_client, locked):
    answer = hr_lead_client.get(verify_url(locked.signatures.get()))
    assert answer.status_code == 200
    assert "Verified" in answer.content.decode()


# --- Refusals from the workflow: a clear message, nothing changed ----------------------------


def test_submitting_an_unrated_criterion_is_refused(hr_lead_client, assessment):
    unrated = responses_of(assessment)["S1.2"]
    before = database(unrated)
    answer = hr_lead_client.post(action_url("submit", unrated), response_seen(unrated))
    content = answer.content.decode()
    assert answer.status_code == 400
    assert "<title>Error: " in content
    assert "There is a problem" in content
    assert "Rate this criterion, or mark it not applicable, before submitting it" in content
    assert criterion_url(unrated) in content
    assert database(unrated) == before


def test_submitting_twice_is_refused(hr_lead_client, submitted):
    before = database(submitted)
    answer = hr_lead_client.post(action_url("submit", submitted), response_seen(submitted))
    assert answer.status_code == 400
    assert "already been submitted" in answer.content.decode()
    assert database(submitted) == before


def test_staff_side_cannot_sign_a_draft(staff_rep_client, rated):
    before = database(rated)
    answer = staff_rep_client.post(
        action_url("staff_sign", rated), {"sign-decision": AGREED, **staff_sign_seen(rated)}
    )
    assert answer.status_code == 400
    assert "Only a criterion submitted for staff-side review" in answer.content.decode()
    assert database(rated) == before


@pytest.mark.parametrize("decision", [RESERVATIONS, DISAGREED])
def test_reservations_without_a_comment_is_a_field_error(staff_rep_client, submitted, decision):
    before = database(submitted)
    answer = staff_rep_client.post(
        action_url("staff_sign", submitted),
        {"sign-decision": decision, "sign-comment": "   ", **staff_sign_seen(submitted)},
    )
    content = answer.content.decode()
    assert answer.status_code == 400
    assert "<title>Error: " in content
    assert '<a href="#id_sign-comment">Explain the staff side' in content
    assert 'id="id_sign-comment-error"' in content
    assert 'action="' + action_url("staff_sign", submitted) + '"' in content
    assert "Policy agreed" in content  # what is being signed is on the page
    assert database(submitted) == before


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("staff_sign", {}, "Select whether the staff side agrees"),
        ("staff_sign", {"sign-decision": "maybe"}, "Select whether the staff side agrees"),
        (
            "staff_sign",
            {"sign-decision": AGREED, "sign-staff_rating": "9"},
            "Select a rating from the scale",
        ),
        (
            "staff_sign",
            {"sign-decision": DISAGREED, "sign-comment": "x" * 5001},
            "Comment must be 5,000 characters or fewer",
        ),
        ("staff_rating", {}, "Select the staff side&#x27;s rating"),
        ("staff_rating", {"rating-staff_rating": "x"}, "Select a rating from the scale"),
        ("comment", {"comment-body": " \n "}, "Enter a comment"),
        ("comment", {"comment-body": "x" * 5001}, "Comment must be 5,000 characters or fewer"),
        ("comment", {"comment-body": "a\x00b"}, "Remove the null characters from the text"),
    ],
)
def test_invalid_forms_are_shown_again_with_the_error(
    staff_rep_client, submitted, action, data, message
):
    before = database(submitted)
    answer = staff_rep_client.post(action_url(action, submitted), data)
    content = answer.content.decode()
    assert answer.status_code == 400
    assert "<title>Error: " in content
    assert message in content
    assert "maxlength" not in content
    assert database(submitted) == before


def test_someone_on_both_sides_cannot_sign_what_they_submitted(organisation, rated, hr_lead):
    MembershipFactory(
        user=hr_lead,
        organisation=organisation,
        side=Membership.Side.STAFF_SIDE,
        role=Membership.Role.LEAD,
    )
    client = client_for(hr_lead)
    assert client.post(action_url("submit", rated), response_seen(rated)).status_code == 302
    content = page(client, rated)
    assert 'data-testid="sign-form"' not in content
    assert "You submitted this criterion for the management side" in content
    before = database(rated)
    answer = client.post(
        action_url("staff_sign", rated),
        {"sign-decision": AGREED, "sign-staff_rating": "2", **staff_sign_seen(rated)},
    )
    assert answer.status_code == 400
    assert (
        "You submitted this criterion for management, so you cannot also sign it for the staff side"
        in answer.content.decode()
    )
    assert database(rated) == before
    assert Response.objects.get(pk=rated.pk).state == Response.State.SUBMITTED


def test_a_changed_answer_must_be_submitted_again(staff_rep_client, submitted, hr_lead):
    # The staff side's page was opened before management changed the answer.
    seen = staff_sign_seen(submitted)
    save_response(
        submitted.pk,
        data={"rating": 3, "narrative": "Changed"},
        expected_version=submitted.version,
        user=hr_lead,
    )
    before = database(submitted)
    answer = staff_rep_client.post(
        action_url("staff_sign", submitted), {"sign-decision": AGREED, **seen}
    )
    assert answer.status_code == 409
    content = answer.content.decode()
    assert "This changed since you opened it" in content
    # What changed since the version the staff side saw, from the history.
    what_changed, says_now = content.split('data-testid="what-changed"')[1].split(
        'data-testid="what-it-says-now"'
    )
    assert "Policy agreed" in what_changed and "Changed" in what_changed
    assert "Changed" in says_now and "Policy agreed" not in says_now
    assert database(submitted) == before
    # Signed again on the current version, the same signature is accepted... once resubmitted.
    answer = staff_rep_client.post(
        action_url("staff_sign", submitted),
        {"sign-decision": AGREED, **staff_sign_seen(submitted)},
    )
    assert answer.status_code == 400
    assert "Only a criterion submitted for staff-side review" in answer.content.decode()


def test_a_signing_form_without_what_was_seen_is_refused(hr_lead_client, rated):
    before = database(rated)
    answer = hr_lead_client.post(action_url("submit", rated))
    assert answer.status_code == 400
    assert "This page is out of date" in answer.content.decode()
    assert database(rated) == before


def hidden_value(content, name):
    return re.search(rf'name="{name}"[^>]*value="([^"]*)"', content)[1]


# --- What the pages show ---------------------------------------------------------------------


@pytest.mark.smoke
def test_submit_and_sign_through_the_pages(rated, hr_lead, staff_rep):
    hr_lead_client, staff_rep_client = client_for(hr_lead), client_for(staff_rep)
    submit_form = section(page(hr_lead_client, rated), "submit-form")
    answer = hr_lead_client.post(
        action_url("submit", rated),
        {name: hidden_value(submit_form, name) for name in ("seen", "version")},
    )
    assert answer.url == criterion_url(rated)
    content = hr_lead_client.get(answer.url).content.decode()
    assert "S1.1 submitted for staff-side review" in content
    assert 'data-testid="void-warning"' in content

    content = page(staff_rep_client, rated)
    sign_form = content.split('data-testid="sign-form"')[1].split("</form>")[0]
    for text in ("Agree", "Agree with reservations", "Disagree", "required if you have"):
        assert text.lower() in sign_form.lower(), text
    answer = staff_rep_client.post(
        action_url("staff_sign", rated),
        {
            "sign-decision": AGREED,
            "sign-staff_rating": "2",
            **{f"sign-{n}": hidden_value(sign_form, f"sign-{n}") for n in ("seen", "version")},
        },
    )
    content = staff_rep_client.get(answer.url).content.decode()
    assert "Signed S1.1 for the staff side: agreed" in content
    panel = section(content, "joint-panel")
    assert 'nhsuk-tag--green">Agreed<' in panel
    assert panel.count('data-testid="signature"') == 2
    assert hr_lead.get_full_name() in panel
    assert 'data-testid="sign-form"' not in content


def test_signatures_show_decision_comment_and_verify_links(organisation, submitted, staff_rep):
    signature = staff_side_sign(
        submitted.pk, user=staff_rep, decision=DISAGREED, comment="Line one\nLine <b>two</b>"
    )
    content = page(client_for(staff_rep), submitted)
    panel = section(content, "joint-panel")
    assert "Disagreed" in panel
    assert "Line one<br>Line &lt;b&gt;two&lt;/b&gt;" in panel
    assert staff_rep.get_full_name() in panel
    assert verify_url(signature) in panel
    assert 'nhsuk-tag--red">Disagreed<' in panel


def test_void_signatures_are_folded_away_with_their_reason(hr_lead_client, agreed, hr_lead):
    save_response(
        agreed.pk,
        data={"rating": 2, "narrative": "Now covers bank staff"},
        expected_version=agreed.version,
        user=hr_lead,
    )
    content = page(hr_lead_client, agreed)
    panel = section(content, "joint-panel")
    assert "Nobody has signed this criterion yet" in panel
    void = panel.split('data-testid="void-signatures"')[1].split("</details>")[0]
    assert "Earlier signatures (void)" in void
    assert void.count("The answer was changed") == 2
    assert 'nhsuk-tag--grey">Draft<' in panel
    assert 'data-testid="submit-form"' in content
    assert 'data-testid="void-warning"' not in content


def test_ratings_that_differ_are_flagged(hr_lead_client, submitted, staff_rep, assessment):
    content = page(hr_lead_client, submitted)
    assert 'data-testid="ratings-differ"' not in content
    record_staff_rating(submitted.pk, rating=3, user=staff_rep)
    content = page(hr_lead_client, submitted)
    panel = section(content, "joint-panel")
    ratings = panel.split('data-testid="ratings"')[1].split("</table>")[0]
    assert re.search(r"management-rating.*In place<.*staff-rating.*In place for all", ratings, re.S)
    assert "The two sides rate this differently" in panel

    standard = hr_lead_client.get(standard_url(submitted)).content.decode()
    rows = re.findall(r'data-testid="criterion-row">(.*?)</tr>', standard, re.S)
    assert "S1.1" in rows[0] and "S1.2" in rows[1]
    assert "The two sides rate this differently" in rows[0]
    assert 'nhsuk-tag--green">In place for all staff groups' in rows[0]
    assert 'nhsuk-tag--blue">Submitted for staff-side review' in rows[0]
    assert "The two sides rate this differently" not in rows[1]
    assert 'nhsuk-tag--grey">Draft' in rows[1]

    record_staff_rating(submitted.pk, rating=2, user=staff_rep)
    assert 'data-testid="ratings-differ"' not in page(hr_lead_client, submitted)


def test_standard_page_shows_each_joint_state(hr_lead_client, assessment, hr_lead, staff_rep):
    r = responses_of(assessment)
    for ref, decision in (("S1.1", AGREED), ("S1.2", RESERVATIONS)):
        save_response(r[ref].pk, data={"rating": 2}, expected_version=1, user=hr_lead)
        submit_response(r[ref].pk, user=hr_lead)
        staff_side_sign(r[ref].pk, user=staff_rep, decision=decision, comment="Some doubt")
    content = hr_lead_client.get(standard_url(r["S1.1"])).content.decode()
    states = re.findall(r'data-testid="joint-state">\s*<strong class="([^"]+)">([^<]+)<', content)
    assert states == [
        ("nhsuk-tag nhsuk-tag--green", "Agreed"),
        ("nhsuk-tag nhsuk-tag--yellow", "Agreed with reservations"),
    ]


def test_staff_rating_form_is_prefilled_and_warns_once_signed(staff_rep_client, agreed):
    content = page(staff_rep_client, agreed)
    form = content.split('data-testid="rating-form"')[1].split("</form>")[0]
    assert re.search(r'value="2"\s+checked', form)
    assert "voids the staff side&#x27;s signature" in content
    staff_rep_client.post(action_url("staff_rating", agreed), {"rating-staff_rating": "3"})
    response = Response.objects.get(pk=agreed.pk)
    assert (response.staff_rating, response.state) == (3, Response.State.SUBMITTED)
    assert response.signatures.filter(voided_at__isnull=True).get().side == "management"


def test_comments_thread(organisation, submitted, hr_lead, staff_rep):
    client = client_for(staff_rep)
    answer = client.post(
        action_url("comment", submitted),
        {"comment-body": "<script>alert(1)</script>\nSecond line"},
    )
    assert answer.status_code == 302
    assert answer.url == criterion_url(submitted) + "#comments"
    add_comment(submitted.pk, user=hr_lead, body="We will check")
    content = page(client, submitted)
    thread = section(content, "comments")
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>Second line" in thread
    entries = thread.split('data-testid="comment"')[1:]
    assert len(entries) == 2
    assert staff_rep.get_full_name() in entries[0]
    assert 'nhsuk-tag--purple">Staff side<' in entries[0]
    assert 'nhsuk-tag--blue">Management<' in entries[1]
    assert "We will check" in entries[1]


def test_history_reads_in_plain_english(hr_lead_client, agreed, hr_lead, staff_rep):
    record_staff_rating(agreed.pk, rating=3, user=staff_rep)
    add_comment(agreed.pk, user=staff_rep, body="Rated higher: bank staff are covered")
    content = page(hr_lead_client, agreed)
    history = content.split('<h2 class="nhsuk-heading-m">History</h2>')[1]
    for text in (
        "Staff side&#x27;s rating changed",
        "Signatures voided",
        "The staff side&#x27;s rating was changed",
        "Comment added",
        "Rated higher: bank staff are covered",
        "Signed",
        "Submitted for staff-side review",
        "Staff side: agreed",
    ):
        assert text in history, text
    assert re.search(r"No rating\s*<span aria-hidden=\"true\">→</span>", history)
    assert re.search(r"In place\s*<span aria-hidden=\"true\">→</span>.*In place for all", history)
    assert "None →" not in history


# --- Verifying a signature -------------------------------------------------------------------


@pytest.mark.smoke
def test_verify_untouched_then_tampered(hr_lead_client, submitted):
    signature = submitted.signatures.get()
    content = hr_lead_client.get(verify_url(signature)).content.decode()
    assert "Verified: the signed content is unchanged" in content
    assert "app-inset-text--success" in content
    assert signature.content_hash in content
    assert "Policy agreed" in content

    Response.objects.filter(pk=submitted.pk).update(narrative="Quietly rewritten")
    content = hr_lead_client.get(verify_url(signature)).content.decode()
    assert "Does not match: the content has changed since it was signed" in content
    assert "nhsuk-card--warning" in content
    assert "Verified" not in content
    assert "Policy agreed" in content  # what was signed, not what is there now


def test_verify_shows_files_links_and_both_ratings(
    hr_lead_client, rated, hr_lead, staff_rep, tmp_path, settings
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    add_evidence_file(
        rated.pk,
        stored_name="evidence/Z9A/a.pdf",
        original_name="policy.pdf",
        content_type="application/pdf",
        size=3,
        sha256="ab" * 32,
        user=hr_lead,
    )
    add_evidence_link(rated.pk, url="https://intranet.example/p", title="Intranet", user=hr_lead)
    submit_response(rated.pk, user=hr_lead)
    signature = staff_side_sign(rated.pk, user=staff_rep, decision=AGREED, staff_rating=3)
    content = hr_lead_client.get(verify_url(signature)).content.decode()
    snapshot = content.split('data-testid="snapshot"')[1].split("</dl>")[0]
    for text in (
        "policy.pdf",
        "ab" * 32,
        "Intranet",
        "https://intranet.example/p",
        "Management side&#x27;s rating",
        "Staff side&#x27;s rating",
        "In place for all staff groups",
        "Policy agreed",
    ):
        assert text in snapshot, text
    assert "Staff side" in content and "Agreed" in content


def test_verify_a_void_signature(hr_lead_client, submitted, hr_lead):
    signature = submitted.signatures.get()
    save_response(
        submitted.pk,
        data={"rating": 3, "narrative": "Changed"},
        expected_version=submitted.version,
        user=hr_lead,
    )
    content = hr_lead_client.get(verify_url(signature)).content.decode()
    assert "Void: the content has changed since it was signed" in content
    assert "The answer was changed" in content


def test_verify_an_altered_signature_record(hr_lead_client, submitted):
    signature = submitted.signatures.get()
    Signature.objects.filter(pk=signature.pk).update(content={**signature.content, "rating": 3})
    content = hr_lead_client.get(verify_url(signature)).content.decode()
    assert "The signature record has been altered" in content


# --- Query counts: fixed, however many signatures and comments -------------------------------


def _record(response, hr_lead, staff_rep, n):
    """n signatures (some void) and n comments on one response."""
    response = Response.objects.get(pk=response.pk)
    signatures = 0
    while signatures < n:
        submit_response(response.pk, user=hr_lead)
        signatures += 1
        if signatures < n:
            staff_side_sign(response.pk, user=staff_rep, decision=AGREED, staff_rating=2)
            signatures += 1
            response = Response.objects.get(pk=response.pk)
            save_response(
                response.pk,
                data={"rating": 2, "narrative": f"Round {signatures}"},
                expected_version=response.version,
                user=hr_lead,
            )
    for i in range(n):
        add_comment(response.pk, user=staff_rep if i % 2 else hr_lead, body=f"Comment {i}")
    assert Signature.objects.filter(response=response).count() == n


@pytest.mark.parametrize("reader", ["hr_lead", "staff_rep", "viewer"])
def test_query_counts_do_not_grow_with_signatures_and_comments(
    request, assessment, hr_lead, staff_rep, django_assert_num_queries, reader
):
    r = responses_of(assessment)
    for ref, n in (("S1.1", 1), ("S1.2", 5)):
        save_response(r[ref].pk, data={"rating": 2}, expected_version=1, user=hr_lead)
        _record(r[ref], hr_lead, staff_rep, n)
    client = client_for(request.getfixturevalue(reader))
    for ref, n in (("S1.1", 1), ("S1.2", 5)):
        # Each page as a fresh process sees it: rating levels are read once per process.
        framework_levels.cache_clear()
        with django_assert_num_queries(CRITERION_QUERIES):
            content = page(client, r[ref])
        assert content.count('data-testid="comment"') == n
        assert content.count("Verify<") == n
        framework_levels.cache_clear()
        with django_assert_num_queries(STANDARD_QUERIES):
            assert client.get(standard_url(r[ref])).status_code == 200
