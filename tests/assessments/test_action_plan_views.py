"""Joint action plan pages: the plan and its gaps, adding, changing and removing actions,
progress, signing, verifying, and the organisation's list of actions.

Every view is tested across role x side x own/other organisation: who may read gets 200,
who may act gets a redirect (or the form), a member without the right 403, another
organisation 404, and a refusal changes nothing in the database.
"""

import datetime
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from assessments.actions import DUE_SOON_DAYS, action_rag
from assessments.forms import ActionFilterForm, ActionForm, ActionUpdateForm
from assessments.models import (
    Action,
    ActionUpdate,
    Assessment,
    AssessmentEvent,
    Criterion,
    PlanSignature,
    Response,
    Signature,
)
from assessments.reports.presenters import BoardReport
from assessments.services import (
    post_action_update,
    save_action,
    save_response,
    sign_plan,
    staff_side_sign,
    start_assessment,
    start_next_cycle,
    submit_response,
)
from partnership.models import Membership, User
from tests.assessments.seen import plan_seen
from tests.assessments.test_checklist_views import (
    MANAGEMENT_EDITORS,
    MISSING,
    SIDES_AND_ROLES,
    build_framework,
    client_for,
    member,
    responses_of,
)
from tests.factories import MembershipFactory, StageFactory, UserFactory

pytestmark = pytest.mark.django_db

MANAGEMENT = Membership.Side.MANAGEMENT
STAFF_SIDE = Membership.Side.STAFF_SIDE
LEAD = Membership.Role.LEAD
CONTRIBUTOR = Membership.Role.CONTRIBUTOR
VIEWER = Membership.Role.VIEWER
STAFF_EDITORS = {(STAFF_SIDE, LEAD), (STAFF_SIDE, CONTRIBUTOR)}
EDITORS = MANAGEMENT_EDITORS | STAFF_EDITORS
LEADS = {(MANAGEMENT, LEAD), (STAFF_SIDE, LEAD)}
DUE = datetime.date(2027, 3, 31)
TODAY = datetime.date(2026, 6, 15)


# --- Data ---------------------------------------------------------------------------------------


@pytest.fixture
def framework():
    framework = build_framework()
    StageFactory(
        framework=framework,
        slug="practice",
        name="Practice",
        position=0,
        rule=[{"actions_for_gaps": True}],
    )
    return framework


@pytest.fixture
def assessment(organisation, framework, hr_lead):
    return start_assessment(
        organisation=organisation,
        framework=framework,
        period="2026/27",
        title="Our IWL",
        user=hr_lead,
    )


def rate(response, user, rating, barrier="funding", detail=""):
    save_response(
        response.pk,
        data={"rating": rating, "barrier": barrier if rating < 2 else "", "barrier_detail": detail},
        expected_version=Response.objects.get(pk=response.pk).version,
        user=user,
    )
    return Response.objects.get(pk=response.pk)


@pytest.fixture
def gaps(assessment, hr_lead):
    """S1.1 "Partly in place" and S1.2 "Not in place": the management side's gaps."""
    responses = responses_of(assessment)
    return {
        "S1.1": rate(responses["S1.1"], hr_lead, 1, detail="No budget this year"),
        "S1.2": rate(responses["S1.2"], hr_lead, 0, barrier="staffing"),
    }


@pytest.fixture
def action(assessment, gaps, hr_lead, staff_rep):
    return save_action(
        assessment.pk,
        user=hr_lead,
        description="Fund lone-worker devices",
        responses=[gaps["S1.1"]],
        management_owner=hr_lead,
        staff_owner=staff_rep,
        target_date=DUE,
    )


@pytest.fixture
def signed(action, assessment, hr_lead, staff_rep):
    sign_plan(assessment.pk, user=hr_lead, side=MANAGEMENT)
    sign_plan(assessment.pk, user=staff_rep, side=STAFF_SIDE)
    return action


def plan_url(assessment):
    return reverse("assessments:action_plan", args=[assessment.pk])


def add_url(assessment):
    return reverse("assessments:action_add", args=[assessment.pk])


def action_url(name, action):
    return reverse(f"assessments:{name}", args=[action.pk])


def action_form(responses, management_owner, staff_owner, *, description="Do it", due=DUE):
    return {
        "description": description,
        "responses": [str(r.pk) for r in responses],
        "management_owner": str(management_owner.pk),
        "staff_owner": str(staff_owner.pk),
        "target_date_day": str(due.day),
        "target_date_month": str(due.month),
        "target_date_year": str(due.year),
    }


def database(assessment):
    """Everything the action plan views could change."""
    return {
        "actions": sorted(
            Action.objects.filter(plan__assessment=assessment).values_list(
                "pk",
                "description",
                "status",
                "target_date",
                "management_owner",
                "staff_owner",
            )
        ),
        "criteria": sorted(
            Action.responses.through.objects.filter(
                action__plan__assessment=assessment
            ).values_list("action_id", "response_id")
        ),
        "updates": sorted(
            ActionUpdate.objects.filter(action__plan__assessment=assessment).values_list(
                "pk", "text", "status"
            )
        ),
        "signatures": sorted(
            PlanSignature.objects.filter(plan__assessment=assessment).values_list(
                "pk", "side", "voided_at"
            )
        ),
        "events": AssessmentEvent.objects.filter(assessment=assessment).count(),
    }


def content(answer):
    return answer.content.decode()


def row_html(html, testid):
    """The table row carrying data-testid, from its opening tag."""
    start = html.rindex("<tr", 0, html.index(f'data-testid="{testid}"'))
    return html[start : html.index("</tr>", start)]


