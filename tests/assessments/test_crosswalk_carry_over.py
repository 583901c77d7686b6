"""A next cycle across a crosswalk: what each relation carries, open actions, the carry-over
record, the equivalents API, and an old assessment that does not change."""

import datetime
import hashlib
import textwrap

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.crosswalks.loader import load_crosswalk_files
from assessments.crosswalks.services import (
    carry_plan,
    equivalence_map,
    equivalent_criteria,
    equivalent_criteria_for_ref,
    next_cycle_frameworks,
)
from assessments.models import (
    Action,
    Assessment,
    CarryOver,
    EvidenceFile,
    EvidenceLink,
    Framework,
    Response,
    Signature,
)
from assessments.services import (
    add_evidence_link,
    save_action,
    save_response,
    sign_off,
    sign_plan,
    staff_side_sign,
    start_assessment,
    start_next_cycle,
    submit_response,
)
from assessments.signing import verify_plan_signature, verify_sign_off, verify_signature
from partnership.models import Membership
from tests.assessments.test_services import BLANK, make_framework
from tests.factories import RatingLevelFactory

pytestmark = pytest.mark.django_db

# Old framework "iwl" 1: A1..A5, B1. New framework "country" 1: X1..X6.
CROSSWALK = textwrap.dedent(
    """\
    from: {framework: iwl, version: "1"}
    to: {framework: country, version: "1"}
    description: Test crosswalk.
    pairs:
      - {from: A1, to: X1, relation: equivalent}
      - {from: A2, to: X2, relation: partial, note: Only the policy part.}
      - {from: A3, to: X3, relation: broader}
      - {from: A4, to: X4, relation: narrower}
      - {from: A2, to: X6, relation: partial}
      - {from: A5, to: X6, relation: equivalent}
    unmapped:
      - {framework: to, ref: X5, reason: New in the country framework.}
      - {framework: from, ref: B1, reason: Not asked for there.}
    """
)
OLD_REFS = ("A1", "A2", "A3", "A4", "A5", "B1")
NEW_REFS = ("X1", "X2", "X3", "X4", "X5", "X6")


@pytest.fixture
def frameworks(tmp_path):
    old = make_framework(refs=OLD_REFS, slug="iwl", version="1")
    new = make_framework(refs=NEW_REFS, slug="country", version="1")
    for framework in (old, new):  # a scale, so that signing off can score and freeze it
        for value in range(4):
            RatingLevelFactory(framework=framework, value=value, label=f"Level {value}")
    path = tmp_path / "crosswalk.yaml"
    path.write_text(CROSSWALK)
    load_crosswalk_files([path])
    return old, new


def answer(response, user, rating, narrative, **extra):
    save_response(
        response.pk,
        data={**BLANK, "rating": rating, "narrative": narrative, **extra},
        expected_version=response.version,
        user=user,
    )


@pytest.fixture
def previous(frameworks, organisation, hr_lead):
    old, _ = frameworks
    assessment = start_assessment(
        organisation=organisation,
        framework=old,
        period="2025/26",
        title="IWL 2025/26",
        user=hr_lead,
    )
    responses = {r.criterion.ref: r for r in assessment.responses.select_related("criterion")}
    for index, ref in enumerate(OLD_REFS):
        answer(
            responses[ref],
            hr_lead,
            1,
            f"Evidence for {ref}",
            barrier="funding",
            barrier_detail=f"No budget for {ref}",
        )
        # Real stored bytes: verifying the sign-off re-hashes every evidence file.
        content = f"%PDF-1.4 evidence {index}".encode()
        name = default_storage.save(f"evidence/z9a/{ref}.pdf", ContentFile(content))
        EvidenceFile.objects.create(
            response=responses[ref],
            file=name,
            original_name=f"{ref}.pdf",
            content_type="application/pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by=hr_lead,
        )
        add_evidence_link(
            responses[ref].pk, url=f"https://example.org/{ref}", title=f"Link {ref}", user=hr_lead
        )
    return assessment


def carried(nxt):
    return {r.criterion.ref: r for r in nxt.responses.select_related("criterion")}


