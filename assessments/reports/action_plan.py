"""The joint action plan: one presenter for its page, its PDF and its exports, and its summary
for the board report.

The plan's actions and signatures are read in a fixed number of queries (``PlanActions``);
the gaps and the stage rule ``actions_for_gaps`` come from the same ReportData and scoring as
the reports, so the plan page and the reports never disagree about which gaps lack an action.
The plan's signatures are verified here from the rows already loaded; a test checks the
content matches ``assessments.signing.plan_content``.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from django.utils import timezone

from partnership.models import Membership
from partnership.signing import ledger

from ..actions import (
    ActionRag,
    action_rag,
    carried_from_text,
    is_gap,
    side_tag,
    status_tag,
    with_details,
)
from ..models import Action, ActionUpdate, PlanSignature, Response
from ..presenters import RatingScale, Tag
from ..signing import plan_content_of, verify_plan_signature, voided_record_ids
from ..snapshots import PlanChange, plan_changes, stored_snapshot
from .data import ReportData
from .presenters import report_filename

MANAGEMENT = Membership.Side.MANAGEMENT
STAFF_SIDE = Membership.Side.STAFF_SIDE
SIDES = (MANAGEMENT, STAFF_SIDE)
# The board report lists this many overdue actions, the most overdue first.
TOP_OVERDUE = 5


def plan_content_from(plan_id, assessment_id, actions) -> dict:
    """assessments.signing.plan_content, from actions already loaded with their owners and
    ``criteria_list`` (no queries). A test checks the two agree."""
    return plan_content_of(plan_id, assessment_id, actions, lambda action: action.criteria_list)


@dataclass
class PlanActions:
    """An assessment's actions and plan signatures, in five queries (three for a summary):
    the actions with their owners and where they were carried from; the criteria they
    address; their progress updates and where they were carried to (not for a summary); the
    signatures, active and void (and, when some are active, their void entries on the ledger)."""

    assessment: object
    actions: list  # each with .criteria_list (and .update_list when loaded)
    signatures: list  # newest first
    verifications: dict = field(default_factory=dict)  # signature id -> Verification
    current_content: dict | None = None  # plan_content of the plan as it stands

    @classmethod
    def load(cls, assessment, *, with_updates=True) -> PlanActions:
        actions = list(
            with_details(
                Action.objects.filter(plan__assessment_id=assessment.pk),
                updates=with_updates,
                carried_to=with_updates,
            ).order_by("target_date", "created_at", "pk")
        )
        signatures = list(
            PlanSignature.objects.filter(plan__assessment_id=assessment.pk)
            .select_related("signer", "ledger_entry", "void_entry")
            .order_by("-created_at")
        )
        plan = cls(assessment, actions, signatures)
        plan.current_content = (
            plan_content_from(plan.plan_id, assessment.pk, actions) if plan.plan_id else None
        )
        voided = voided_record_ids([s for s in signatures if not s.is_void])
        plan.verifications = {
            s.pk: verify_plan_signature(s, plan.current_content or {}, voided_record_ids=voided)
            for s in signatures
        }
        return plan

    @property
    def plan_id(self):
        if self.actions:
            return self.actions[0].plan_id
        return self.signatures[0].plan_id if self.signatures else None

    @cached_property
    def active(self) -> dict:
        """The active signature of each side that has one."""
        return {s.side: s for s in self.signatures if not s.is_void}

    @property
    def void(self) -> list:
        return [s for s in self.signatures if s.is_void]

    @property
    def signed_by_both(self) -> bool:
        """Both leads' signatures are active and still match the plan."""
        return all(
            side in self.active and self.verifications[self.active[side].pk].matches
            for side in SIDES
        )


# --- Rows -------------------------------------------------------------------------------------


@dataclass
class ActionRow:
    action: Action
    rag: ActionRag

    @property
    def status(self) -> Tag:
        return status_tag(self.action.status)

    @property
    def criteria(self) -> list[Response]:
        return self.action.criteria_list

    @property
    def refs(self) -> str:
        return ", ".join(r.criterion.ref for r in self.criteria)

    @property
    def updates(self) -> list[ActionUpdate]:
        return getattr(self.action, "update_list", [])

    @property
    def latest_update(self) -> ActionUpdate | None:
        updates = self.updates
        return updates[-1] if updates else None

    @property
    def latest_update_side(self) -> Tag | None:
        latest = self.latest_update
        return side_tag(latest.side) if latest else None

    @property
    def carried_from(self) -> Action | None:
        return self.action.carried_from

    @property
    def carried_from_text(self) -> str:
        return carried_from_text(self.action)

    @property
    def carried_to(self) -> list[Action]:
        """The copies later cycles carried forward (when loaded)."""
        return getattr(self.action, "carried_to_list", [])

    @property
    def overdue(self) -> bool:
        return self.rag.overdue


