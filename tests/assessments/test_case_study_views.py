"""Case study pages: the permission matrix (draft only to its organisation, published only to
its audience, anonymous never naming the organisation outside it, on the page, in the PDFs, in
search and on the gap links), the forms' bad input, and flat query counts."""

# The shared fixtures (gap, case_study) come from case_study_helpers: used as arguments.
# ruff: noqa: F401, F811

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from assessments.casestudies import services
from assessments.casestudies.models import CaseStudy, CaseStudyApproval, CaseStudyAttachment
from assessments.casestudies.services import case_study_subject
from assessments.presenters import framework_levels
from assessments.services import save_response, start_assessment
from partnership.signing import ledger
from tests.assessments.case_study_helpers import (
    STAFF_SIDE,
    TEXT,
    approve,
    case_study,
    closed_gap,
    draft,
    gap,
    publish,
)
from tests.assessments.test_checklist_queries import CRITERION_QUERIES
from tests.assessments.test_checklist_views import client_for, member, responses_of

pytestmark = pytest.mark.django_db

# Session, user, the header's organisations; the filters' years, criteria and standards; the
# user's organisations; the case studies and their criteria; the drafts (none: no prefetch).
LIBRARY_QUERIES = 10
# Session, user, header; the case study and its criteria; the user's organisations;
# attachments; active approvals (with their ledger entries); the subject's criteria and
# attachments; memberships; the approvals' voids on the ledger; the history.
CASE_STUDY_QUERIES = 13
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_text(content: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages
    )


@pytest.fixture
def anonymous(gap, hr_lead, staff_rep):
    cs = draft(gap[1]["S1.1"], hr_lead, anonymous=True)
    CaseStudyAttachment.objects.create(
        case_study=cs,
        file="case-studies/Z9A/x.pdf",
        original_name="rota-northshire.pdf",
        content_type="application/pdf",
        size=10,
        sha256="1" * 64,
    )
    return publish(cs, hr_lead, staff_rep)


def page_url(cs):
    return reverse("casestudies:case_study", args=[cs.pk])


def org_secrets(organisation, *people):
    return [organisation.name, organisation.ods_code, TEXT["contact"], "rota-northshire.pdf"] + [
        p.get_full_name() for p in people
    ]


class TestOneCaseStudy:
    @pytest.mark.parametrize("who", ["hr_lead", "staff_rep", "viewer", "contributor"])
    def test_a_draft_is_read_by_its_organisation(self, request, case_study, who):
        page = client_for(request.getfixturevalue(who)).get(page_url(case_study))
        assert page.status_code == 200
        assert TEXT["impact"] in page.content.decode()

    def test_a_draft_is_404_outside(self, outsider_client, case_study):
        assert outsider_client.get(page_url(case_study)).status_code == 404
        pdf_url = reverse("casestudies:pdf", args=[case_study.pk])
        assert outsider_client.get(pdf_url).status_code == 404

    def test_an_unknown_id_is_404(self, hr_lead_client):
        url = reverse("casestudies:case_study", args=["7d1f4f1e-52a4-4c1a-9c61-0b0a2c7a8f00"])
        assert hr_lead_client.get(url).status_code == 404
        assert hr_lead_client.get("/case-studies/not-a-uuid/").status_code == 404

    def test_published_to_everyone(
        self, outsider_client, case_study, hr_lead, staff_rep, organisation
    ):
        publish(case_study, hr_lead, staff_rep)
        content = outsider_client.get(page_url(case_study)).content.decode()
        assert organisation.name in content
        assert TEXT["contact"] in content
        assert "Partly in place (2025/26)" in content
        assert "In place for all staff groups (2026/27)" in content
        # Members' panels (approvals, history) are not for outsiders.
        assert 'data-testid="approvals"' not in content

    def test_anonymous_names_nobody_outside(
        self, outsider_client, anonymous, organisation, hr_lead, staff_rep, download
    ):
        content = outsider_client.get(page_url(anonymous)).content.decode()
        assert "An NHS trust or board in England" in content
        for secret in org_secrets(organisation, hr_lead, staff_rep):
            assert secret not in content
        pdf = download(outsider_client, reverse("casestudies:pdf", args=[anonymous.pk]))
        assert pdf["Content-Type"] == "application/pdf"
        text = pdf_text(pdf.content)
        assert "An NHS trust or board in England" in text
        assert TEXT["title"] in text
        for secret in org_secrets(organisation, hr_lead, staff_rep):
            assert secret not in text
            assert secret.encode() not in pdf.content
        attachment = anonymous.attachments.get()
        download = reverse("casestudies:attachment", args=[attachment.pk])
        assert outsider_client.get(download).status_code == 404

    def test_anonymous_is_named_for_its_own_members(self, viewer_client, anonymous, organisation):
        content = viewer_client.get(page_url(anonymous)).content.decode()
        assert organisation.name in content
        assert "rota-northshire.pdf" in content


