"""Case study workflows: drafting from the assessment, both leads' approvals on the ledger,
voiding on any change, withdrawal, and who may see what."""

# The shared fixtures (gap, case_study) come from case_study_helpers: used as arguments.
# ruff: noqa: F401, F811

import pytest

from assessments.casestudies import services
from assessments.casestudies.library import apply_filters, case_studies_closing, search
from assessments.casestudies.models import CaseStudy, CaseStudyApproval, CaseStudyEvent
from assessments.casestudies.services import CaseStudyRefused, case_study_subject
from partnership.models import Membership, NetworkOrganisation, User
from partnership.networks.models import Network, NetworkMember
from partnership.signing import ledger
from tests.assessments.case_study_helpers import (
    MANAGEMENT,
    STAFF_SIDE,
    TEXT,
    approve,
    case_study,
    draft,
    gap,
    publish,
)
from tests.assessments.test_checklist_views import build_framework, member
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


class TestDrafting:
    def test_scores_come_from_the_assessments(self, case_study):
        assert (case_study.before_rating, case_study.before_label, case_study.before_period) == (
            1,
            "Partly in place",
            "2025/26",
        )
        assert (case_study.after_rating, case_study.after_label, case_study.after_period) == (
            3,
            "In place for all staff groups",
            "2026/27",
        )
        assert case_study.status == CaseStudy.Status.DRAFT
        assert case_study.country == "england"
        assert list(case_study.criteria.values_list("ref", flat=True)) == ["S1.1"]

    def test_typed_scores_are_ignored(self, gap, hr_lead):
        cs = draft(gap[1]["S1.1"], hr_lead, after_rating=0, before_label="Awful")
        assert (cs.after_rating, cs.before_label) == (3, "Partly in place")

    def test_a_criterion_not_agreed_as_met_is_refused(self, gap, hr_lead):
        with pytest.raises(CaseStudyRefused, match="agreed is met"):
            draft(gap[1]["S1.2"], hr_lead)
        assert not CaseStudy.objects.exists()

    def test_the_staff_side_may_draft(self, gap, staff_rep):
        assert draft(gap[1]["S1.1"], staff_rep).created_by == staff_rep

    def test_a_viewer_may_not(self, gap, viewer):
        with pytest.raises(CaseStudyRefused):
            draft(gap[1]["S1.1"], viewer)

    def test_other_criteria_of_the_framework(self, gap, hr_lead):
        other = gap[1]["S2.1"].criterion
        cs = draft(gap[1]["S1.1"], hr_lead, criteria=[other])
        assert sorted(cs.criteria.values_list("ref", flat=True)) == ["S1.1", "S2.1"]


