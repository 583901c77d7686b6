"""The scored report and the board report, as presenters shared by the HTML pages and the PDFs.

A presenter turns a ReportData (read in a fixed number of queries) into what the one template
per report shows; the template decides nothing but layout. ``context(for_pdf=...)`` changes
only the page chrome: the page's own content is the same on screen and on paper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cached_property

from django.utils import timezone

from .. import scoring
from ..models import Response, Signature
from ..presenters import RatingScale, Tag
from ..scoring import Basis, percent_text
from ..signing import sign_off_receipt
from . import charts
from .data import ReportData

# The tag colour of each RAG colour (the NHS.UK tag palette has no amber: orange reads as it).
RAG_TAG = {"red": "red", "amber": "orange", "green": "green"}
RAG_WORD = {"red": "Red", "amber": "Amber", "green": "Green"}
NARRATIVE_EXCERPT = 400
TOP_GAPS = 10


def report_filename(assessment, name: str, extension: str) -> str:
    """``Z9A-2025-26-board-report.pdf``: the slash of the period (and anything else unsafe in a
    file name) becomes a hyphen."""

    def clean(text):
        return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")

    return (
        f"{clean(assessment.organisation.ods_code)}-{clean(assessment.period)}-{name}.{extension}"
    )


def rag_tag(level: scoring.Level | None) -> Tag | None:
    if level is None:
        return None
    return Tag(RAG_WORD.get(level.rag, level.rag), RAG_TAG.get(level.rag, "grey"))


def excerpt(text: str, limit: int = NARRATIVE_EXCERPT) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class SignatureView:
    side: str
    side_value: str
    signer: str
    decision: str
    decision_value: str
    comment: str
    signed_at: object
    matches: bool
    message: str

    @property
    def is_dissent(self):
        return self.decision_value in Signature.NEEDS_COMMENT

    @property
    def short_decision(self) -> str:
        return "submitted" if self.decision_value == "submitted" else self.decision.lower()

    @property
    def short_message(self) -> str:
        """The verification message's first clause: "Verified", "Does not match", ..."""
        return self.message.split(":")[0]


@dataclass
class CriterionRow:
    response: Response
    management: Tag | None
    staff: Tag | None
    agreed: Tag | None
    agreed_note: str
    signatures: list[SignatureView]
    is_gap: bool
    shortfall: Fraction = Fraction(0)  # weight x percentage points below the top of the scale

    @property
    def criterion(self):
        return self.response.criterion

    @property
    def state(self) -> str:
        if self.response.not_applicable:
            return "Not applicable"
        return self.response.get_state_display()

    @property
    def files(self):
        return self.response.file_list

    @property
    def links(self):
        return self.response.link_list

    @property
    def comments(self):
        return self.response.comment_list

    @property
    def weight(self) -> str:
        return scoring.number_text(Fraction(self.criterion.weight), 2)

    @property
    def narrative_excerpt(self) -> str:
        return excerpt(self.response.narrative)

    @property
    def evidence_counts(self) -> str:
        files, links = len(self.files), len(self.links)
        parts = [
            f"{files} file{'' if files == 1 else 's'}",
            f"{links} link{'' if links == 1 else 's'}",
        ]
        return ", ".join(parts)

    @property
    def barrier(self) -> str:
        value = self.response.barrier
        return Response.Barrier(value).label if value in Response.Barrier.values else ""

    @property
    def staff_signature(self) -> SignatureView | None:
        return next((s for s in self.signatures if s.side_value == "staff_side"), None)

    @property
    def dissent(self) -> SignatureView | None:
        signature = self.staff_signature
        return signature if signature and signature.is_dissent else None

    @property
    def ratings_differ(self) -> bool:
        return not self.response.not_applicable and self.response.ratings_differ


@dataclass(frozen=True)
class BasisSummary:
    basis: Basis
    score: scoring.Score
    previous: scoring.Score | None

    @property
    def label(self):
        return self.basis.label

    @property
    def percent(self):
        return percent_text(self.score.percent)

    @property
    def rag(self):
        return rag_tag(self.score.level)

    @property
    def stage(self):
        return self.score.stage.stage.name if self.score.stage else "No stage reached"

    @property
    def rated(self):
        return f"{self.score.rated} of {self.score.applicable}"

    @property
    def previous_percent(self):
        return percent_text(self.previous.percent) if self.previous else "None"

    @property
    def change(self):
        return scoring.trend(self.score, self.previous).overall.text


@dataclass(frozen=True)
class StandardSummary:
    ref: str
    title: str
    management: str
    staff: str
    agreed: str
    agreed_rag: Tag | None
    previous: str
    change: str