class TestLibrary:
    def test_lists_only_what_the_user_may_read(self, outsider, gap, hr_lead, staff_rep):
        outsider_client, hr_lead_client = client_for(outsider), client_for(hr_lead)
        published = publish(
            draft(gap[1]["S1.1"], hr_lead, title="Published one"), hr_lead, staff_rep
        )
        draft(gap[1]["S1.1"], hr_lead, title="Still a draft")
        url = reverse("casestudies:library")
        outside = outsider_client.get(url).content.decode()
        assert "Published one" in outside and "Still a draft" not in outside
        inside = hr_lead_client.get(url).content.decode()
        assert "Published one" in inside and "Still a draft" in inside
        assert published.title in outsider_client.get(url, {"q": "Published"}).content.decode()
        assert "Published one" not in outsider_client.get(url, {"q": "dentistry"}).content.decode()

    def test_anonymous_in_search_results(self, outsider_client, anonymous, organisation):
        content = outsider_client.get(
            reverse("casestudies:library"), {"q": "rostering"}
        ).content.decode()
        assert TEXT["title"] in content
        assert organisation.name not in content
        # Searching for the organisation's name finds nothing.
        content = outsider_client.get(
            reverse("casestudies:library"), {"q": organisation.name}
        ).content.decode()
        assert TEXT["title"] not in content

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("country", "atlantis", "Select a country from the list"),
            ("year", "1999", "Select a year from the list"),
            ("criterion", "nope", "Select a criterion from the list"),
        ],
    )
    def test_a_bad_filter_is_a_clear_400(self, outsider_client, anonymous, field, value, message):
        page = outsider_client.get(reverse("casestudies:library"), {field: value})
        assert page.status_code == 400
        assert message in page.content.decode()

    def test_filter_by_criterion_and_collection_pdf(
        self, outsider_client, anonymous, gap, download
    ):
        criterion = gap[1]["S1.1"].criterion
        url = reverse("casestudies:library")
        page = outsider_client.get(url, {"criterion": str(criterion.pk), "country": "england"})
        assert TEXT["title"] in page.content.decode()
        pdf = download(
            outsider_client, reverse("casestudies:collection_pdf"), {"criterion": str(criterion.pk)}
        )
        assert pdf["Content-Type"] == "application/pdf"
        text = pdf_text(pdf.content)
        assert TEXT["title"] in text and "1 case study" in text
        assert "Northshire" not in text
        empty = download(
            outsider_client, reverse("casestudies:collection_pdf"), {"country": "scotland"}
        )
        assert "0 case studies" in pdf_text(empty.content)

    def test_query_count_is_flat(
        self, outsider_client, gap, hr_lead, staff_rep, django_assert_num_queries
    ):
        url = reverse("casestudies:library")
        publish(draft(gap[1]["S1.1"], hr_lead), hr_lead, staff_rep)
        outsider_client.get(url)
        with django_assert_num_queries(LIBRARY_QUERIES) as first:
            outsider_client.get(url)
        for _ in range(4):
            publish(
                draft(gap[1]["S1.1"], hr_lead, criteria=[gap[1]["S2.1"].criterion]),
                hr_lead,
                staff_rep,
            )
        with django_assert_num_queries(len(first.captured_queries)):
            page = outsider_client.get(url)
        assert page.content.decode().count('data-testid="case-study"') == 5