class TestPublication:
    def test_needs_both_approvals(self, case_study, hr_lead, staff_rep):
        approve(case_study, staff_rep, STAFF_SIDE)
        case_study.refresh_from_db()
        assert case_study.status == CaseStudy.Status.DRAFT
        approve(case_study, hr_lead, MANAGEMENT)
        case_study.refresh_from_db()
        assert case_study.status == CaseStudy.Status.PUBLISHED
        assert case_study.published_at is not None
        approvals = CaseStudyApproval.objects.filter(case_study=case_study)
        assert {a.side for a in approvals} == {MANAGEMENT, STAFF_SIDE}
        for approval in approvals:
            assert ledger.verify(approval).status == "verified"
        assert ledger.verify_chain(case_study.organisation) == []
        kinds = list(case_study.events.values_list("kind", flat=True))
        assert kinds.count(CaseStudyEvent.Kind.APPROVED) == 2
        assert CaseStudyEvent.Kind.PUBLISHED in kinds

    def test_one_lead_cannot_approve_for_both(self, case_study, organisation, hr_lead):
        Membership.objects.create(
            user=hr_lead, organisation=organisation, side=STAFF_SIDE, role=Membership.Role.LEAD
        )
        both_sides = User.objects.get(pk=hr_lead.pk)  # memberships are cached per request
        approve(case_study, both_sides, MANAGEMENT)
        with pytest.raises(CaseStudyRefused, match="other side"):
            approve(case_study, both_sides, STAFF_SIDE)

    def test_only_the_lead_of_the_side(self, case_study, hr_lead, contributor):
        with pytest.raises(CaseStudyRefused, match="lead of the staff side"):
            approve(case_study, hr_lead, STAFF_SIDE)
        with pytest.raises(CaseStudyRefused):
            approve(case_study, contributor, MANAGEMENT)

    def test_approving_what_changed_signs_nothing(self, case_study, hr_lead):
        seen = ledger.digest_of(case_study_subject(case_study))
        services.edit_case_study(
            case_study.pk, user=hr_lead, expected_version=1, title="A new title"
        )
        with pytest.raises(ledger.ContentChanged):
            services.approve(case_study.pk, user=hr_lead, side=MANAGEMENT, seen=seen)
        assert not CaseStudyApproval.objects.exists()

    def test_an_edit_voids_both_and_unpublishes(self, case_study, hr_lead, staff_rep):
        publish(case_study, hr_lead, staff_rep)
        services.edit_case_study(
            case_study.pk, user=staff_rep, expected_version=1, impact="Fell from 40 to 10."
        )
        case_study.refresh_from_db()
        assert case_study.status == CaseStudy.Status.DRAFT
        assert case_study.version == 2
        assert case_study.published_at is None
        approvals = CaseStudyApproval.objects.filter(case_study=case_study)
        assert approvals.count() == 2
        assert all(a.is_void for a in approvals)
        for approval in approvals:
            assert ledger.verify(approval).status == "void"
        assert ledger.verify_chain(case_study.organisation) == []
        assert case_study.events.filter(kind=CaseStudyEvent.Kind.APPROVALS_VOIDED).exists()

    @pytest.mark.parametrize(
        "change",
        [{"anonymous": True}, {"audience": "networks"}, {"title": "Another"}],
    )
    def test_publication_settings_are_part_of_what_is_approved(
        self, case_study, hr_lead, staff_rep, change
    ):
        approve(case_study, staff_rep, STAFF_SIDE)
        services.edit_case_study(case_study.pk, user=hr_lead, expected_version=1, **change)
        assert not CaseStudyApproval.objects.filter(voided_at__isnull=True).exists()

    def test_saving_nothing_new_voids_nothing(self, case_study, hr_lead, staff_rep):
        approve(case_study, staff_rep, STAFF_SIDE)
        services.edit_case_study(
            case_study.pk, user=hr_lead, expected_version=1, title=case_study.title
        )
        assert CaseStudyApproval.objects.filter(voided_at__isnull=True).count() == 1

    def test_a_stale_edit_is_refused(self, case_study, hr_lead):
        services.edit_case_study(case_study.pk, user=hr_lead, expected_version=1, title="One")
        with pytest.raises(CaseStudyRefused, match="changed this case study"):
            services.edit_case_study(case_study.pk, user=hr_lead, expected_version=1, title="Two")
        case_study.refresh_from_db()
        assert case_study.title == "One"


class TestWithdrawal:
    def test_either_lead_withdraws_at_once(self, case_study, hr_lead, staff_rep, outsider):
        publish(case_study, hr_lead, staff_rep)
        assert CaseStudy.objects.visible_to(outsider).filter(pk=case_study.pk).exists()
        services.withdraw(case_study.pk, user=staff_rep, reason="Policy under review")
        case_study.refresh_from_db()
        assert case_study.status == CaseStudy.Status.WITHDRAWN
        assert case_study.withdrawn_by == staff_rep
        assert not CaseStudy.objects.visible_to(outsider).filter(pk=case_study.pk).exists()
        assert CaseStudy.objects.visible_to(hr_lead).filter(pk=case_study.pk).exists()
        event = case_study.events.get(kind=CaseStudyEvent.Kind.WITHDRAWN)
        assert (event.user, event.detail) == (staff_rep, "Policy under review")
        assert not CaseStudyApproval.objects.filter(voided_at__isnull=True).exists()

    def test_a_contributor_cannot(self, case_study, hr_lead, staff_rep, contributor):
        publish(case_study, hr_lead, staff_rep)
        with pytest.raises(CaseStudyRefused):
            services.withdraw(case_study.pk, user=contributor)

    def test_a_draft_cannot_be_withdrawn(self, case_study, hr_lead):
        with pytest.raises(CaseStudyRefused, match="Only a published"):
            services.withdraw(case_study.pk, user=hr_lead)


@pytest.fixture
def network_setup(organisation, other_organisation, hr_lead):
    """Both organisations joined one network; a third organisation outside it."""
    network = Network.objects.create(name="North ICS", slug="north-ics", kind="ics_or_health_board")
    for org in (organisation, other_organisation):
        NetworkOrganisation.objects.create(
            network=network,
            organisation=org,
            status="joined",
            joined_at="2026-01-01T00:00Z",
            invited_by=hr_lead,
        )
    stranger_org = OrganisationFactory()
    return network, member(stranger_org)