# --- Permissions: every view, every role, both organisations --------------------------------


def read_urls(assessment, action, signature):
    return {
        "action_plan": plan_url(assessment),
        "action": action_url("action", action),
        "organisation_actions": reverse(
            "assessments:organisation_actions", args=[assessment.organisation_id]
        ),
        "action_plan_pdf": reverse("assessments:action_plan_pdf", args=[assessment.pk]),
        "action_plan_csv": reverse("assessments:action_plan_csv", args=[assessment.pk]),
        "action_plan_xlsx": reverse("assessments:action_plan_xlsx", args=[assessment.pk]),
        "plan_verify": reverse("assessments:plan_verify", args=[signature.pk]),
    }


READ_VIEWS = [
    "action_plan",
    "action",
    "organisation_actions",
    "action_plan_pdf",
    "action_plan_csv",
    "action_plan_xlsx",
    "plan_verify",
]
DOCUMENT_VIEWS = {"action_plan_pdf", "action_plan_xlsx"}


@pytest.mark.parametrize("view", READ_VIEWS)
@pytest.mark.parametrize(("side", "role"), SIDES_AND_ROLES)
@pytest.mark.parametrize("own", [True, False], ids=["own", "other"])
def test_read_matrix(
    organisation, other_organisation, assessment, signed, view, side, role, own, download
):
    signature = PlanSignature.objects.get(side=MANAGEMENT)
    url = read_urls(assessment, signed, signature)[view]
    client = client_for(member(organisation if own else other_organisation, side, role))
    # Documents are prepared on the task queue: ask, let a worker run, ask again.
    answer = download(client, url) if view in DOCUMENT_VIEWS else client.get(url)
    assert answer.status_code == (200 if own else 404)


# Who may take each change, the request it makes, and what it answers when allowed.
def change_requests(assessment, action, gaps, hr_lead, staff_rep, user_side):
    return {
        "add_form": ("get", add_url(assessment), None, EDITORS, 200),
        "add": (
            "post",
            add_url(assessment),
            action_form([gaps["S1.2"]], hr_lead, staff_rep, description="Recruit a second rep"),
            EDITORS,
            302,
        ),
        "edit_form": ("get", action_url("action_edit", action), None, EDITORS, 200),
        "edit": (
            "post",
            action_url("action_edit", action),
            action_form(gaps.values(), hr_lead, staff_rep, description="Fund devices for all"),
            EDITORS,
            302,
        ),
        "remove": ("post", action_url("action_remove", action), {}, EDITORS, 302),
        "update": (
            "post",
            action_url("action_update", action),
            {"update-text": "Quotes received", "update-status": "in_progress"},
            EDITORS,
            302,
        ),
        "sign": (
            "post",
            reverse("assessments:plan_sign", args=[assessment.pk]),
            {"side": user_side, **plan_seen(assessment)},
            LEADS,
            302,
        ),
    }


CHANGES = ["add_form", "add", "edit_form", "edit", "remove", "update", "sign"]


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize(("side", "role"), SIDES_AND_ROLES)
@pytest.mark.parametrize("own", [True, False], ids=["own", "other"])
def test_change_matrix(
    organisation,
    other_organisation,
    assessment,
    gaps,
    action,
    hr_lead,
    staff_rep,
    change,
    side,
    role,
    own,
):
    method, url, data, allowed, success = change_requests(
        assessment, action, gaps, hr_lead, staff_rep, side
    )[change]
    user = member(organisation if own else other_organisation, side, role)
    before = database(assessment)
    client = client_for(user)
    answer = client.get(url) if method == "get" else client.post(url, data)
    after = database(assessment)
    if not own:
        assert answer.status_code == 404
    elif (side, role) in allowed:
        assert answer.status_code == success, content(answer)
        if method == "post":
            assert after != before
            return
    else:
        assert answer.status_code == 403
    assert after == before


def test_each_allowed_change_does_what_it_says(assessment, gaps, action, hr_lead, staff_rep):
    manager, staff = client_for(hr_lead), client_for(staff_rep)
    answer = staff.post(
        add_url(assessment),
        action_form([gaps["S1.2"]], hr_lead, staff_rep, description="  Recruit a second rep  "),
    )
    assert answer.url == plan_url(assessment) + "#actions"
    added = Action.objects.get(description="Recruit a second rep")
    assert list(added.responses.all()) == [gaps["S1.2"]]
    assert (added.management_owner, added.staff_owner, added.target_date) == (
        hr_lead,
        staff_rep,
        DUE,
    )

    answer = manager.post(
        action_url("action_edit", action),
        action_form(gaps.values(), hr_lead, staff_rep, description="Fund devices for all"),
    )
    assert answer.url == action_url("action", action)
    action.refresh_from_db()
    assert action.description == "Fund devices for all"
    assert set(action.responses.all()) == set(gaps.values())

    answer = staff.post(
        action_url("action_update", action),
        {"update-text": "Quotes received", "update-status": "in_progress"},
    )
    assert answer.url == action_url("action", action) + "#progress"
    update = action.updates.get()
    assert (update.author, update.side, update.text, update.status) == (
        staff_rep,
        STAFF_SIDE,
        "Quotes received",
        "in_progress",
    )
    assert Action.objects.get(pk=action.pk).status == "in_progress"

    answer = manager.post(
        reverse("assessments:plan_sign", args=[assessment.pk]),
        {"side": "management", **plan_seen(assessment)},
    )
    assert answer.url == plan_url(assessment) + "#signatures"
    assert PlanSignature.objects.get().signer == hr_lead

    answer = manager.post(action_url("action_remove", added))
    assert answer.url == plan_url(assessment) + "#actions"
    assert not Action.objects.filter(pk=added.pk).exists()
    # Removing an action voided the signature, and the history says so.
    assert not PlanSignature.objects.filter(voided_at__isnull=True).exists()
    assert AssessmentEvent.objects.filter(kind="plan_signatures_voided").exists()