@dataclass
class StandardSection:
    ref: str
    title: str
    score: scoring.StandardScore
    rows: list[CriterionRow] = field(default_factory=list)
    # A later slice of the standard's criteria, in a PDF written in parts (ScoredReport.parts).
    continued: bool = False

    @property
    def caption(self) -> str:
        return f"{self.title} (continued)" if self.continued else self.title

    @property
    def percent(self):
        return percent_text(self.score.percent)

    @property
    def rag(self):
        return rag_tag(self.score.level)


@dataclass(frozen=True)
class LeadSignature:
    side: str
    signer: str
    signed_at: object
    side_statement: str
    matches: bool
    message: str


class Report:
    """What both reports share: the cover, the scores, the stage, the trend and the chart."""

    template_name = ""
    name = ""
    slug = ""

    def __init__(self, data: ReportData, *, action_plan_summary=None):
        self.data = data
        self.assessment = data.assessment
        self.organisation = data.assessment.organisation
        self.framework = data.assessment.framework
        # reports.action_plan.ActionPlanSummary: the board report's view and PDF pass the
        # assessment's own; the templates show the action plan section only when it is set.
        self.action_plan_summary = action_plan_summary
        self.generated_at = timezone.now()

    @classmethod
    def build(cls, assessment, *, criteria_with_actions=None, action_plan_summary=None):
        """``criteria_with_actions`` defaults to the criteria the assessment's own action plan
        addresses; ``action_plan_summary`` (for the action plan section) to none."""
        data = ReportData.load(assessment, criteria_with_actions=criteria_with_actions)
        return cls(data, action_plan_summary=action_plan_summary)

    # --- Cover ---

    @property
    def title(self) -> str:
        return f"{self.name}: {self.assessment.title}"

    @property
    def is_draft(self) -> bool:
        return self.data.is_draft

    @property
    def status_text(self) -> str:
        return "DRAFT: not yet jointly signed off" if self.is_draft else "Jointly signed off"

    @property
    def filename(self) -> str:
        return report_filename(self.assessment, self.slug, "pdf")

    # --- Scores ---

    @cached_property
    def scale(self) -> RatingScale:
        return RatingScale(self.data.levels, self.framework.met_value)

    @property
    def agreed(self) -> scoring.Score:
        return self.data.agreed

    @property
    def met_label(self) -> str:
        return self.scale.label(self.framework.met_value)

    @property
    def previous(self):
        return self.data.previous.assessment if self.data.previous else None

    def _previous_score(self, basis):
        return self.data.previous.scores[basis] if self.data.previous else None

    @cached_property
    def bases(self) -> list[BasisSummary]:
        return [
            BasisSummary(basis, self.data.scores[basis], self._previous_score(basis))
            for basis in (Basis.AGREED, Basis.MANAGEMENT, Basis.STAFF_SIDE)
        ]

    @property
    def headline_stage(self) -> str:
        stage = self.agreed.stage
        return stage.stage.name if stage else "No stage reached"

    @property
    def headline_score(self) -> str:
        return percent_text(self.agreed.percent)

    @property
    def headline_rag(self) -> Tag | None:
        return rag_tag(self.agreed.level)

    @property
    def trend_text(self) -> str:
        previous = self._previous_score(Basis.AGREED)
        if previous is None:
            return "No earlier assessment on this framework to compare with"
        change = scoring.trend(self.agreed, previous).overall
        period = self.previous.period
        earlier = percent_text(previous.percent)
        if change.points is None:
            return f"No score to compare with {period}"
        if change.points == 0:
            return f"No change from {earlier} in {period}"
        return f"{change.text} from {earlier} in {period}"

    @property
    def previous_stage(self) -> str | None:
        previous = self._previous_score(Basis.AGREED)
        if previous is None:
            return None
        return previous.stage.stage.name if previous.stage else "No stage reached"

    @property
    def explanation(self) -> list[str]:
        return self.agreed.explanation

    @property
    def stage_results(self):
        return self.agreed.stages

    @property
    def gaps_without_action(self) -> tuple[str, ...]:
        return self.agreed.gaps_without_action

    @cached_property
    def standards(self) -> list[StandardSummary]:
        scores = self.data.scores
        previous = self._previous_score(Basis.AGREED)
        trend = scoring.trend(self.agreed, previous)
        rows = []
        for standard in self.agreed.standards:
            ref = standard.standard.ref
            before = previous.standard(ref) if previous else None
            rows.append(
                StandardSummary(
                    ref=ref,
                    title=standard.standard.title,
                    management=percent_text(scores[Basis.MANAGEMENT].standard(ref).percent),
                    staff=percent_text(scores[Basis.STAFF_SIDE].standard(ref).percent),
                    agreed=percent_text(standard.percent),
                    agreed_rag=rag_tag(standard.level),
                    previous=percent_text(before.percent) if before else "None",
                    change=trend.standards[ref].text,
                )
            )
        return rows

    @cached_property
    def chart(self):
        scores = self.data.scores
        refs = [s.standard.ref for s in self.agreed.standards]
        rows = [
            charts.Row(
                f"{s.standard.ref} {s.standard.title}", f"{s.standard.ref} {s.standard.title}"
            )
            for s in self.agreed.standards
        ]
        series = [
            charts.Series(
                basis.label,
                tuple(scores[basis].standard(ref).percent for ref in refs),
            )
            for basis in (Basis.MANAGEMENT, Basis.STAFF_SIDE, Basis.AGREED)
        ]
        previous = self._previous_score(Basis.AGREED)
        marker = None
        if previous is not None:
            marker = charts.Series(
                f"Agreed, {self.previous.period}",
                tuple(
                    previous.standard(ref).percent if previous.standard(ref) else None
                    for ref in refs
                ),
            )
        description = "; ".join(
            f"{row.ref} {row.title}: management {row.management}, staff side {row.staff}, "
            f"agreed {row.agreed}"
            for row in self.standards
        )
        return charts.bar_chart(
            rows,
            series,
            title="Scores by standard: management side, staff side and agreed",
            description=description,
            threshold=self.data.scale.percent(self.framework.met_value),
            threshold_label=f"Met ({self.scale.label(self.framework.met_value)})",
            marker=marker,
        )

    # --- Criteria ---

    @cached_property
    def rows(self) -> list[CriterionRow]:
        scale = self.scale
        data = self.data
        met = self.framework.met_value
        agreed = {c.ref: c for c in self.agreed.criteria}
        rows = []
        for response in data.responses:
            criterion = response.criterion
            applicable = not response.not_applicable
            signatures = [
                SignatureView(
                    side=s.get_side_display(),
                    side_value=s.side,
                    signer=s.signer.get_full_name(),
                    decision=s.get_decision_display(),
                    decision_value=s.decision,
                    comment=s.comment,
                    signed_at=s.created_at,
                    matches=data.verifications[s.pk].matches,
                    message=data.verifications[s.pk].message,
                )
                for s in sorted(response.active_signatures, key=lambda s: s.side != "management")
            ]
            agreed_score = agreed.get(criterion.ref)
            agreed_rating = agreed_score.rating if agreed_score else None
            if not applicable:
                agreed_note = "Not applicable"
            elif agreed_rating is not None:
                agreed_note = ""
            elif response.is_agreed:
                agreed_note = "Not agreed: a signature does not verify"
            elif response.state == Response.State.DISAGREED:
                agreed_note = "Not agreed: the staff side disagrees"
            elif response.state == Response.State.SUBMITTED:
                agreed_note = "Not agreed: waiting for the staff side"
            else:
                agreed_note = "Not agreed: not yet submitted"
            ratings = [r for r in (response.rating, response.staff_rating) if r is not None]
            lowest = min(ratings) if ratings else None
            is_gap = applicable and lowest is not None and lowest < met
            shortfall = (
                Fraction(criterion.weight) * (100 - data.scale.percent(lowest))
                if is_gap
                else Fraction(0)
            )
            rows.append(
                CriterionRow(
                    response=response,
                    management=scale.tag(response.rating) if applicable else None,
                    staff=scale.tag(response.staff_rating) if applicable else None,
                    agreed=scale.tag(agreed_rating) if applicable else None,
                    agreed_note=agreed_note,
                    signatures=signatures,
                    is_gap=is_gap,
                    shortfall=shortfall,
                )
            )
        return rows

    @property
    def dissent(self) -> list[CriterionRow]:
        """Every disagreement and reservation the staff side has signed."""
        return [row for row in self.rows if row.dissent]

    @property
    def gaps(self) -> list[CriterionRow]:
        """Applicable criteria either side rates below met."""
        return [row for row in self.rows if row.is_gap]

    @property
    def not_applicable(self) -> list[CriterionRow]:
        return [row for row in self.rows if row.response.not_applicable]

    @property
    def unrated(self):
        """Per basis, the applicable criteria with no rating on that basis."""
        return [
            (summary.label, summary.score.unrated_label, summary.score.unrated)
            for summary in self.bases
            if summary.score.unrated
        ]

    # --- Sign-off ---

    @cached_property
    def lead_signatures(self) -> list[LeadSignature]:
        verifications = self.data.sign_off_verifications
        return [
            LeadSignature(
                side=s.get_side_display(),
                signer=s.signer.get_full_name(),
                signed_at=s.created_at,
                side_statement=s.side_statement,
                matches=verifications[s.pk].matches,
                message=verifications[s.pk].message,
            )
            for s in sorted(self.data.sign_offs, key=lambda s: s.side != "management")
        ]

    @property
    def receipt(self) -> str:
        """The ledger's head when the assessment was signed off (see the README)."""
        return sign_off_receipt(self.assessment, self.data.sign_offs)

    @property
    def joint_statement(self) -> str:
        return self.data.sign_offs[0].joint_statement if self.data.sign_offs else ""

    @property
    def staff_statement(self) -> str:
        return next((s.side_statement for s in self.data.sign_offs if s.side == "staff_side"), "")

    @property
    def management_statement(self) -> str:
        return next((s.side_statement for s in self.data.sign_offs if s.side == "management"), "")

    def context(self, *, for_pdf=False) -> dict:
        return {
            "report": self,
            "assessment": self.assessment,
            "for_pdf": for_pdf,
            "base_template": "assessments/reports/_pdf_base.html" if for_pdf else "base.html",
            # The action plan section renders only when this is given.
            "action_plans": self.action_plan_summary,
        }