class TestAudience:
    def test_a_draft_is_visible_only_to_its_organisation(self, case_study, viewer, outsider):
        assert CaseStudy.objects.visible_to(viewer).filter(pk=case_study.pk).exists()
        assert not CaseStudy.objects.visible_to(outsider).exists()

    def test_networks_audience(self, gap, hr_lead, staff_rep, outsider, network_setup):
        network, stranger = network_setup
        cs = publish(draft(gap[1]["S1.1"], hr_lead, audience="networks"), hr_lead, staff_rep)
        assert CaseStudy.objects.visible_to(outsider).filter(pk=cs.pk).exists()
        assert not CaseStudy.objects.visible_to(stranger).exists()
        officer = member(OrganisationFactory())
        NetworkMember.objects.create(user=officer, network=network, side=STAFF_SIDE, role="viewer")
        assert CaseStudy.objects.visible_to(officer).filter(pk=cs.pk).exists()

    def test_leaving_the_network_hides_it(self, gap, hr_lead, staff_rep, outsider, network_setup):
        cs = publish(draft(gap[1]["S1.1"], hr_lead, audience="networks"), hr_lead, staff_rep)
        NetworkOrganisation.objects.filter(organisation=cs.organisation).update(status="left")
        assert not CaseStudy.objects.visible_to(outsider).exists()

    def test_everyone_audience(self, gap, hr_lead, staff_rep, network_setup):
        _, stranger = network_setup
        cs = publish(draft(gap[1]["S1.1"], hr_lead), hr_lead, staff_rep)
        assert CaseStudy.objects.visible_to(stranger).filter(pk=cs.pk).exists()


class TestFinding:
    def test_closing_the_same_gap_elsewhere(self, gap, hr_lead, staff_rep, outsider):
        framework, responses = gap
        cs = publish(draft(responses["S1.1"], hr_lead), hr_lead, staff_rep)
        criterion = responses["S1.1"].criterion
        assert list(case_studies_closing(criterion, outsider)) == [cs]
        assert list(case_studies_closing(responses["S1.2"].criterion, outsider)) == []
        # An equivalent criterion from the crosswalks brings it in too.
        assert list(
            case_studies_closing(
                responses["S1.2"].criterion, outsider, equivalent_criteria=[criterion]
            )
        ) == [cs]

    @pytest.mark.parametrize(
        ("words", "found"),
        [
            ("rostering", True),
            ("ROSTERING pilot", True),
            ("rostering dentistry", False),
            ("", True),
        ],
    )
    def test_search_by_word(self, gap, hr_lead, staff_rep, outsider, words, found):
        cs = publish(draft(gap[1]["S1.1"], hr_lead), hr_lead, staff_rep)
        result = list(search(CaseStudy.objects.visible_to(outsider).published(), words))
        assert result == ([cs] if found else [])

    def test_search_ranks_the_title_first(self, gap, hr_lead, staff_rep, outsider):
        first = publish(draft(gap[1]["S1.1"], hr_lead), hr_lead, staff_rep)
        second = publish(
            draft(gap[1]["S1.1"], hr_lead, title="Flexible working", summary="Rostering help."),
            hr_lead,
            staff_rep,
        )
        result = list(search(CaseStudy.objects.visible_to(outsider).published(), "flexible"))
        assert result == [second]
        result = list(search(CaseStudy.objects.visible_to(outsider).published(), "rostering"))
        assert set(result) == {first, second}

    def test_filters(self, gap, hr_lead, staff_rep, outsider):
        framework, responses = gap
        cs = publish(draft(responses["S1.1"], hr_lead), hr_lead, staff_rep)
        visible = CaseStudy.objects.visible_to(outsider).published()
        standard = responses["S1.1"].criterion.standard
        other_standard = responses["S2.1"].criterion.standard
        year = cs.published_at.year
        assert list(apply_filters(visible, standard=standard)) == [cs]
        assert list(apply_filters(visible, standard=other_standard)) == []
        assert list(apply_filters(visible, criterion=responses["S1.1"].criterion)) == [cs]
        assert list(apply_filters(visible, country="england", sector="nhs_trust_or_board")) == [cs]
        assert list(apply_filters(visible, country="scotland")) == []
        assert list(apply_filters(visible, year=year)) == [cs]
        assert list(apply_filters(visible, year=year - 1)) == []