class TestDrafting:
    def new_url(self, response):
        return reverse("casestudies:new") + f"?response={response.pk}"

    def form(self, **overrides):
        data = {
            **TEXT,
            "audience": "everyone",
            "anonymous": "no",
            "review_date_day": "30",
            "review_date_month": "11",
            "review_date_year": "2028",
        }
        data.update(overrides)
        return data

    @pytest.mark.parametrize(
        ("who", "status"),
        [
            ("hr_lead", 200),
            ("staff_rep", 200),
            ("contributor", 200),
            ("viewer", 403),
            ("outsider", 404),
        ],
    )
    def test_who_may_start_one(self, request, gap, who, status):
        client = client_for(request.getfixturevalue(who))
        assert client.get(self.new_url(gap[1]["S1.1"])).status_code == status

    def test_drafting_from_the_form(self, staff_rep_client, gap):
        page = staff_rep_client.post(self.new_url(gap[1]["S1.1"]), self.form())
        cs = CaseStudy.objects.get()
        assert page.status_code == 302 and page["Location"] == page_url(cs)
        assert cs.after_label == "In place for all staff groups"
        assert cs.review_date.isoformat() == "2028-11-30"

    def test_bad_input_changes_nothing(self, hr_lead_client, gap):
        page = hr_lead_client.post(
            self.new_url(gap[1]["S1.1"]), self.form(title="", review_date_month="13", audience="x")
        )
        assert page.status_code == 400
        content = page.content.decode()
        for message in (
            "Enter a title",
            "Review date must be a real date",
            "Select who can read it",
        ):
            assert message in content
        assert "<title>Error: " in content
        assert not CaseStudy.objects.exists()

    def test_a_criterion_not_agreed_is_refused(self, hr_lead_client, gap):
        page = hr_lead_client.post(self.new_url(gap[1]["S1.2"]), self.form())
        assert page.status_code == 400
        assert "agreed is met" in page.content.decode()
        assert not CaseStudy.objects.exists()

    def test_no_source_is_404(self, hr_lead_client):
        assert hr_lead_client.get(reverse("casestudies:new")).status_code == 404
        assert hr_lead_client.get(reverse("casestudies:new") + "?response=zzz").status_code == 404