def test_each_relation_carries_what_it_should(previous, frameworks, hr_lead):
    _, new = frameworks
    nxt = start_next_cycle(previous, framework=new, period="2026/27", title="Next", user=hr_lead)
    got = carried(nxt)

    # equivalent: the whole answer, with files and links
    x1 = got["X1"]
    assert (x1.rating, x1.narrative, x1.barrier, x1.barrier_detail) == (
        1,
        "Evidence for A1",
        "funding",
        "No budget for A1",
    )
    assert [f.original_name for f in x1.files.all()] == ["A1.pdf"]
    assert x1.files.get().file.name == "evidence/z9a/A1.pdf"
    assert [link.url for link in x1.links.all()] == ["https://example.org/A1"]

    # partial, broader, narrower: files and links only, with a note to review
    for new_ref, old_ref in (("X2", "A2"), ("X3", "A3"), ("X4", "A4")):
        response = got[new_ref]
        assert (response.rating, response.barrier, response.barrier_detail) == (None, "", "")
        assert response.narrative == f"Partly covered by {old_ref} in 2025/26: review."
        assert [f.original_name for f in response.files.all()] == [f"{old_ref}.pdf"]
        assert [link.title for link in response.links.all()] == [f"Link {old_ref}"]

    # unmapped: empty
    x5 = got["X5"]
    assert (x5.rating, x5.narrative, x5.files.count(), x5.links.count()) == (None, "", 0, 0)

    # equivalent and partial into one criterion: the equivalent's answer, both sides' evidence
    x6 = got["X6"]
    assert (x6.rating, x6.narrative) == (1, "Evidence for A5")
    assert sorted(f.original_name for f in x6.files.all()) == ["A2.pdf", "A5.pdf"]
    assert sorted(link.title for link in x6.links.all()) == ["Link A2", "Link A5"]

    assert {r.status for r in got.values()} == {Response.Status.TO_REVIEW}
    records = {
        (c.response.criterion.ref, c.source_ref): (c.relation, c.carried, c.files, c.links)
        for c in CarryOver.objects.select_related("response__criterion")
    }
    assert records == {
        ("X1", "A1"): ("equivalent", "answer", 1, 1),
        ("X2", "A2"): ("partial", "evidence", 1, 1),
        ("X3", "A3"): ("broader", "evidence", 1, 1),
        ("X4", "A4"): ("narrower", "evidence", 1, 1),
        ("X6", "A5"): ("equivalent", "answer", 1, 1),
        ("X6", "A2"): ("partial", "evidence", 1, 1),
    }
    assert CarryOver.objects.get(response=got["X2"]).note == "Only the policy part."


def test_a_crosswalk_is_read_backwards_with_broader_and_narrower_swapped(frameworks):
    old, new = frameworks
    plan = carry_plan(new, old)
    assert [(s.ref, s.relation) for s in plan["A3"]] == [("X3", "narrower")]
    assert [(s.ref, s.relation) for s in plan["A4"]] == [("X4", "broader")]
    assert [(s.ref, s.relation) for s in plan["A2"]] == [("X2", "partial"), ("X6", "partial")]
    assert "B1" not in plan


def test_without_a_crosswalk_answers_follow_the_same_ref(frameworks):
    old, _ = frameworks
    newer = make_framework(refs=("A1", "C1"), slug="iwl", version="2")
    plan = carry_plan(old, newer)
    assert [(ref, [(s.ref, s.relation) for s in sources]) for ref, sources in plan.items()] == [
        ("A1", [("A1", "same")])
    ]


def test_open_actions_follow_their_criteria_through_the_crosswalk(
    previous, frameworks, hr_lead, staff_rep
):
    _, new = frameworks
    responses = {r.criterion.ref: r for r in previous.responses.select_related("criterion")}
    due = datetime.date(2027, 3, 31)
    open_action = save_action(
        previous.pk,
        user=hr_lead,
        description="Fix A2 and B1",
        responses=[responses["A2"], responses["B1"]],
        management_owner=hr_lead,
        staff_owner=staff_rep,
        target_date=due,
    )
    done = save_action(
        previous.pk,
        user=hr_lead,
        description="Done already",
        responses=[responses["A1"]],
        management_owner=hr_lead,
        staff_owner=staff_rep,
        target_date=due,
    )
    Action.objects.filter(pk=done.pk).update(status=Action.Status.DONE)
    sign_plan(previous.pk, user=hr_lead, side=Membership.Side.MANAGEMENT)
    sign_plan(previous.pk, user=staff_rep, side=Membership.Side.STAFF_SIDE)

    nxt = start_next_cycle(previous, framework=new, period="2026/27", title="Next", user=hr_lead)

    (copy,) = Action.objects.filter(plan__assessment=nxt)
    assert copy.carried_from == open_action
    # A2 maps partly to X2 and X6; B1 is unmapped, so the action keeps only the mapped ones.
    assert sorted(r.criterion.ref for r in copy.responses.all()) == ["X2", "X6"]
    # The previous plan keeps its actions and links, so both leads' signatures still verify.
    assert sorted(r.criterion.ref for r in open_action.responses.all()) == ["A2", "B1"]
    plan_signatures = list(previous.action_plan.signatures.all())
    assert len(plan_signatures) == 2
    assert all(verify_plan_signature(s).matches for s in plan_signatures)