# --- Anonymous visitors, wrong methods and bad ids -------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(
    client, assessment, gaps, signed, hr_lead, staff_rep
):
    signature = PlanSignature.objects.get(side=MANAGEMENT)
    before = database(assessment)
    for url in read_urls(assessment, signed, signature).values():
        answer = client.get(url)
        assert answer.status_code == 302 and answer.url.startswith(reverse("login")), url
    for method, url, data, _allowed, _success in change_requests(
        assessment, signed, gaps, hr_lead, staff_rep, MANAGEMENT
    ).values():
        answer = client.get(url) if method == "get" else client.post(url, data)
        assert answer.status_code == 302 and answer.url.startswith(reverse("login")), url
    assert database(assessment) == before


@pytest.mark.parametrize(
    "url",
    [
        lambda a, action: action_url("action_remove", action),
        lambda a, action: action_url("action_update", action),
        lambda a, action: reverse("assessments:plan_sign", args=[a.pk]),
    ],
    ids=["remove", "update", "sign"],
)
def test_changes_without_a_form_page_are_post_only(hr_lead, staff_rep, assessment, action, url):
    for client in (client_for(hr_lead), client_for(staff_rep)):
        assert client.get(url(assessment, action)).status_code == 405


@pytest.mark.parametrize(
    "name", ["action_plan", "action", "action_plan_pdf", "action_plan_csv", "plan_verify"]
)
def test_reading_views_answer_only_get(hr_lead_client, assessment, signed, name):
    signature = PlanSignature.objects.get(side=MANAGEMENT)
    url = read_urls(assessment, signed, signature)[name]
    assert hr_lead_client.post(url).status_code == 405


@pytest.mark.parametrize(
    "url",
    [
        f"/assessments/{MISSING}/action-plan/",
        f"/assessments/{MISSING}/action-plan/actions/new/",
        f"/assessments/{MISSING}/action-plan.pdf",
        f"/assessments/{MISSING}/action-plan.csv",
        f"/assessments/{MISSING}/action-plan.xlsx",
        f"/actions/{MISSING}/",
        f"/actions/{MISSING}/edit/",
        f"/plan-signatures/{MISSING}/verify/",
        f"/organisations/{MISSING}/actions/",
        "/actions/not-a-uuid/",
        "/assessments/nope/action-plan/",
    ],
)
def test_bad_ids_get_404(hr_lead_client, assessment, url):
    assert hr_lead_client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        f"/actions/{MISSING}/remove/",
        f"/actions/{MISSING}/updates/",
        f"/actions/{MISSING}/edit/",
        f"/assessments/{MISSING}/action-plan/sign/",
        f"/assessments/{MISSING}/action-plan/actions/new/",
    ],
)
def test_bad_ids_on_changes_get_404(hr_lead_client, assessment, url):
    assert hr_lead_client.post(url, {"side": "management"}).status_code == 404


def test_another_organisations_action_is_404_for_every_change(
    outsider, assessment, gaps, action, hr_lead, staff_rep
):
    before = database(assessment)
    client = client_for(outsider)
    for method, url, data, _allowed, _success in change_requests(
        assessment, action, gaps, hr_lead, staff_rep, MANAGEMENT
    ).values():
        answer = client.get(url) if method == "get" else client.post(url, data)
        assert answer.status_code == 404, url
    assert database(assessment) == before


# --- After the joint sign-off the plan stays open ---------------------------------------------


def test_plans_can_change_after_the_assessment_is_signed_off(
    assessment, gaps, action, hr_lead, staff_rep
):
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SIGNED_OFF)
    staff = client_for(staff_rep)
    answer = staff.post(
        add_url(assessment), action_form([gaps["S1.2"]], hr_lead, staff_rep, description="Later")
    )
    assert answer.status_code == 302
    answer = staff.post(
        action_url("action_update", action),
        {"update-text": "Half done", "update-status": "in_progress"},
    )
    assert answer.status_code == 302
    answer = client_for(hr_lead).post(
        reverse("assessments:plan_sign", args=[assessment.pk]),
        {"side": "management", **plan_seen(assessment)},
    )
    assert answer.status_code == 302
    assert Action.objects.filter(plan__assessment=assessment).count() == 2


# --- Refusals: a clear message, nothing changed ------------------------------------------------


@pytest.mark.parametrize(
    ("who", "side", "message"),
    [
        ("hr_lead", "staff_side", "Only the staff side lead can sign the plan for that side"),
        ("staff_rep", "management", "Only the management lead can sign the plan for that side"),
        ("hr_lead", "both", "Select the side you are signing for"),
        ("hr_lead", "", "Select the side you are signing for"),
    ],
)
def test_signing_for_a_side_you_do_not_lead_is_refused(
    request, assessment, action, who, side, message
):
    client = client_for(request.getfixturevalue(who))
    before = database(assessment)
    answer = client.post(
        reverse("assessments:plan_sign", args=[assessment.pk]),
        {"side": side, **plan_seen(assessment)},
    )
    html = content(answer)
    assert answer.status_code == 400
    assert "<title>Error: " in html and "There is a problem" in html
    assert message in html and "Nothing was changed" in html
    assert database(assessment) == before