class TestChanging:
    @pytest.mark.parametrize(
        ("who", "status"), [("hr_lead", 200), ("viewer", 403), ("outsider", 404)]
    )
    def test_who_may_edit(self, request, case_study, who, status):
        url = reverse("casestudies:edit", args=[case_study.pk])
        assert client_for(request.getfixturevalue(who)).get(url).status_code == status

    def test_an_edit_voids_the_approvals(self, staff_rep_client, case_study, hr_lead, staff_rep):
        publish(case_study, hr_lead, staff_rep)
        url = reverse("casestudies:edit", args=[case_study.pk])
        assert "Saving a change voids" in staff_rep_client.get(url).content.decode()
        data = {**TestDrafting().form(), "title": "New title", "version": "1"}
        assert staff_rep_client.post(url, data).status_code == 302
        case_study.refresh_from_db()
        assert case_study.status == CaseStudy.Status.DRAFT
        assert not CaseStudyApproval.objects.filter(voided_at__isnull=True).exists()

    def test_approval_through_the_page(self, staff_rep, hr_lead, case_study):
        staff_rep_client, hr_lead_client = client_for(staff_rep), client_for(hr_lead)
        page = staff_rep_client.get(page_url(case_study)).content.decode()
        assert (
            "Approve for the staff side" in page and "Approve for the management side" not in page
        )
        seen = ledger.digest_of(case_study_subject(case_study))
        url = reverse("casestudies:approve", args=[case_study.pk])
        answer = staff_rep_client.post(url, {"side": STAFF_SIDE, "seen": seen})
        assert answer.status_code == 302
        answer = hr_lead_client.post(url, {"side": "management", "seen": seen})
        assert answer.status_code == 302
        case_study.refresh_from_db()
        assert case_study.is_published

    def test_approving_a_changed_case_study_is_refused(self, hr_lead_client, case_study, hr_lead):
        seen = ledger.digest_of(case_study_subject(case_study))
        CaseStudy.objects.filter(pk=case_study.pk).update(title="Changed meanwhile")
        url = reverse("casestudies:approve", args=[case_study.pk])
        answer = hr_lead_client.post(url, {"side": "management", "seen": seen})
        assert answer.status_code == 409
        assert "changed since you opened it" in answer.content.decode()
        assert not CaseStudyApproval.objects.exists()

    @pytest.mark.parametrize(
        ("who", "status"), [("contributor", 403), ("viewer", 403), ("outsider", 404)]
    )
    def test_who_may_not_approve_or_withdraw(
        self, request, case_study, hr_lead, staff_rep, who, status
    ):
        client = client_for(request.getfixturevalue(who))
        seen = ledger.digest_of(case_study_subject(case_study))
        url = reverse("casestudies:approve", args=[case_study.pk])
        assert client.post(url, {"side": "management", "seen": seen}).status_code == status
        publish(case_study, hr_lead, staff_rep)
        url = reverse("casestudies:withdraw", args=[case_study.pk])
        assert client.post(url).status_code == status
        case_study.refresh_from_db()
        assert case_study.is_published

    def test_withdrawal_hides_it_at_once(self, outsider, case_study, hr_lead, staff_rep):
        staff_rep_client, outsider_client = client_for(staff_rep), client_for(outsider)
        publish(case_study, hr_lead, staff_rep)
        assert outsider_client.get(page_url(case_study)).status_code == 200
        url = reverse("casestudies:withdraw", args=[case_study.pk])
        assert staff_rep_client.post(url, {"reason": "Out of date"}).status_code == 302
        assert outsider_client.get(page_url(case_study)).status_code == 404
        assert (
            TEXT["title"]
            not in outsider_client.get(reverse("casestudies:library")).content.decode()
        )
        assert "Out of date" in staff_rep_client.get(page_url(case_study)).content.decode()

    def test_attachments(self, outsider, case_study, hr_lead, staff_rep):
        hr_lead_client, outsider_client = client_for(hr_lead), client_for(outsider)
        approve(case_study, staff_rep, STAFF_SIDE)
        url = reverse("casestudies:attach", args=[case_study.pk])
        bad = hr_lead_client.post(url, {"evidence-file": SimpleUploadedFile("a.pdf", b"MZ\x90")})
        assert bad.status_code == 400
        assert not CaseStudyAttachment.objects.exists()
        assert CaseStudyApproval.objects.filter(voided_at__isnull=True).count() == 1
        good = hr_lead_client.post(url, {"evidence-file": SimpleUploadedFile("rota.pdf", PDF)})
        assert good.status_code == 302
        attachment = CaseStudyAttachment.objects.get()
        assert not CaseStudyApproval.objects.filter(voided_at__isnull=True).exists()
        download = reverse("casestudies:attachment", args=[attachment.pk])
        assert hr_lead_client.get(download).status_code == 200
        assert outsider_client.get(download).status_code == 404  # not published
        publish(case_study, hr_lead, staff_rep)
        answer = outsider_client.get(download)
        assert answer.status_code == 200 and b"".join(answer.streaming_content) == PDF


@pytest.fixture
def their_gap(other_organisation, gap):
    """The other organisation has S1.1 below met in its own assessment."""
    lead = member(other_organisation)
    assessment = start_assessment(
        organisation=other_organisation,
        framework=gap[0],
        period="2026/27",
        title="T",
        user=lead,
    )
    response = responses_of(assessment)["S1.1"]
    save_response(response.pk, data={"rating": 0}, expected_version=1, user=lead)
    return lead, assessment, response


class TestGapLinks:
    def test_the_criterion_page_links_to_who_closed_it(self, their_gap, anonymous, organisation):
        lead, assessment, response = their_gap
        client = client_for(lead)
        url = reverse("assessments:criterion", args=[assessment.pk, response.pk])
        content = client.get(url).content.decode()
        closing_url = reverse("casestudies:closing", args=[response.criterion_id])
        assert closing_url in content and "1 case study" in content
        listing = client.get(closing_url).content.decode()
        assert TEXT["title"] in listing
        assert organisation.name not in listing and "An NHS trust or board in England" in listing
        gaps = client.get(
            reverse("assessments:criteria", args=[assessment.pk]), {"show": "below_met"}
        ).content.decode()
        assert closing_url in gaps

    def test_nothing_to_find_before_publication(self, their_gap, case_study):
        lead, assessment, response = their_gap
        url = reverse("assessments:criterion", args=[assessment.pk, response.pk])
        content = client_for(lead).get(url).content.decode()
        assert "No published case study you can read covers this criterion yet" in content

    def test_the_agreed_criterion_offers_to_write_one(self, hr_lead, viewer, gap):
        hr_lead_client, viewer_client = client_for(hr_lead), client_for(viewer)
        response = gap[1]["S1.1"]
        url = reverse("assessments:criterion", args=[response.assessment_id, response.pk])
        assert "Write a case study" in hr_lead_client.get(url).content.decode()
        assert "Write a case study" not in viewer_client.get(url).content.decode()


