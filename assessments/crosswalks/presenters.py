"""The carry-over report: every criterion of a next cycle and what came across from where."""

import csv
import io
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Prefetch

from ..reports.exports import safe
from .models import CarryOver, CrosswalkUnmapped
from .services import find_crosswalk


@dataclass(frozen=True)
class CarryOverRow:
    response: object
    carry_overs: list
    unmapped_reason: str

    @property
    def criterion(self):
        return self.response.criterion

    @property
    def answer(self):
        return next((c for c in self.carry_overs if c.carried == CarryOver.Carried.ANSWER), None)

    @property
    def summary(self) -> str:
        """What came across, in words."""
        if not self.carry_overs:
            return "Nothing: starts empty"
        if self.answer is not None:
            return "Rating, narrative, reason, files and links"
        return "Files and links only"

    @property
    def sources(self) -> list[str]:
        return [
            f"{c.source_ref} in {c.source_period} ({c.get_relation_display().lower()}): "
            f"{c.files} {'file' if c.files == 1 else 'files'}, "
            f"{c.links} {'link' if c.links == 1 else 'links'}"
            + (f" (crosswalk note: {c.note})" if c.note else "")
            for c in self.carry_overs
        ]


class CarryOverReport:
    template_name = "assessments/crosswalks/carry_over.html"

    def __init__(self, assessment):
        self.assessment = assessment
        self.previous = assessment.previous

    @cached_property
    def crosswalk(self):
        if self.previous is None:
            return None
        return find_crosswalk(self.previous.framework, self.assessment.framework)[0]

    @cached_property
    def rows(self) -> list[CarryOverRow]:
        responses = self.assessment.responses.select_related(
            "criterion__standard"
        ).prefetch_related(Prefetch("carry_overs", queryset=CarryOver.objects.order_by("id")))
        unmapped = {}
        if self.crosswalk is not None:
            side = (
                CrosswalkUnmapped.Side.TO
                if self.crosswalk.to_framework_id == self.assessment.framework_id
                else CrosswalkUnmapped.Side.FROM
            )
            unmapped = dict(
                self.crosswalk.unmapped.filter(side=side).values_list("criterion_id", "reason")
            )
        return [
            CarryOverRow(
                response=response,
                carry_overs=list(response.carry_overs.all()),
                unmapped_reason=unmapped.get(response.criterion_id, ""),
            )
            for response in responses
        ]

    @property
    def counts(self) -> dict[str, int]:
        answers = sum(1 for row in self.rows if row.answer is not None)
        evidence = sum(1 for row in self.rows if row.carry_overs and row.answer is None)
        return {
            "answers": answers,
            "evidence": evidence,
            "empty": len(self.rows) - answers - evidence,
        }

    def csv(self) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            ["Standard", "Ref", "Criterion", "Status", "Carried", "From", "No counterpart because"]
        )
        for row in self.rows:
            writer.writerow(
                safe(value)
                for value in (
                    row.criterion.standard.ref,
                    row.criterion.ref,
                    row.criterion.statement,
                    row.response.get_status_display(),
                    row.summary,
                    "; ".join(row.sources),
                    row.unmapped_reason,
                )
            )
        return buffer.getvalue().encode("utf-8-sig")