def test_an_empty_plan_cannot_be_signed(hr_lead_client, assessment, gaps):
    html = content(hr_lead_client.get(plan_url(assessment)))
    assert 'data-testid="sign-plan-management"' not in html
    assert "Add at least one action before the leads sign the plan" in html
    answer = hr_lead_client.post(
        reverse("assessments:plan_sign", args=[assessment.pk]),
        {"side": "management", **plan_seen(assessment)},
    )
    assert answer.status_code == 400
    assert "Add at least one action before signing the plan" in content(answer)
    assert not PlanSignature.objects.exists()


def test_signing_twice_is_refused(hr_lead_client, assessment, action, hr_lead):
    sign_plan(assessment.pk, user=hr_lead, side=MANAGEMENT)
    before = database(assessment)
    answer = hr_lead_client.post(
        reverse("assessments:plan_sign", args=[assessment.pk]),
        {"side": "management", **plan_seen(assessment)},
    )
    assert answer.status_code == 400
    assert "This side has already signed the plan" in content(answer)
    assert database(assessment) == before


def test_nobody_signs_for_both_sides(organisation, assessment, action, hr_lead):
    MembershipFactory(user=hr_lead, organisation=organisation, side=STAFF_SIDE, role=LEAD)
    client = client_for(hr_lead)
    html = content(client.get(plan_url(assessment)))
    # Someone who leads both sides is offered both, until they have signed one.
    assert 'data-testid="sign-plan-management"' in html
    assert 'data-testid="sign-plan-staff_side"' in html
    client.post(
        reverse("assessments:plan_sign", args=[assessment.pk]),
        {"side": "management", **plan_seen(assessment)},
    )
    html = content(client.get(plan_url(assessment)))
    assert 'data-testid="sign-plan-staff_side"' not in html
    before = database(assessment)
    answer = client.post(
        reverse("assessments:plan_sign", args=[assessment.pk]),
        {"side": "staff_side", **plan_seen(assessment)},
    )
    assert answer.status_code == 400
    assert "you cannot also sign for this one" in content(answer)
    assert database(assessment) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"description": "  "}, "Describe the action"),
        ({"description": "x" * 5001}, "The action must be 5,000 characters or fewer"),
        ({"description": "a\x00b"}, "Remove the null characters from the text"),
        ({"responses": []}, "Select at least one criterion the action addresses"),
        ({"responses": [MISSING]}, "Select criteria of this self-assessment"),
        ({"management_owner": ""}, "Select the management owner"),
        ({"staff_owner": MISSING}, "Select a staff-side lead or contributor of this organisation"),
        ({"target_date_year": ""}, "Target date must include a year"),
        ({"target_date_day": "31", "target_date_month": "2"}, "Target date must be a real date"),
        (
            {"target_date_day": "", "target_date_month": "", "target_date_year": ""},
            "Enter the target date",
        ),
        ({"target_date_year": "27"}, "Year must include 4 numbers"),
    ],
)
def test_invalid_action_forms_are_shown_again(
    hr_lead_client, assessment, gaps, hr_lead, staff_rep, change, message
):
    data = {**action_form([gaps["S1.1"]], hr_lead, staff_rep), **change}
    before = database(assessment)
    answer = hr_lead_client.post(add_url(assessment), data)
    html = content(answer)
    assert answer.status_code == 400
    assert "<title>Error: " in html and "There is a problem" in html
    assert message in html
    assert "maxlength" not in html
    assert database(assessment) == before


@pytest.mark.parametrize("who", ["viewer", "staff_rep", "outsider"])
def test_owners_must_be_editors_on_their_side(
    request, hr_lead_client, assessment, gaps, hr_lead, staff_rep, who
):
    person = request.getfixturevalue(who)
    before = database(assessment)
    answer = hr_lead_client.post(
        add_url(assessment), action_form([gaps["S1.1"]], person, staff_rep)
    )
    assert answer.status_code == 400
    assert "Select a management lead or contributor of this organisation" in content(answer)
    assert database(assessment) == before


def test_the_owner_lists_hold_each_sides_leads_and_contributors(
    organisation, hr_lead_client, assessment, hr_lead, contributor, staff_rep, viewer, outsider
):
    staff_contributor = member(organisation, STAFF_SIDE, CONTRIBUTOR)
    html = content(hr_lead_client.get(add_url(assessment)))
    management = html[
        html.index('name="management_owner"') : html.index(
            "</select>", html.index('name="management_owner"')
        )
    ]
    staff = html[
        html.index('name="staff_owner"') : html.index("</select>", html.index('name="staff_owner"'))
    ]
    assert str(hr_lead.pk) in management and str(contributor.pk) in management
    assert str(staff_rep.pk) not in management and str(viewer.pk) not in management
    assert str(staff_rep.pk) in staff and str(staff_contributor.pk) in staff
    assert str(hr_lead.pk) not in staff and str(outsider.pk) not in staff + management


def test_invalid_progress_is_shown_again(staff_rep_client, assessment, action):
    before = database(assessment)
    answer = staff_rep_client.post(
        action_url("action_update", action), {"update-text": " ", "update-status": "finished"}
    )
    html = content(answer)
    assert answer.status_code == 400
    assert "<title>Error: " in html
    assert "Describe the progress made" in html and "Select the action&#x27;s status" in html
    assert database(assessment) == before


# --- What the pages show -------------------------------------------------------------------