def test_nothing_of_the_signed_off_assessment_changes_and_its_signatures_verify(
    previous, frameworks, hr_lead, staff_rep
):
    _, new = frameworks
    for response in previous.responses.all():
        submit_response(response.pk, user=hr_lead)
        staff_side_sign(response.pk, user=staff_rep, decision=Signature.Decision.AGREED)
    statement = "We agree this is a fair account."
    sign_off(previous.pk, user=hr_lead, side=Membership.Side.MANAGEMENT, joint_statement=statement)
    sign_off(
        previous.pk, user=staff_rep, side=Membership.Side.STAFF_SIDE, joint_statement=statement
    )
    previous.refresh_from_db()
    assert previous.is_locked

    def state():
        return (
            list(previous.responses.order_by("pk").values()),
            list(
                EvidenceFile.objects.filter(response__assessment=previous).order_by("pk").values()
            ),
            list(
                EvidenceLink.objects.filter(response__assessment=previous).order_by("pk").values()
            ),
            list(previous.signatures.order_by("pk").values()),
            list(previous.sign_offs.order_by("pk").values()),
            Assessment.objects.filter(pk=previous.pk).values().get(),
        )

    before = state()
    start_next_cycle(previous, framework=new, period="2026/27", title="Next", user=hr_lead)
    assert state() == before
    signatures = list(previous.signatures.all())
    assert len(signatures) == 2 * len(OLD_REFS)
    assert all(verify_signature(s).matches for s in signatures)
    assert all(verify_sign_off(s).matches for s in previous.sign_offs.all()), [
        verify_sign_off(s).message for s in previous.sign_offs.all()
    ]


def test_query_count_is_flat_as_the_frameworks_grow(organisation, hr_lead, tmp_path):
    counts = []
    for size in (3, 30):
        old = make_framework(refs=tuple(f"A{i}" for i in range(size)), slug=f"old{size}")
        new = make_framework(refs=tuple(f"X{i}" for i in range(size)), slug=f"new{size}")
        pairs = "\n".join(
            f"  - {{from: A{i}, to: X{i}, relation: {'equivalent' if i % 2 else 'partial'}}}"
            for i in range(size)
        )
        path = tmp_path / f"c{size}.yaml"
        path.write_text(
            f'from: {{framework: old{size}, version: "1"}}\n'
            f'to: {{framework: new{size}, version: "1"}}\n'
            f"description: Size {size}.\npairs:\n{pairs}\n"
        )
        load_crosswalk_files([path])
        previous = start_assessment(
            organisation=organisation, framework=old, period="2025/26", title="t", user=hr_lead
        )
        with CaptureQueriesContext(connection) as ctx:
            start_next_cycle(previous, framework=new, period="2026/27", title="t2", user=hr_lead)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_next_cycle_frameworks_are_the_same_slug_and_the_crosswalked_ones(frameworks):
    old, new = frameworks
    newer = make_framework(refs=("A1",), slug="iwl", version="2")
    unrelated = make_framework(refs=("Z1",), slug="unrelated")
    offered = set(next_cycle_frameworks(old, Framework.objects.all()))
    assert offered == {old, new, newer}
    assert unrelated not in offered
    assert set(next_cycle_frameworks(new, Framework.objects.all())) == {new, old}


def test_equivalents_in_both_directions(frameworks, django_assert_num_queries):
    old, new = frameworks
    a1 = old.criteria.get(ref="A1")
    assert [c.ref for c in equivalent_criteria(a1, new)] == ["X1"]
    assert [c.ref for c in equivalent_criteria(new.criteria.get(ref="X6"), old)] == ["A5"]
    assert equivalent_criteria(old.criteria.get(ref="A2"), new) == []  # partial only
    assert [c.ref for c in equivalent_criteria_for_ref(new, "X1", old)] == ["A1"]
    with django_assert_num_queries(2):
        mapped = equivalence_map(old, new)
    assert {ref: [c.ref for c in found] for ref, found in mapped.items()} == {
        "A1": ["X1"],
        "A5": ["X6"],
    }
    assert [c.ref for c in equivalent_criteria(a1, "country")] == ["X1"]  # newest version
    assert equivalent_criteria(a1, "no-such-framework") == []
    assert equivalence_map("iwl", "no-such-framework") == {}
    backwards = equivalence_map(new, old)
    assert {ref: [c.ref for c in found] for ref, found in backwards.items()} == {
        "X1": ["A1"],
        "X6": ["A5"],
    }