@dataclass(frozen=True)
class ReportPart:
    """What one part of the scored report shows: the whole report on the page and in most PDFs;
    a slice of it in a long report's PDF, which is written in parts (``ScoredReport.parts``)."""

    sections: list[StandardSection]
    cover: bool = True  # the cover, the summary and the scores by standard
    dissent: bool = True
    closing: bool = True  # gaps, criteria that do not apply, action plans, sign-off
    # Every part of a report written in parts sets the running heads of its pages itself,
    # since the cover that sets them is in the first part only.
    in_parts: bool = False


class ScoredReport(Report):
    template_name = "assessments/reports/scored.html"
    name = "Scored report"
    slug = "scored-report"

    def context(self, *, for_pdf=False, part: ReportPart | None = None) -> dict:
        return {**super().context(for_pdf=for_pdf), "part": part or ReportPart(self.sections)}

    def parts(self, rows_per_part: int) -> list[ReportPart]:
        """The report in parts of about ``rows_per_part`` criteria: the cover with the first
        criteria, further criteria, then the disagreements, then the rest. A standard whose
        criteria do not fit in a part continues, with its table's header row, in the next."""
        groups: list[list[StandardSection]] = [[]]
        used = 0
        for section in self.sections:
            start = 0
            while True:
                room = rows_per_part - used
                remaining = len(section.rows) - start
                # Start a new part rather than leave a slice of a few rows at a part's end.
                if used and remaining > room and (room <= 0 or room < rows_per_part // 4):
                    groups.append([])
                    used, room = 0, rows_per_part
                rows = section.rows[start : start + room]
                groups[-1].append(replace(section, rows=rows, continued=start > 0))
                used += len(rows)
                start += len(rows)
                if start >= len(section.rows):
                    break
        parts = [
            ReportPart(sections, cover=i == 0, dissent=False, closing=False, in_parts=True)
            for i, sections in enumerate(groups)
        ]
        return [
            *parts,
            ReportPart([], cover=False, dissent=True, closing=False, in_parts=True),
            ReportPart([], cover=False, dissent=False, closing=True, in_parts=True),
        ]

    @cached_property
    def sections(self) -> list[StandardSection]:
        by_standard = {}
        for row in self.rows:
            by_standard.setdefault(row.criterion.standard.ref, []).append(row)
        return [
            StandardSection(
                ref=score.standard.ref,
                title=score.standard.title,
                score=score,
                rows=by_standard.get(score.standard.ref, []),
            )
            for score in self.agreed.standards
        ]


class BoardReport(Report):
    template_name = "assessments/reports/board.html"
    name = "Board report"
    slug = "board-report"

    @property
    def top_gaps(self) -> list[CriterionRow]:
        """Up to ten gaps, the largest weighted shortfall first (then framework order)."""
        order = {id(row): i for i, row in enumerate(self.rows)}
        return sorted(self.gaps, key=lambda row: (-row.shortfall, order[id(row)]))[:TOP_GAPS]

    @property
    def more_gaps(self) -> int:
        return max(len(self.gaps) - TOP_GAPS, 0)