def test_the_criterion_link_preselects_the_gap(hr_lead_client, assessment, gaps):
    html = content(hr_lead_client.get(plan_url(assessment)))
    link = f"{add_url(assessment)}?criterion={gaps['S1.2'].pk}"
    assert link in html
    form = content(hr_lead_client.get(link))
    checked = re.findall(r'<input[^>]*type="checkbox"[^>]*value="([^"]+)"[^>]* checked', form)
    assert checked == [str(gaps["S1.2"].pk)]
    # Gaps come first, each saying whether it has an action yet.
    values = re.findall(r'type="checkbox" value="([^"]+)"', form)
    assert values[:2] == [str(gaps["S1.1"].pk), str(gaps["S1.2"].pk)]
    assert "Gap: rated “Partly in place”. No action yet." in form
    # Something that is not a criterion of this assessment preselects nothing.
    form = content(hr_lead_client.get(f"{add_url(assessment)}?criterion={MISSING}"))
    assert re.findall(r'<input[^>]*type="checkbox"[^>]*value="([^"]+)"[^>]* checked', form) == []


@pytest.mark.smoke
def test_the_gaps_list_flags_gaps_without_an_action_as_scoring_does(
    hr_lead_client, assessment, gaps, hr_lead, staff_rep
):
    # Every criterion settled: S1.1 and S1.2 below met and agreed, S2.1 disagreed, S2.2 met.
    responses = responses_of(assessment)
    rate(responses["S2.1"], hr_lead, 2)
    rate(responses["S2.2"], hr_lead, 3)
    for ref, response in responses.items():
        submit_response(response.pk, user=hr_lead)
        decision = Signature.Decision.DISAGREED if ref == "S2.1" else Signature.Decision.AGREED
        staff_side_sign(response.pk, user=staff_rep, decision=decision, comment="Not for nights")
    save_action(
        assessment.pk,
        user=hr_lead,
        description="Fund lone-worker devices",
        responses=[gaps["S1.1"]],
        management_owner=hr_lead,
        staff_owner=staff_rep,
        target_date=DUE,
    )

    html = content(hr_lead_client.get(plan_url(assessment)))
    flagged = re.findall(r'data-testid="gap-([^"]+)"', html)
    assert flagged == ["S1.1", "S1.2", "S2.1"]
    without = [ref for ref in flagged if 'data-testid="no-action"' in row_html(html, f"gap-{ref}")]
    scoring = BoardReport.build(Assessment.objects.get(pk=assessment.pk))
    assert without == list(scoring.gaps_without_action) == ["S1.2", "S2.1"]
    # The stage rule, in scoring's words.
    assert "Practice needs an action for every gap on the agreed ratings" in html
    message = "2 gaps have no action: S1.2, S2.1 (not agreed)"
    assert message in html
    assert scoring.explanation == [f"Practice not reached: {message}"]
    # The reason for each: the barrier, or the staff side's disagreement.
    assert "Funding" in row_html(html, "gap-S1.1") and "No budget this year" in row_html(
        html, "gap-S1.1"
    )
    assert "The staff side disagrees" in row_html(html, "gap-S2.1")
    assert "Not for nights" in row_html(html, "gap-S2.1")
    assert "Fund lone-worker devices" in row_html(html, "gap-S1.1")


def test_the_plan_page_lists_actions_with_owners_status_rag_and_latest_update(
    viewer_client, assessment, action, staff_rep, hr_lead
):
    post_action_update(action.pk, user=staff_rep, text="Quotes received", status="blocked")
    html = content(viewer_client.get(plan_url(assessment)))
    row = row_html(html, "action-row")
    for text in (
        "Fund lone-worker devices",
        "S1.1",
        escape(hr_lead.get_full_name()),
        escape(staff_rep.get_full_name()),
        "31 Mar 2027",
        "Blocked",
        "Quotes received",
    ):
        assert text in row, text
    assert 'nhsuk-tag--red" data-testid="rag">Blocked<' in row
    # Viewers read, and are offered nothing to change.
    assert add_url(assessment) not in html
    assert 'data-testid="sign-plan-' not in html
    assert "DRAFT: not yet signed by both leads" in html


def test_overdue_actions_are_highlighted(
    viewer_client, assessment, gaps, hr_lead, staff_rep, organisation
):
    save_action(
        assessment.pk,
        user=hr_lead,
        description="Long overdue",
        responses=[gaps["S1.2"]],
        management_owner=hr_lead,
        staff_owner=staff_rep,
        target_date=datetime.date(2020, 1, 31),
    )
    html = content(viewer_client.get(plan_url(assessment)))
    row = row_html(html, "action-row")
    assert "app-action--overdue" in row and ">Overdue<" in row
    assert "1 overdue" in html
    listed = content(
        viewer_client.get(reverse("assessments:organisation_actions", args=[organisation.pk]))
    )
    assert "app-action--overdue" in row_html(listed, "action-row")
    action = Action.objects.get(description="Long overdue")
    detail = content(viewer_client.get(action_url("action", action)))
    assert 'data-testid="overdue-warning"' in detail