class TestCriteria:
    def test_editing_the_text_keeps_the_criteria(self, gap, hr_lead):
        cs = draft(gap[1]["S1.1"], hr_lead, criteria=[gap[1]["S2.1"].criterion])
        services.edit_case_study(cs.pk, user=hr_lead, expected_version=1, title="Another")
        assert sorted(cs.criteria.values_list("ref", flat=True)) == ["S1.1", "S2.1"]

    def test_the_source_criterion_always_stays(self, gap, hr_lead):
        cs = draft(gap[1]["S1.1"], hr_lead, criteria=[gap[1]["S2.1"].criterion])
        services.edit_case_study(cs.pk, user=hr_lead, expected_version=1, criteria=[])
        assert list(cs.criteria.values_list("ref", flat=True)) == ["S1.1"]
        cs.refresh_from_db()
        assert cs.version == 2

    def test_criteria_of_another_framework_are_refused(self, gap, hr_lead, case_study):
        other = build_framework(title="Another framework").criteria.first()
        with pytest.raises(CaseStudyRefused, match="same framework"):
            draft(gap[1]["S1.1"], hr_lead, criteria=[other])
        with pytest.raises(CaseStudyRefused, match="same framework"):
            services.edit_case_study(
                case_study.pk, user=hr_lead, expected_version=1, criteria=[other], title="X"
            )
        case_study.refresh_from_db()
        assert (case_study.version, case_study.title) == (1, TEXT["title"])


class TestThroughTheCrosswalks:
    """A case study on one framework's criterion is found from its equivalents in others."""

    @pytest.fixture
    def crosswalked(self, gap):
        from assessments.crosswalks.models import Crosswalk, CrosswalkPair, Relation

        framework, responses = gap
        other = build_framework(slug="elsewhere", title="Another country's framework")
        theirs = {c.ref: c for c in other.criteria.all()}
        crosswalk = Crosswalk.objects.create(from_framework=other, to_framework=framework)
        CrosswalkPair.objects.create(
            crosswalk=crosswalk,
            from_criterion=theirs["S2.2"],
            to_criterion=responses["S1.1"].criterion,
            relation=Relation.EQUIVALENT,
            position=1,
        )
        CrosswalkPair.objects.create(
            crosswalk=crosswalk,
            from_criterion=theirs["S1.1"],
            to_criterion=responses["S1.1"].criterion,
            relation=Relation.PARTIAL,
            position=2,
        )
        return other, theirs

    def test_the_gap_in_another_framework_finds_it(
        self, gap, crosswalked, hr_lead, staff_rep, outsider
    ):
        from assessments.crosswalks.services import equivalents_anywhere

        _, responses = gap
        _, theirs = crosswalked
        cs = publish(draft(responses["S1.1"], hr_lead), hr_lead, staff_rep)

        found = case_studies_closing(theirs["S2.2"], outsider, equivalents_anywhere(theirs["S2.2"]))
        assert list(found) == [cs]
        # A partial pair is not an equivalent: nothing found through it.
        partial = case_studies_closing(
            theirs["S1.1"], outsider, equivalents_anywhere(theirs["S1.1"])
        )
        assert list(partial) == []

    def test_the_guide_lists_it_under_each_area_it_addresses(
        self, gap, crosswalked, hr_lead, staff_rep, outsider, django_assert_num_queries
    ):
        from assessments.casestudies.library import case_studies_by_area

        framework, responses = gap
        other, _ = crosswalked
        named = publish(draft(responses["S1.1"], hr_lead), hr_lead, staff_rep)
        hidden = publish(
            draft(responses["S1.1"], hr_lead, anonymous=True, title="Anonymous rostering"),
            hr_lead,
            staff_rep,
        )

        with django_assert_num_queries(5):
            by_area = case_studies_by_area(other, outsider)
        area = other.standards.get(ref="S2")
        titles = {study.title: study.organisation for study in by_area[area.pk]}
        assert set(titles) == {named.title, hidden.title}
        assert hidden.organisation.name not in titles[hidden.title]
        assert named.organisation.name in titles[named.title]
        # Its own framework lists it under its own area; an area it does not address, never.
        own = case_studies_by_area(framework, outsider)
        assert [s.title for s in own[framework.standards.get(ref="S1").pk]]
        assert framework.standards.get(ref="S2").pk not in own