def action_rows(actions, today) -> list[ActionRow]:
    return [ActionRow(action, action_rag(action, today)) for action in actions]


@dataclass
class GapRow:
    """A criterion the management side rates below met, or whose rating the staff side
    disagrees with: what the plan's actions are for."""

    response: Response
    management: Tag | None
    staff: Tag | None
    barrier: str
    disagreed: bool
    dissent: str
    actions: list[ActionRow]

    @property
    def criterion(self):
        return self.response.criterion

    @property
    def has_action(self) -> bool:
        return bool(self.actions)


@dataclass(frozen=True)
class StageRule:
    """A stage that needs an action for every gap, and whether this plan meets that."""

    stage: str
    holds: bool
    message: str
    refs: tuple[str, ...]


@dataclass(frozen=True)
class SignatureRow:
    signature: PlanSignature
    side: Tag
    matches: bool
    message: str


# --- Summary (the plan page's figures and the board report's section) -------------------------


@dataclass(frozen=True)
class SummaryRow:
    """One overdue action, as the board report's table shows it."""

    ref: str
    title: str
    status: str
    due: datetime.date
    rag: ActionRag


@dataclass
class ActionPlanSummary:
    """What the board report shows about the plan (the presenters' ``action_plan_summary``)."""

    total: int
    counts: list[tuple[str, int]]  # (status label, count) in the statuses' order
    overdue: int
    signed_by_both: bool
    signed_sides: list[str]  # the sides whose lead has signed, "Management", "Staff side"
    rows: list[SummaryRow]  # the most overdue first, up to TOP_OVERDUE
    more_overdue: int = 0
    rows_caption: str = "Overdue actions, the most overdue first"
    # For a signed-off assessment: what changed in the plan's commitments since sign-off.
    changes_since_sign_off: list | None = None

    @property
    def headline(self) -> str:
        if not self.total:
            return "There is no action plan yet."
        counts = ", ".join(f"{n} {label.lower()}" for label, n in self.counts if n)
        actions = f"{self.total} action{'' if self.total == 1 else 's'}"
        overdue = f"{self.overdue} overdue" if self.overdue else "none overdue"
        return f"{actions} ({counts}), {overdue}. {self.signature_text}."

    @property
    def signature_text(self) -> str:
        if self.signed_by_both:
            return "Signed by both leads"
        if self.signed_sides:
            return f"Signed by the {self.signed_sides[0].lower()} lead only"
        return "Not yet signed by either lead"


def summary_of(plan: PlanActions, rows: list[ActionRow]) -> ActionPlanSummary:
    counts = Counter(row.action.status for row in rows)
    overdue = sorted(
        (row for row in rows if row.overdue),
        key=lambda row: (row.action.target_date, row.action.created_at),
    )
    return ActionPlanSummary(
        total=len(rows),
        counts=[(status.label, counts.get(status, 0)) for status in Action.Status],
        overdue=len(overdue),
        signed_by_both=plan.signed_by_both,
        signed_sides=[Membership.Side(side).label for side in SIDES if side in plan.active],
        rows=[
            SummaryRow(
                ref=row.refs,
                title=row.action.description,
                status=row.action.get_status_display(),
                due=row.action.target_date,
                rag=row.rag,
            )
            for row in overdue[:TOP_OVERDUE]
        ],
        more_overdue=max(len(overdue) - TOP_OVERDUE, 0),
    )


def action_plan_summary(assessment, *, today=None) -> ActionPlanSummary:
    """The board report's action plan section, in three queries (four when the plan has
    active signatures, five when the assessment is signed off: its snapshot)."""
    plan = PlanActions.load(assessment, with_updates=False)
    summary = summary_of(plan, action_rows(plan.actions, today or timezone.localdate()))
    summary.changes_since_sign_off = changes_since_sign_off(assessment, plan)
    return summary


def changes_since_sign_off(assessment, plan: PlanActions) -> list[PlanChange] | None:
    """What changed in the plan's commitments since the assessment was signed off, or None
    when it is not signed off (or has no snapshot)."""
    if assessment.status != assessment.Status.SIGNED_OFF:
        return None
    snapshot = stored_snapshot(assessment)
    if not isinstance(snapshot, dict):
        return None
    return plan_changes(snapshot.get("plan"), plan.current_content)


# --- The plan's page and PDF -------------------------------------------------------------------