def test_a_signed_plan_shows_its_signatures_and_warns_before_changes(
    assessment, signed, hr_lead, staff_rep, viewer
):
    hr_lead_client, viewer_client = client_for(hr_lead), client_for(viewer)
    html = content(viewer_client.get(plan_url(assessment)))
    signatures = html[html.index('data-testid="plan-signatures"') :]
    assert escape(hr_lead.get_full_name()) in signatures
    assert escape(staff_rep.get_full_name()) in signatures
    assert signatures.count("Verified: the action plan is unchanged since it was signed") == 2
    for signature in PlanSignature.objects.all():
        assert reverse("assessments:plan_verify", args=[signature.pk]) in html
    assert "Agreed: signed by both leads" in html
    assert 'data-testid="draft-watermark"' not in html
    for url in (
        add_url(assessment),
        action_url("action_edit", signed),
        action_url("action", signed),
    ):
        page = content(hr_lead_client.get(url))
        assert "Changing an action will void both signatures" in page, url
    assert "will void both signatures" not in html  # viewers change nothing

    # A change voids both; the void ones stay readable in a details element.
    hr_lead_client.post(
        action_url("action_edit", signed),
        action_form([signed.responses.get()], hr_lead, staff_rep, description="Changed"),
    )
    html = content(viewer_client.get(plan_url(assessment)))
    void = html[html.index('data-testid="void-plan-signatures"') :]
    assert void.count("An action was changed") == 2
    assert "DRAFT: not yet signed by both leads" in html
    assert html.count("Not signed yet") == 2


def test_verify_page_shows_what_was_signed(viewer_client, assessment, signed, hr_lead, staff_rep):
    signature = PlanSignature.objects.get(side=STAFF_SIDE)
    url = reverse("assessments:plan_verify", args=[signature.pk])
    html = content(viewer_client.get(url))
    assert "Verified: the action plan is unchanged since it was signed" in html
    assert signature.content_hash in html
    assert "Fund lone-worker devices" in html and "S1.1" in html
    assert hr_lead.email in html and staff_rep.email in html and "2027-03-31" in html
    save_action(
        assessment.pk,
        user=hr_lead,
        description="Changed",
        responses=[signed.responses.get()],
        management_owner=hr_lead,
        staff_owner=staff_rep,
        target_date=DUE,
        action=signed,
    )
    html = content(viewer_client.get(url))
    assert "Void: the action plan has changed since it was signed" in html


def test_the_action_page_shows_the_progress_log_and_form(action, hr_lead, staff_rep, viewer):
    staff_rep_client, viewer_client = client_for(staff_rep), client_for(viewer)
    post_action_update(action.pk, user=hr_lead, text="Bid written", status="in_progress")
    post_action_update(action.pk, user=staff_rep, text="Bid <b>supported</b>", status="in_progress")
    html = content(viewer_client.get(action_url("action", action)))
    log = html[html.index('data-testid="progress-log"') :]
    assert log.index("Bid written") < log.index("Bid &lt;b&gt;supported&lt;/b&gt;")
    assert "Management" in log and "Staff side" in log
    assert 'data-testid="update-form"' not in html
    html = content(staff_rep_client.get(action_url("action", action)))
    assert 'data-testid="update-form"' in html
    assert action_url("action_edit", action) in html


def test_carried_forward_actions_link_to_the_earlier_one(
    hr_lead_client, assessment, action, hr_lead, staff_rep, organisation
):
    post_action_update(action.pk, user=staff_rep, text="Started", status="in_progress")
    nxt = start_next_cycle(
        assessment, framework=assessment.framework, period="2027/28", title="Next", user=hr_lead
    )
    carried = nxt.action_plan.actions.get()
    earlier = action_url("action", action)
    html = content(hr_lead_client.get(plan_url(nxt)))
    cell = row_html(html, "action-row")
    assert "Carried forward from 2026/27" in cell and earlier in cell
    assert "Started" in cell  # its history came with it
    html = content(hr_lead_client.get(action_url("action", carried)))
    assert "Carried forward from 2026/27" in html and earlier in html
    html = content(hr_lead_client.get(earlier))
    assert 'data-testid="carried-to"' in html and action_url("action", carried) in html
    # Progress is posted on the later copy, which the earlier one points to.
    assert 'data-testid="followed-up-later"' in html and 'data-testid="update-form"' not in html
    html = content(hr_lead_client.get(plan_url(assessment)))
    assert "Carried forward to 2027/28" in row_html(html, "action-row")
    # The organisation's list shows it once: where it is followed up now.
    listed = content(
        hr_lead_client.get(reverse("assessments:organisation_actions", args=[organisation.pk]))
    )
    assert listed.count('data-testid="action-row"') == 1
    assert listed.count('data-testid="carried-from"') == 1
    assert action_url("action", carried) in listed


# --- RAG -------------------------------------------------------------------------------------


class TestRag:
    @staticmethod
    def rag(status, target):
        return action_rag(Action(status=status, target_date=target), TODAY)

    def test_done_is_green_even_when_late(self):
        rag = self.rag("done", TODAY - datetime.timedelta(days=100))
        assert (rag.rag, rag.text, rag.overdue) == ("green", "Done", False)

    def test_blocked_is_red(self):
        assert (self.rag("blocked", TODAY + datetime.timedelta(days=300)).rag) == "red"
        late = self.rag("blocked", TODAY - datetime.timedelta(days=1))
        assert (late.rag, late.text, late.overdue) == ("red", "Overdue", True)

    @pytest.mark.parametrize("status", ["not_started", "in_progress"])
    def test_open_and_past_its_date_is_overdue(self, status):
        rag = self.rag(status, TODAY - datetime.timedelta(days=1))
        assert (rag.rag, rag.text, rag.overdue) == ("red", "Overdue", True)
        assert rag.tag.css_class == "nhsuk-tag nhsuk-tag--red"

    @pytest.mark.parametrize("days", [0, 1, DUE_SOON_DAYS])
    def test_due_within_30_days_is_amber(self, days):
        rag = self.rag("in_progress", TODAY + datetime.timedelta(days=days))
        assert (rag.rag, rag.text, rag.overdue) == ("amber", "Due soon", False)
        assert rag.tag.css_class == "nhsuk-tag nhsuk-tag--orange"

    def test_later_is_green(self):
        rag = self.rag("not_started", TODAY + datetime.timedelta(days=DUE_SOON_DAYS + 1))
        assert (rag.rag, rag.text, rag.label) == ("green", "On track", "Green: On track")


