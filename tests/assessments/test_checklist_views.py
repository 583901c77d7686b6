"""The checklist pages: start, overview, filters, standard and criterion pages, and saving."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, Response, ResponseChange
from assessments.services import save_response, start_assessment
from partnership.models import Membership
from tests.factories import (
    CriterionFactory,
    FrameworkFactory,
    MembershipFactory,
    OrganisationFactory,
    RatingLevelFactory,
    StandardFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SIDES_AND_ROLES = [
    (Membership.Side.MANAGEMENT, Membership.Role.LEAD),
    (Membership.Side.MANAGEMENT, Membership.Role.CONTRIBUTOR),
    (Membership.Side.MANAGEMENT, Membership.Role.VIEWER),
    (Membership.Side.STAFF_SIDE, Membership.Role.LEAD),
    (Membership.Side.STAFF_SIDE, Membership.Role.CONTRIBUTOR),
    (Membership.Side.STAFF_SIDE, Membership.Role.VIEWER),
]
MANAGEMENT_EDITORS = {
    (Membership.Side.MANAGEMENT, Membership.Role.LEAD),
    (Membership.Side.MANAGEMENT, Membership.Role.CONTRIBUTOR),
}
MISSING = "00000000-0000-0000-0000-000000000000"


def build_framework(*, standards=2, criteria_per_standard=2, countries=("england",), **kwargs):
    """A framework scored 0-3, met at 2, with guidance, examples and references."""
    framework = FrameworkFactory(
        title=kwargs.pop("title", "Improving Working Lives Standard"),
        countries=list(countries),
        met_value=2,
        **kwargs,
    )
    for value, label, rag in (
        (0, "Not in place", "red"),
        (1, "Partly in place", "amber"),
        (2, "In place", "green"),
        (3, "In place for all staff groups", "green"),
    ):
        RatingLevelFactory(
            framework=framework, value=value, label=label, rag=rag, description=f"{label} hint"
        )
    for s in range(standards):
        standard = StandardFactory(
            framework=framework, ref=f"S{s + 1}", title=f"Standard {s + 1}", position=s
        )
        for c in range(criteria_per_standard):
            CriterionFactory(
                standard=standard,
                ref=f"S{s + 1}.{c + 1}",
                statement=f"Statement of S{s + 1}.{c + 1}",
                guidance=f"Guidance for S{s + 1}.{c + 1}",
                examples=[f"Example for S{s + 1}.{c + 1}"],
                references=[f"Reference for S{s + 1}.{c + 1}"],
                position=c,
            )
    return framework


def member(organisation, side=Membership.Side.MANAGEMENT, role=Membership.Role.LEAD):
    user = UserFactory()
    MembershipFactory(user=user, organisation=organisation, side=side, role=role)
    return user


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def responses_of(assessment):
    return {r.criterion.ref: r for r in assessment.responses.select_related("criterion")}


def form_data(response, **values):
    data = {
        "rating": "",
        "not_applicable_reason": "",
        "narrative": "",
        "barrier": "",
        "barrier_detail": "",
        "version": response.version,
    }
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


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
def other_assessment(other_organisation, framework, outsider):
    return start_assessment(
        organisation=other_organisation,
        framework=framework,
        period="2026/27",
        title="Their IWL",
        user=outsider,
    )


@pytest.fixture
def response(assessment):
    return responses_of(assessment)["S1.1"]


def criterion_url(response):
    return reverse("assessments:criterion", args=[response.assessment_id, response.pk])


def overview_url(assessment):
    return reverse("assessments:assessment", args=[assessment.pk])


def page_urls(assessment):
    first = responses_of(assessment)["S1.1"]
    standard = first.criterion.standard
    return {
        "overview": overview_url(assessment),
        "criteria": reverse("assessments:criteria", args=[assessment.pk]) + "?show=not_reviewed",
        "standard": reverse("assessments:standard", args=[assessment.pk, standard.pk]),
        "criterion": criterion_url(first),
    }


PAGES = ["overview", "criteria", "standard", "criterion"]


# --- Permissions, for every page -------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("side", "role"), SIDES_AND_ROLES)
@pytest.mark.parametrize("own", [True, False], ids=["own", "other"])
def test_read_matrix(organisation, other_organisation, assessment, page, side, role, own):
    user = member(organisation if own else other_organisation, side, role)
    answer = client_for(user).get(page_urls(assessment)[page])
    assert answer.status_code == (200 if own else 404)


@pytest.mark.parametrize(("side", "role"), SIDES_AND_ROLES)
@pytest.mark.parametrize("own", [True, False], ids=["own", "other"])
def test_save_matrix(organisation, other_organisation, response, side, role, own):
    user = member(organisation if own else other_organisation, side, role)
    answer = client_for(user).post(criterion_url(response), form_data(response, narrative="Hi"))
    response.refresh_from_db()
    if not own:
        assert answer.status_code == 404
    elif (side, role) in MANAGEMENT_EDITORS:
        assert answer.status_code == 302
        assert response.narrative == "Hi"
        return
    else:
        assert answer.status_code == 403
    assert response.narrative == ""
    assert response.version == 1


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_sign_in(client, assessment, page):
    answer = client.get(page_urls(assessment)[page])
    assert answer.status_code == 302
    assert answer.url.startswith(reverse("login"))


def test_anonymous_save_is_sent_to_sign_in(client, response):
    answer = client.post(criterion_url(response), form_data(response, narrative="x"))
    assert answer.status_code == 302
    assert answer.url.startswith(reverse("login"))
    response.refresh_from_db()
    assert response.version == 1


@pytest.mark.parametrize(
    "url",
    [
        f"/assessments/{MISSING}/",
        f"/assessments/{MISSING}/criteria/?show=not_reviewed",
        f"/assessments/{MISSING}/standards/{MISSING}/",
        f"/assessments/{MISSING}/responses/{MISSING}/",
    ],
)
def test_bad_ids_get_404(hr_lead_client, assessment, url):
    assert hr_lead_client.get(url).status_code == 404


def test_unknown_standard_and_response_in_own_assessment_get_404(hr_lead_client, assessment):
    assert (
        hr_lead_client.get(f"/assessments/{assessment.pk}/standards/{MISSING}/").status_code == 404
    )
    assert (
        hr_lead_client.get(f"/assessments/{assessment.pk}/responses/{MISSING}/").status_code == 404
    )


def test_another_organisations_response_under_own_assessment_is_404(
    hr_lead_client, assessment, other_assessment
):
    theirs = responses_of(other_assessment)["S1.1"]
    url = reverse("assessments:criterion", args=[assessment.pk, theirs.pk])
    assert hr_lead_client.get(url).status_code == 404
    assert hr_lead_client.post(url, form_data(theirs, narrative="Mine now")).status_code == 404
    theirs.refresh_from_db()
    assert theirs.narrative == ""
    assert theirs.version == 1


def test_own_response_under_another_assessment_is_404(hr_lead_client, response, other_assessment):
    url = reverse("assessments:criterion", args=[other_assessment.pk, response.pk])
    assert hr_lead_client.get(url).status_code == 404


def test_standard_of_another_framework_is_404(hr_lead_client, assessment):
    elsewhere = StandardFactory()
    url = reverse("assessments:standard", args=[assessment.pk, elsewhere.pk])
    assert hr_lead_client.get(url).status_code == 404


# --- Starting an assessment ------------------------------------------------------------------


START = "/assessments/new/"


@pytest.mark.smoke
def test_start_assessment(hr_lead_client, organisation, framework):
    page = hr_lead_client.get(START)
    assert page.status_code == 200
    content = page.content.decode()
    assert organisation.name in content
    assert 'name="organisation"' not in content  # the only organisation: nothing to choose
    answer = hr_lead_client.post(START, {"framework": framework.pk, "period": "2026/27"})
    assessment = Assessment.objects.get(organisation=organisation)
    assert answer.status_code == 302
    assert answer.url == overview_url(assessment)
    assert assessment.title == "Improving Working Lives Standard 2026/27"
    assert assessment.responses.count() == 4
    assert "Self-assessment started" in hr_lead_client.get(answer.url).content.decode()


def test_start_assessment_with_a_title(hr_lead_client, organisation, framework):
    hr_lead_client.post(START, {"framework": framework.pk, "period": "2027/28", "title": "Ours"})
    assert Assessment.objects.get(organisation=organisation).title == "Ours"


def test_start_duplicate_is_a_form_error(hr_lead_client, assessment, framework):
    answer = hr_lead_client.post(START, {"framework": framework.pk, "period": "2026/27"})
    content = answer.content.decode()
    assert answer.status_code == 200
    assert "<title>Error: " in content
    assert "already has a Improving Working Lives Standard self-assessment for 2026/27" in content
    assert Assessment.objects.count() == 1


@pytest.mark.parametrize("period", ["2026", "2026/28", "26/27", "2026-27", "", "x" * 5000])
def test_start_invalid_period(hr_lead_client, framework, period):
    answer = hr_lead_client.post(START, {"framework": framework.pk, "period": period})
    content = answer.content.decode()
    assert answer.status_code == 200
    assert "<title>Error: " in content
    assert (
        "Enter the period as a financial year, like 2026/27" in content
        or "Enter the period, like 2026/27" in content
    )
    assert not Assessment.objects.exists()


def test_start_lists_only_frameworks_for_the_organisations_country(hr_lead_client, framework):
    scottish = build_framework(title="Scottish partnership scheme", countries=["scotland"])
    content = hr_lead_client.get(START).content.decode()
    assert framework.title in content
    assert scottish.title not in content
    answer = hr_lead_client.post(START, {"framework": scottish.pk, "period": "2026/27"})
    assert answer.status_code == 200
    assert "Select one of the frameworks listed" in answer.content.decode()
    assert not Assessment.objects.exists()


def test_start_chooses_among_several_organisations(
    hr_lead, hr_lead_client, organisation, framework
):
    second = OrganisationFactory(name="Westmoor Ambulance Service")
    MembershipFactory(user=hr_lead, organisation=second, role=Membership.Role.CONTRIBUTOR)
    read_only = OrganisationFactory(name="Read Only Trust")
    MembershipFactory(user=hr_lead, organisation=read_only, role=Membership.Role.VIEWER)
    content = hr_lead_client.get(START).content.decode()
    assert "Westmoor Ambulance Service" in content
    assert "Read Only Trust" not in content
    answer = hr_lead_client.post(
        START, {"organisation": read_only.pk, "framework": framework.pk, "period": "2026/27"}
    )
    assert answer.status_code == 200
    assert "Select one of your organisations" in answer.content.decode()
    answer = hr_lead_client.post(START, {"framework": framework.pk, "period": "2026/27"})
    assert "Select the organisation" in answer.content.decode()
    answer = hr_lead_client.post(
        START, {"organisation": second.pk, "framework": framework.pk, "period": "2026/27"}
    )
    assert answer.status_code == 302
    assert Assessment.objects.get().organisation == second


@pytest.mark.parametrize(
    ("side", "role"), [s for s in SIDES_AND_ROLES if s not in MANAGEMENT_EDITORS]
)
def test_start_needs_a_management_editor(organisation, framework, side, role):
    client = client_for(member(organisation, side, role))
    assert client.get(START).status_code == 403
    assert client.post(START, {"framework": framework.pk, "period": "2026/27"}).status_code == 403
    assert not Assessment.objects.exists()


def test_start_anonymous_is_sent_to_sign_in(client):
    assert client.get(START).url.startswith(reverse("login"))


def test_home_links_to_assessments_and_start(hr_lead_client, assessment):
    content = hr_lead_client.get(reverse("assessments:home")).content.decode()
    assert overview_url(assessment) in content
    assert START in content


# --- Overview, filters and standard page ----------------------------------------------------


@pytest.fixture
def answered(assessment, hr_lead):
    """S1.1 met with narrative, S1.2 below met, S2.1 not applicable, S2.2 untouched."""
    r = responses_of(assessment)
    save_response(
        r["S1.1"].pk,
        data={"rating": 3, "narrative": "All staff"},
        expected_version=1,
        user=hr_lead,
    )
    save_response(
        r["S1.2"].pk,
        data={"rating": 1, "barrier": Response.Barrier.FUNDING},
        expected_version=1,
        user=hr_lead,
    )
    save_response(
        r["S2.1"].pk,
        data={"not_applicable": True, "not_applicable_reason": "No such staff"},
        expected_version=1,
        user=hr_lead,
    )
    return assessment


@pytest.mark.smoke
def test_overview_shows_progress(hr_lead_client, answered):
    content = hr_lead_client.get(overview_url(answered)).content.decode()
    # Reviewed out of applicable: S2.1 does not apply, so 2 of 3; progress is not the score.
    assert re.search(r"2 of 3 applicable criteria reviewed \(67%\)", content)
    rows = re.findall(r'data-testid="standard-row">(.*?)</tr>', content, re.S)
    assert "2 of 2" in rows[0]
    assert "0 of 1" in rows[1]
    filters = re.search(r'data-testid="filters">(.*?)</ul>', content, re.S)[1]
    counts = dict(re.findall(r"\?show=(\w+)\">[^<]+</a> \((\d+)\)", filters))
    assert counts == {
        "not_reviewed": "1",
        "below_met": "1",
        "not_applicable": "1",
        "no_evidence": "2",
    }


def test_overview_of_signed_off_assessment_says_so(hr_lead_client, assessment):
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SIGNED_OFF)
    assert "is signed off" in hr_lead_client.get(overview_url(assessment)).content.decode()


@pytest.mark.parametrize(
    ("show", "refs"),
    [
        ("not_reviewed", ["S2.2"]),
        ("below_met", ["S1.2"]),
        ("not_applicable", ["S2.1"]),
        ("no_evidence", ["S1.2", "S2.2"]),
    ],
)
def test_criteria_filters(hr_lead_client, answered, show, refs):
    url = reverse("assessments:criteria", args=[answered.pk])
    content = hr_lead_client.get(url, {"show": show}).content.decode()
    assert re.findall(r"<strong>(S\d\.\d)</strong>", content) == refs


def test_a_file_or_link_counts_as_evidence(hr_lead_client, answered, hr_lead):
    from assessments.services import add_evidence_link

    add_evidence_link(
        responses_of(answered)["S2.2"].pk, url="https://example.org", title="Policy", user=hr_lead
    )
    url = reverse("assessments:criteria", args=[answered.pk])
    content = hr_lead_client.get(url, {"show": "no_evidence"}).content.decode()
    assert re.findall(r"<strong>(S\d\.\d)</strong>", content) == ["S1.2"]


@pytest.mark.parametrize("show", ["", "everything", "<script>"])
def test_unknown_filter_is_404_with_a_message(hr_lead_client, assessment, show):
    url = reverse("assessments:criteria", args=[assessment.pk])
    answer = hr_lead_client.get(url, {"show": show})
    assert answer.status_code == 404
    content = answer.content.decode()
    assert "There is no list of criteria like that" in content
    assert "<script>" not in content.split("<main")[1]


def test_standard_page_lists_its_criteria(hr_lead_client, answered, hr_lead):
    from assessments.services import add_evidence_link

    r = responses_of(answered)
    add_evidence_link(r["S1.2"].pk, url="https://example.org", title="Policy", user=hr_lead)
    url = reverse("assessments:standard", args=[answered.pk, r["S1.1"].criterion.standard_id])
    content = hr_lead_client.get(url).content.decode()
    assert "2 of 2 applicable criteria reviewed" in content
    rows = re.findall(r'data-testid="criterion-row">(.*?)</tr>', content, re.S)
    assert len(rows) == 2
    assert "S1.1" in rows[0] and "S1.2" in rows[1]
    assert 'nhsuk-tag--green">In place for all staff groups' in rows[0]
    assert 'nhsuk-tag--orange">Partly in place' in rows[1]
    assert "Reviewed" in rows[0]
    assert "Narrative" in rows[0]
    assert "1 link" in rows[1]
    assert criterion_url(r["S1.1"]) in rows[0]
    assert "S2.1" not in content


# --- The criterion page -----------------------------------------------------------------------


def test_criterion_page_shows_the_criterion_and_the_form(hr_lead_client, response):
    content = hr_lead_client.get(criterion_url(response)).content.decode()
    for text in (
        "Statement of S1.1",
        "Guidance for S1.1",
        "Example for S1.1",
        "Reference for S1.1",
        'id="response-form"',
        "In place for all staff groups hint",
        'name="version" value="1"',
        'data-hx-post="',
        'aria-live="polite"',
        "Save and go to next criterion",
        "Evidence",
    ):
        assert text in content, text
    assert "maxlength" not in content.split('id="response-form"')[1].split("</form>")[0]
    assert "Wording changed" not in content


def test_criterion_page_shows_changed_wording(hr_lead_client, response):
    Response.objects.filter(pk=response.pk).update(criterion_text_changed=True)
    assert (
        "Wording changed since the last cycle"
        in hr_lead_client.get(criterion_url(response)).content.decode()
    )


def test_criterion_page_shows_history_in_plain_english(hr_lead_client, response, hr_lead):
    save_response(
        response.pk,
        data={"rating": 1, "barrier": "funding", "narrative": "Started"},
        expected_version=1,
        user=hr_lead,
    )
    save_response(response.pk, data={"rating": 3}, expected_version=2, user=hr_lead)
    content = hr_lead_client.get(criterion_url(response)).content.decode()
    history = content.split('<h2 class="nhsuk-heading-m">History</h2>')[1]
    assert hr_lead.get_full_name() in history
    assert "Main reason it is not in place" in history
    assert "None given" in history and "Funding" in history
    assert re.search(r"Partly in place\s*<span aria-hidden=\"true\">→</span>", history)
    assert "In place for all staff groups" in history
    assert "No rating" in history
    assert "barrier" not in history  # field names are in words


def test_previous_and_next_links(hr_lead_client, assessment):
    r = responses_of(assessment)
    content = hr_lead_client.get(criterion_url(r["S1.2"])).content.decode()
    assert f'href="{criterion_url(r["S1.1"])}" rel="prev"' in content
    assert f'href="{criterion_url(r["S2.1"])}" rel="next"' in content
    last = hr_lead_client.get(criterion_url(r["S2.2"])).content.decode()
    assert 'rel="next"' not in last
    assert "Save and go to next criterion" not in last


@pytest.mark.parametrize("reader", ["staff_rep_client", "viewer_client"])
def test_readers_see_the_answer_without_a_form(request, response, hr_lead, reader):
    save_response(
        response.pk, data={"rating": 2, "narrative": "Our policy"}, expected_version=1, user=hr_lead
    )
    content = request.getfixturevalue(reader).get(criterion_url(response)).content.decode()
    assert 'id="response-form"' not in content
    assert "Our policy" in content
    assert 'nhsuk-tag--green">In place<' in content
    assert "Upload file" not in content


# --- Saving without JavaScript ------------------------------------------------------------------


@pytest.mark.smoke
def test_save_without_javascript(hr_lead_client, response, hr_lead):
    answer = hr_lead_client.post(
        criterion_url(response), form_data(response, rating="3", narrative="Policy agreed")
    )
    assert answer.status_code == 302
    assert answer.url == criterion_url(response)
    response.refresh_from_db()
    assert (response.rating, response.narrative, response.version) == (3, "Policy agreed", 2)
    assert response.status == Response.Status.REVIEWED
    assert response.updated_by == hr_lead
    change = response.changes.get()
    assert change.kind == ResponseChange.Kind.EDITED
    assert change.changes["rating"] == [None, 3]
    page = hr_lead_client.get(answer.url).content.decode()
    assert "Saved" in page
    assert 'name="version" value="2"' in page


def test_blank_answer_saves_a_draft(hr_lead_client, response):
    answer = hr_lead_client.post(criterion_url(response), form_data(response, narrative="Draft"))
    assert answer.status_code == 302
    response.refresh_from_db()
    assert response.narrative == "Draft"
    assert response.status == Response.Status.TO_REVIEW


def test_save_and_go_to_next(hr_lead_client, assessment):
    r = responses_of(assessment)
    answer = hr_lead_client.post(
        criterion_url(r["S1.2"]), form_data(r["S1.2"], rating="2", then="next")
    )
    assert answer.url == criterion_url(r["S2.1"])


def test_contributor_saves(organisation, response, contributor):
    answer = client_for(contributor).post(criterion_url(response), form_data(response, rating="2"))
    assert answer.status_code == 302


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"rating": "1"}, "barrier", "Select the main reason it is not in place"),
        (
            {"rating": "1", "not_applicable": "on", "not_applicable_reason": "x"},
            "rating",
            "Choose a rating or mark it not applicable, not both",
        ),
        (
            {"not_applicable": "on"},
            "not_applicable_reason",
            "Explain why this criterion does not apply",
        ),
        ({"barrier": "other"}, "barrier_detail", "Explain why it is not in place"),
        ({"rating": "9"}, "rating", "Select a rating from the scale"),
        (
            {"narrative": "x" * 20_001},
            "narrative",
            "Evidence narrative must be 20,000 characters or fewer",
        ),
    ],
)
def test_validation_errors_without_javascript(hr_lead_client, response, values, field, message):
    answer = hr_lead_client.post(criterion_url(response), form_data(response, **values))
    content = answer.content.decode()
    assert answer.status_code == 200
    assert "<title>Error: " in content
    assert "There is a problem" in content
    assert message in content
    assert re.search(rf'href="#id_{field}(_0)?"', content)
    # What was typed is still there.
    if "narrative" in values:
        assert values["narrative"] in content
    response.refresh_from_db()
    assert response.version == 1


# --- Saving with htmx ----------------------------------------------------------------------------


def htmx_post(client, response, **values):
    return client.post(
        criterion_url(response), form_data(response, **values), HTTP_HX_REQUEST="true"
    )


@pytest.mark.smoke
def test_save_with_htmx_returns_the_status_fragment(hr_lead_client, response):
    answer = htmx_post(hr_lead_client, response, rating="2", narrative="Typed")
    content = answer.content.decode()
    assert answer.status_code == 200
    assert "<html" not in content
    assert 'data-save-state="saved"' in content
    assert re.search(r"Saved at \d\d:\d\d", content)
    assert re.search(
        r'<input type="hidden" name="version" value="2" id="id_version" data-hx-swap-oob="true">',
        content,
    )
    assert 'id="autosave-errors" data-hx-swap-oob="true"' in content
    response.refresh_from_db()
    assert (response.rating, response.narrative, response.version) == (2, "Typed", 2)


def test_htmx_save_without_changes_keeps_the_version(hr_lead_client, response):
    answer = htmx_post(hr_lead_client, response)
    assert 'name="version" value="1"' in answer.content.decode()
    response.refresh_from_db()
    assert response.version == 1
    assert not response.changes.exists()


def test_htmx_validation_error_is_in_the_fragment(hr_lead_client, response):
    answer = htmx_post(hr_lead_client, response, rating="0", narrative="Typed so far")
    content = answer.content.decode()
    assert answer.status_code == 200
    assert 'data-save-state="invalid"' in content
    assert "Not saved: Select the main reason it is not in place" in content
    assert 'href="#id_barrier_0"' in content
    assert "data-hx-swap-oob" in content
    assert 'name="version"' not in content  # the version stays as it was
    response.refresh_from_db()
    assert response.version == 1


# --- Two people, one criterion -------------------------------------------------------------------


@pytest.fixture
def two_editors(organisation, hr_lead, contributor):
    return client_for(hr_lead), client_for(contributor)


def test_conflict_shows_both_versions(two_editors, response, hr_lead):
    first, second = two_editors
    assert (
        first.post(
            criterion_url(response), form_data(response, rating="3", narrative="Theirs")
        ).status_code
        == 302
    )
    # The second person's page was loaded at version 1.
    answer = second.post(
        criterion_url(response),
        form_data(response, rating="1", barrier="staffing", narrative="Mine, typed for an hour"),
    )
    content = answer.content.decode()
    assert answer.status_code == 409
    assert "Someone else saved this criterion" in content
    assert f"Saved by {hr_lead.get_full_name()}" in content
    theirs = re.findall(r'data-testid="theirs">(.*?)</td>', content, re.S)
    yours = re.findall(r'data-testid="yours">(.*?)</td>', content, re.S)
    assert "In place for all staff groups" in theirs[0] and "Partly in place" in yours[0]
    assert "Theirs" in theirs[3] and "Mine, typed for an hour" in yours[3]
    assert "Staffing or capacity" in yours[4]
    # Their values are in a form based on the current version: nothing typed is lost.
    keep = content.split("<h2>Keep mine</h2>")[1]
    assert "Mine, typed for an hour</textarea>" in keep
    assert 'name="version" value="2"' in keep
    assert f'href="{criterion_url(response)}"' in content  # take theirs
    response.refresh_from_db()
    assert (response.narrative, response.version) == ("Theirs", 2)


def test_keep_mine_saves_over_theirs(two_editors, response, contributor):
    first, second = two_editors
    first.post(criterion_url(response), form_data(response, rating="3", narrative="Theirs"))
    mine = form_data(response, rating="1", barrier="staffing", narrative="Mine")
    assert second.post(criterion_url(response), mine).status_code == 409
    answer = second.post(criterion_url(response), {**mine, "version": 2, "then": "keep"})
    assert answer.status_code == 302
    response.refresh_from_db()
    assert (response.narrative, response.rating, response.version) == ("Mine", 1, 3)
    assert response.updated_by == contributor


def test_take_theirs_reloads_the_saved_version(two_editors, response):
    first, second = two_editors
    first.post(criterion_url(response), form_data(response, rating="3", narrative="Theirs"))
    second.post(criterion_url(response), form_data(response, narrative="Mine"))
    page = second.get(criterion_url(response)).content.decode()
    assert "Theirs</textarea>" in page
    assert 'name="version" value="2"' in page


def test_conflict_with_htmx_offers_the_comparison(two_editors, response):
    first, second = two_editors
    first.post(criterion_url(response), form_data(response, narrative="Theirs"))
    answer = htmx_post(second, response, narrative="Mine")
    content = answer.content.decode()
    assert answer.status_code == 200  # a fragment to swap in; the full page answers 409
    assert 'data-save-state="conflict"' in content
    assert "Not saved:" in content
    assert 'form="response-form"' in content and "Compare your changes with theirs" in content
    response.refresh_from_db()
    assert response.narrative == "Theirs"


def test_stale_save_of_the_same_values_is_no_conflict(two_editors, response):
    """Often the person's own autosave, a moment before they pressed Save."""
    first, second = two_editors
    first.post(criterion_url(response), form_data(response, narrative="Same"))
    answer = second.post(criterion_url(response), form_data(response, narrative="Same"))
    assert answer.status_code == 302
    response.refresh_from_db()
    assert response.version == 2


# --- A signed-off assessment ---------------------------------------------------------------------


@pytest.fixture
def signed_off(assessment):
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SIGNED_OFF)
    return assessment


def test_signed_off_assessment_has_no_form_and_refuses_saves(hr_lead_client, signed_off, response):
    content = hr_lead_client.get(criterion_url(response)).content.decode()
    assert 'id="response-form"' not in content
    assert "is signed off" in content
    assert "Upload file" not in content
    answer = hr_lead_client.post(criterion_url(response), form_data(response, narrative="Late"))
    assert answer.status_code == 403
    assert htmx_post(hr_lead_client, response, narrative="Late").status_code == 403
    response.refresh_from_db()
    assert response.narrative == ""


def test_criterion_page_needs_get_or_post(hr_lead_client, response):
    assert hr_lead_client.put(criterion_url(response)).status_code == 405
    assert hr_lead_client.post(overview_url(response.assessment)).status_code == 405