class ActionPlanReport:
    """The joint action plan of one assessment: its gaps, its actions and its signatures."""

    template_name = "assessments/actions/plan.html"
    name = "Joint action plan"
    slug = "action-plan"

    def __init__(self, data: ReportData, plan: PlanActions, *, today: datetime.date):
        self.data = data
        self.plan = plan
        self.today = today
        self.assessment = data.assessment
        self.organisation = data.assessment.organisation
        self.framework = data.assessment.framework
        self.generated_at = timezone.now()

    @classmethod
    def build(cls, assessment, *, today=None) -> ActionPlanReport:
        return cls(
            ReportData.load(assessment, with_previous=False),
            PlanActions.load(assessment),
            today=today or timezone.localdate(),
        )

    @property
    def title(self) -> str:
        return f"{self.name}: {self.assessment.title}"

    @property
    def filename(self) -> str:
        return report_filename(self.assessment, self.slug, "pdf")

    # --- Actions ---

    @cached_property
    def rows(self) -> list[ActionRow]:
        return action_rows(self.plan.actions, self.today)

    @cached_property
    def summary(self) -> ActionPlanSummary:
        return summary_of(self.plan, self.rows)

    @property
    def overdue(self) -> list[ActionRow]:
        return [row for row in self.rows if row.overdue]

    # --- Gaps ---

    @cached_property
    def scale(self) -> RatingScale:
        return RatingScale(self.data.levels, self.framework.met_value)

    @property
    def met_label(self) -> str:
        return self.scale.label(self.framework.met_value)

    @cached_property
    def gaps(self) -> list[GapRow]:
        """Applicable criteria the management side rates below met, and those the staff side
        disagrees with, in checklist order, each with the actions that address it."""
        met = self.framework.met_value
        by_response = {}
        for row in self.rows:
            for response in row.criteria:
                by_response.setdefault(response.pk, []).append(row)
        gaps = []
        for response in self.data.responses:
            if not is_gap(response, met):
                continue
            disagreed = response.state == Response.State.DISAGREED
            staff = next((s for s in response.active_signatures if s.side == STAFF_SIDE), None)
            barrier = response.barrier
            gaps.append(
                GapRow(
                    response=response,
                    management=self.scale.tag(response.rating),
                    staff=self.scale.tag(response.staff_rating),
                    barrier=Response.Barrier(barrier).label
                    if barrier in Response.Barrier.values
                    else "",
                    disagreed=disagreed,
                    dissent=staff.comment if disagreed and staff else "",
                    actions=by_response.get(response.pk, []),
                )
            )
        return gaps

    @property
    def gaps_without_action(self) -> list[GapRow]:
        return [gap for gap in self.gaps if not gap.has_action]

    @cached_property
    def stage_rules(self) -> list[StageRule]:
        """Each stage whose rule needs an action for every gap, as scoring evaluates it on the
        agreed ratings (the headline basis of the reports): the same gaps, the same words."""
        rules = []
        for result in self.data.agreed.stages:
            for condition, outcome in zip(result.stage.rule, result.conditions, strict=True):
                if condition.get("actions_for_gaps"):
                    rules.append(
                        StageRule(result.stage.name, outcome.holds, outcome.message, outcome.refs)
                    )
        return rules

    @property
    def scoring_gaps_without_action(self) -> tuple[str, ...]:
        """scoring's list: applicable criteria below met on the agreed ratings (not agreed
        ones included) that no action addresses."""
        return self.data.agreed.gaps_without_action

    # --- Signatures ---

    @cached_property
    def signatures(self) -> list[SignatureRow]:
        """The active signatures, management first."""
        return [
            self._signature_row(self.plan.active[side])
            for side in SIDES
            if side in self.plan.active
        ]

    @property
    def leads(self) -> list[tuple[str, SignatureRow | None]]:
        """Each side's lead and their active signature, if any."""
        active = {row.signature.side: row for row in self.signatures}
        return [
            ("Management lead", active.get(MANAGEMENT)),
            ("Staff-side lead", active.get(STAFF_SIDE)),
        ]

    @cached_property
    def void_signatures(self) -> list[SignatureRow]:
        return [self._signature_row(s) for s in self.plan.void]

    def _signature_row(self, signature) -> SignatureRow:
        verification = self.plan.verifications[signature.pk]
        return SignatureRow(
            signature, side_tag(signature.side), verification.matches, verification.message
        )

    @property
    def seen(self) -> str:
        """The digest of the plan as this page shows it, for the signing forms."""
        current = self.plan.current_content
        return ledger.digest_of(current) if current is not None else ""

    @property
    def signed_sides(self) -> set:
        return set(self.plan.active)

    @property
    def is_signed(self) -> bool:
        """At least one lead has signed: a change now voids signatures."""
        return bool(self.plan.active)

    @property
    def is_agreed(self) -> bool:
        return self.plan.signed_by_both

    @property
    def is_draft(self) -> bool:
        return not self.is_agreed

    @property
    def status_text(self) -> str:
        if self.is_agreed:
            return "Agreed: signed by both leads"
        return "DRAFT: not yet signed by both leads"

    def context(self, *, for_pdf=False) -> dict:
        return {
            "report": self,
            "assessment": self.assessment,
            "for_pdf": for_pdf,
            "base_template": "assessments/reports/_pdf_base.html" if for_pdf else "base.html",
        }