class TestFromADoneAction:
    @pytest.fixture
    def action(self, organisation, hr_lead, staff_rep):
        from assessments.models import Action, ActionPlan

        framework, responses = closed_gap(organisation, hr_lead, staff_rep)
        plan = ActionPlan.objects.create(assessment=responses["S1.2"].assessment)
        action = Action.objects.create(
            plan=plan,
            description="Agree a rostering policy",
            management_owner=hr_lead,
            staff_owner=staff_rep,
            target_date="2027-03-31",
            status=Action.Status.DONE,
        )
        action.responses.set([responses["S1.2"]])
        return action

    def test_a_done_action_offers_and_drafts_one(self, hr_lead_client, action):
        page = hr_lead_client.get(reverse("assessments:action", args=[action.pk]))
        assert "Write a case study" in page.content.decode()
        url = reverse("casestudies:new") + f"?action={action.pk}"
        assert hr_lead_client.post(url, TestDrafting().form()).status_code == 302
        cs = CaseStudy.objects.get()
        assert (cs.criterion.ref, cs.source_action) == ("S1.2", action)

    def test_an_open_action_is_refused(self, hr_lead_client, action):
        action.status = "in_progress"
        action.save()
        url = reverse("casestudies:new") + f"?action={action.pk}"
        page = hr_lead_client.post(url, TestDrafting().form())
        assert page.status_code == 400
        assert "Only an action marked done" in page.content.decode()
        assert not CaseStudy.objects.exists()

    def test_outsiders_get_404(self, outsider_client, action):
        url = reverse("casestudies:new") + f"?action={action.pk}"
        assert outsider_client.get(url).status_code == 404


class TestQueryCounts:
    def test_the_case_study_page_is_flat(
        self, hr_lead, staff_rep, case_study, django_assert_num_queries
    ):
        client = client_for(hr_lead)
        publish(case_study, hr_lead, staff_rep)
        with django_assert_num_queries(CASE_STUDY_QUERIES) as first:
            client.get(page_url(case_study))
        # More history, more voided approvals and more criteria: the same queries.
        for n in range(3):
            services.edit_case_study(
                case_study.pk, user=hr_lead, expected_version=case_study.version, title=f"T{n}"
            )
            case_study.refresh_from_db()
            publish(case_study, hr_lead, staff_rep)
        with django_assert_num_queries(len(first.captured_queries)):
            assert client.get(page_url(case_study)).status_code == 200

    def test_a_gap_costs_the_criterion_page_one_query(
        self, gap, hr_lead, staff_rep, their_gap, django_assert_num_queries
    ):
        lead, assessment, response = their_gap
        client = client_for(lead)
        url = reverse("assessments:criterion", args=[assessment.pk, response.pk])
        for n in range(3):
            publish(draft(gap[1]["S1.1"], hr_lead), hr_lead, staff_rep)
            # As a fresh process sees the page: rating levels are read once per process.
            framework_levels.cache_clear()
            with django_assert_num_queries(CRITERION_QUERIES + 1):
                content = client.get(url).content.decode()
            assert f"{n + 1} case stud" in content


def test_past_its_review_date_it_shows_due_for_review(outsider, case_study, hr_lead, staff_rep):
    publish(case_study, hr_lead, staff_rep)
    client = client_for(outsider)
    assert "Due for review" not in client.get(page_url(case_study)).content.decode()
    CaseStudy.objects.filter(pk=case_study.pk).update(review_date="2020-01-01")
    content = client.get(page_url(case_study)).content.decode()
    assert "Due for review" in content and "(due for review)" in content
    assert "Due for review" in client.get(reverse("casestudies:library")).content.decode()