# --- The organisation's actions ----------------------------------------------------------------


@pytest.fixture
def spread(organisation, assessment, gaps, hr_lead, staff_rep, contributor):
    """Actions across two assessments (two versions of the framework) with different owners,
    statuses and standards."""
    staff_contributor = member(organisation, STAFF_SIDE, CONTRIBUTOR)
    staff_contributor.full_name = "Casey Contributor"
    staff_contributor.save()
    newer = build_framework(slug=assessment.framework.slug, version="2")
    later = start_assessment(
        organisation=organisation, framework=newer, period="2027/28", title="Later", user=hr_lead
    )
    s2 = responses_of(later)["S2.1"]
    made = {}
    for name, target, responses, owners, status in (
        ("S1 overdue", datetime.date(2020, 5, 1), [gaps["S1.1"]], (hr_lead, staff_rep), None),
        ("S1 done", DUE, [gaps["S1.2"]], (contributor, staff_rep), "done"),
        ("S2 blocked", DUE, [s2], (hr_lead, staff_contributor), "blocked"),
        ("S2 new", DUE, [s2], (contributor, staff_contributor), None),
    ):
        made[name] = save_action(
            responses[0].assessment_id,
            user=hr_lead,
            description=name,
            responses=responses,
            management_owner=owners[0],
            staff_owner=owners[1],
            target_date=target,
        )
        if status:
            post_action_update(made[name].pk, user=hr_lead, text="x", status=status)
    return made, staff_contributor


def listed(client, organisation, **params):
    answer = client.get(reverse("assessments:organisation_actions", args=[organisation.pk]), params)
    return answer, re.findall(r'<a href="/actions/[^"]+/">([^<]+)</a>', content(answer))


@pytest.mark.smoke
def test_the_organisation_list_filters_by_owner_status_and_standard(
    viewer_client, organisation, spread, staff_rep, contributor
):
    _made, staff_contributor = spread
    answer, names = listed(viewer_client, organisation)
    assert answer.status_code == 200
    assert names == ["S1 overdue", "S1 done", "S2 blocked", "S2 new"]
    _, names = listed(viewer_client, organisation, owner=str(staff_rep.pk))
    assert names == ["S1 overdue", "S1 done"]
    _, names = listed(viewer_client, organisation, owner=str(contributor.pk))
    assert names == ["S1 done", "S2 new"]
    _, names = listed(
        viewer_client, organisation, owner=str(staff_contributor.pk), status="blocked"
    )
    assert names == ["S2 blocked"]
    _, names = listed(viewer_client, organisation, status="overdue")
    assert names == ["S1 overdue"]
    _, names = listed(viewer_client, organisation, status="open")
    assert names == ["S1 overdue", "S2 blocked", "S2 new"]
    # A standard is matched by its ref, across framework versions.
    _, names = listed(viewer_client, organisation, standard="S2")
    assert names == ["S2 blocked", "S2 new"]
    answer, names = listed(viewer_client, organisation, standard="S1", status="done")
    assert names == ["S1 done"]
    html = content(answer)
    assert "1 action matches the filters" in html and "Clear the filters" in html
    assert '<option value="done" selected>' in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"owner": MISSING}, "Select an owner from the list"),
        ({"status": "finished"}, "Select a status from the list"),
        ({"standard": "ZZ"}, "Select a standard from the list"),
    ],
)
def test_unknown_filters_are_a_clear_error(viewer_client, organisation, spread, params, message):
    answer, names = listed(viewer_client, organisation, **params)
    html = content(answer)
    assert answer.status_code == 400
    assert "<title>Error: " in html and message in html
    assert names == []


def test_the_organisation_list_shows_only_its_own_actions(
    organisation, other_organisation, outsider, spread, framework
):
    theirs = start_assessment(
        organisation=other_organisation,
        framework=framework,
        period="2026/27",
        title="T",
        user=outsider,
    )
    rep = member(other_organisation, STAFF_SIDE, LEAD)
    save_action(
        theirs.pk,
        user=outsider,
        description="Their action",
        responses=[theirs.responses.first()],
        management_owner=outsider,
        staff_owner=rep,
        target_date=DUE,
    )
    _, names = listed(client_for(outsider), other_organisation)
    assert names == ["Their action"]
    answer, _ = listed(client_for(outsider), organisation)
    assert answer.status_code == 404


# --- Queries do not grow with the actions -------------------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(url)
    assert answer.status_code == 200
    return len(queries)


def make_actions(assessment, n, hr_lead, staff_rep):
    responses = list(assessment.responses.order_by("criterion__ref"))
    for i in range(n):
        action = save_action(
            assessment.pk,
            user=hr_lead,
            description=f"Action {i}",
            responses=responses[: 1 + i % len(responses)],
            management_owner=hr_lead,
            staff_owner=staff_rep,
            target_date=DUE - datetime.timedelta(days=i * 40),
        )
        post_action_update(action.pk, user=staff_rep, text=f"Update {i}", status="in_progress")
    sign_plan(assessment.pk, user=hr_lead, side=MANAGEMENT)


