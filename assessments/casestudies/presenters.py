"""How a case study reads, on its page, in the library, in the gap links and in the PDFs.

The one rule for anonymity lives here: a case study published anonymously shows its
organisation, its people (contact, authors, approvers) and its attachments only to members of
that organisation. Everybody else reads "An NHS trust or board in Scotland".
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from partnership.models import Organisation

from ..models import Criterion
from ..presenters import Tag
from .models import CaseStudy

ANONYMOUS_NAMES = {
    Organisation.Sector.NHS_TRUST_OR_BOARD: "An NHS trust or board",
    Organisation.Sector.PRIMARY_CARE: "A primary care organisation",
    Organisation.Sector.INDEPENDENT_OR_VOLUNTARY: "An independent or voluntary provider",
}
STATUS_COLOURS = {
    CaseStudy.Status.DRAFT: "grey",
    CaseStudy.Status.PUBLISHED: "green",
    CaseStudy.Status.WITHDRAWN: "red",
}


def anonymous_name(case_study) -> str:
    kind = ANONYMOUS_NAMES.get(case_study.sector, "An organisation")
    return f"{kind} in {Organisation.Country(case_study.country).label}"


def with_criteria(case_studies):
    """Case studies with the criteria they address (``criteria_list``), their standards and
    frameworks: one more query however many."""
    return case_studies.select_related("organisation").prefetch_related(
        Prefetch(
            "criteria",
            queryset=Criterion.objects.select_related("standard", "framework").order_by(
                "framework__title", "standard__position", "position"
            ),
            to_attr="criteria_list",
        )
    )


def member_organisation_ids(user) -> set:
    return set(Organisation.objects.visible_to(user).values_list("pk", flat=True))


@dataclass(frozen=True)
class CaseStudyView:
    case_study: CaseStudy
    member: bool  # the viewer belongs to the case study's organisation
    today: datetime.date

    @classmethod
    def for_user(cls, case_study, user, *, member_ids=None, today=None):
        if member_ids is None:
            member_ids = member_organisation_ids(user)
        return cls(
            case_study, case_study.organisation_id in member_ids, today or timezone.localdate()
        )

    @classmethod
    def list_for(cls, case_studies, user, *, member_ids=None) -> list[CaseStudyView]:
        if member_ids is None:
            member_ids = member_organisation_ids(user)
        today = timezone.localdate()
        return [cls.for_user(cs, user, member_ids=member_ids, today=today) for cs in case_studies]

    @property
    def reveal(self) -> bool:
        return self.member or not self.case_study.anonymous

    @property
    def organisation_name(self) -> str:
        if self.reveal:
            organisation = self.case_study.organisation
            return f"{organisation.name} ({organisation.ods_code})"
        return anonymous_name(self.case_study)

    @property
    def contact(self) -> str:
        return self.case_study.contact if self.reveal else ""

    @property
    def country(self) -> str:
        return Organisation.Country(self.case_study.country).label

    @property
    def sector(self) -> str:
        return Organisation.Sector(self.case_study.sector).label

    @property
    def status(self) -> Tag:
        case_study = self.case_study
        if self.due_for_review:
            return Tag("Due for review", "orange")
        return Tag(case_study.get_status_display(), STATUS_COLOURS[case_study.status])

    @property
    def due_for_review(self) -> bool:
        return self.case_study.is_published and self.case_study.review_date < self.today

    @property
    def criteria(self) -> list:
        return getattr(self.case_study, "criteria_list", None) or list(
            self.case_study.criteria.select_related("standard", "framework")
        )

    @property
    def standards(self) -> list:
        seen = {}
        for criterion in self.criteria:
            seen.setdefault(criterion.standard_id, criterion.standard)
        return list(seen.values())

    @property
    def frameworks(self) -> list:
        return list({c.framework_id: c.framework for c in self.criteria}.values())

    @property
    def before(self) -> str:
        cs = self.case_study
        if cs.before_rating is None:
            return "No earlier rating in the organisation's assessments"
        return f"{cs.before_label} ({cs.before_period})"

    @property
    def after(self) -> str:
        cs = self.case_study
        if cs.after_rating is None:
            return "Not rated yet"
        return f"{cs.after_label} ({cs.after_period})"