# Measured. Session, user, the assessment (access), the membership, the header's organisation;
# the report data (levels, stages, criteria, responses, files, links, signatures, comments,
# sign-offs, criteria with actions); the plan (actions, their criteria, their updates, the
# copies carried forward, the plan's signatures, and the ledger's void entries of its active
# signatures, to verify them).
PLAN_QUERIES = 21
# Session, user, the organisation (access), the membership, the header's organisation; the
# owners, the standards, the actions and their criteria.
LIST_QUERIES = 9


@pytest.mark.smoke
@pytest.mark.parametrize(
    ("name", "expected"), [("action_plan", PLAN_QUERIES), ("organisation_actions", LIST_QUERIES)]
)
def test_queries_do_not_grow_with_the_actions(
    organisation, framework, hr_lead, staff_rep, hr_lead_client, name, expected
):
    counts = []
    for n in (1, 10):
        assessment = start_assessment(
            organisation=organisation,
            framework=framework,
            period="2026/27",
            title="Q",
            user=hr_lead,
        )
        make_actions(assessment, n, hr_lead, staff_rep)
        arg = assessment.pk if name == "action_plan" else organisation.pk
        counts.append(count_queries(hr_lead_client, reverse(f"assessments:{name}", args=[arg])))
        Assessment.objects.all().delete()
    assert counts == [expected, expected]


def test_the_action_page_reads_a_fixed_number_of_queries(
    hr_lead_client, assessment, hr_lead, staff_rep
):
    make_actions(assessment, 3, hr_lead, staff_rep)
    action = Action.objects.first()
    first = count_queries(hr_lead_client, action_url("action", action))
    for i in range(5):
        post_action_update(action.pk, user=hr_lead, text=f"More {i}", status="in_progress")
    assert count_queries(hr_lead_client, action_url("action", action)) == first


def test_users_with_no_name_are_listed_by_email(hr_lead_client, organisation, assessment):
    nameless = UserFactory(full_name="", email="no.name@z9a.example")
    MembershipFactory(user=nameless, organisation=organisation, side=STAFF_SIDE, role=CONTRIBUTOR)
    assert "no.name@z9a.example" in content(hr_lead_client.get(add_url(assessment)))


# --- Any input is either an action or a clear error ---------------------------------------------

CRITERIA = [
    (Response(id=uuid.uuid4(), criterion=Criterion(ref=f"A{i}", statement=f"S {i}")), "")
    for i in range(3)
]
PEOPLE = {
    MANAGEMENT: [User(id=uuid.uuid4(), full_name="Manager")],
    STAFF_SIDE: [User(id=uuid.uuid4(), full_name="Rep")],
}
pks = st.sampled_from([str(r.pk) for r, _ in CRITERIA]) | st.text(max_size=40)
people = st.sampled_from([str(p.pk) for side in PEOPLE.values() for p in side]) | st.text(
    max_size=40
)
date_part = st.text(alphabet="0123456789 -x", max_size=6)


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    description=st.text(max_size=5100),
    responses=st.lists(pks, max_size=4),
    management_owner=people,
    staff_owner=people,
    day=date_part,
    month=date_part,
    year=date_part,
)
def test_any_action_input_is_either_an_action_or_a_clear_error(
    description, responses, management_owner, staff_owner, day, month, year
):
    data = {
        "description": description,
        "management_owner": management_owner,
        "staff_owner": staff_owner,
        "target_date_day": day,
        "target_date_month": month,
        "target_date_year": year,
    }
    form = ActionForm(_MultiDict(data, responses=responses), criteria=CRITERIA, owners=PEOPLE)
    if form.is_valid():
        cleaned = form.cleaned_data
        assert cleaned["description"].strip() and isinstance(cleaned["target_date"], datetime.date)
        assert cleaned["management_owner"] is PEOPLE[MANAGEMENT][0]
        assert cleaned["staff_owner"] is PEOPLE[STAFF_SIDE][0]
        assert cleaned["responses"] and all(isinstance(r, Response) for r in cleaned["responses"])
    else:
        assert all(message for errors in form.errors.values() for message in errors)


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    text=st.text(max_size=5100), status=st.text(max_size=20) | st.sampled_from(Action.Status.values)
)
def test_any_progress_input_is_either_an_update_or_a_clear_error(text, status):
    form = ActionUpdateForm(
        {"update-text": text, "update-status": status},
        action=Action(status="not_started", target_date=DUE),
    )
    if form.is_valid():
        assert form.cleaned_data["status"] in Action.Status.values
    else:
        assert all(message for errors in form.errors.values() for message in errors)


@hypothesis_settings(max_examples=200, deadline=None)
@given(owner=people, status=st.text(max_size=20), standard=st.text(max_size=10))
def test_any_filter_is_either_applied_or_a_clear_error(owner, status, standard):
    form = ActionFilterForm(
        {"owner": owner, "status": status, "standard": standard},
        people=PEOPLE[MANAGEMENT] + PEOPLE[STAFF_SIDE],
        standards=[("S1", "Standard 1")],
    )
    if form.is_valid():
        assert form.cleaned_data["owner"] is None or isinstance(form.cleaned_data["owner"], User)
    else:
        assert all(message for errors in form.errors.values() for message in errors)


class _MultiDict(dict):
    """Form data with a list for the checkboxes, as a QueryDict gives it."""

    def __init__(self, data, *, responses):
        super().__init__(data)
        self.responses = responses

    def getlist(self, key, default=None):
        if key == "responses":
            return self.responses
        return [self[key]] if key in self else (default or [])
