"""How checklist data reads on a page: ratings, statuses, progress, filters and history.

Pages (and, later, PDFs) share these so that a rating or a history entry always reads the same.
Nothing here fetches per row: callers pass in rows they fetched in bulk.
"""

import functools
from dataclasses import dataclass, field, fields

from django.db.models import Count, Exists, OuterRef, Q

from .models import EvidenceFile, EvidenceLink, RatingLevel, Response, ResponseChange
from .services import RESPONSE_FIELDS


@functools.lru_cache(maxsize=64)
def framework_levels(framework_id) -> tuple:
    """A framework version's rating levels, read once per process: a loaded version never
    changes (ADR 6). Tests clear the cache (tests/conftest.py) so query counts do not depend on
    the order tests run in."""
    return tuple(RatingLevel.objects.filter(framework_id=framework_id).order_by("value"))


# The history and the conflict page name fields in plain English.
FIELD_LABELS = {
    "rating": "Rating",
    "not_applicable": "Does not apply",
    "not_applicable_reason": "Why it does not apply",
    "narrative": "Evidence narrative",
    "barrier": "Main reason it is not in place",
    "barrier_detail": "Why it is not in place",
    "status": "Status",
}

# NHS.UK tag colour for each RAG colour of a rating scale.
TAG_FOR_RAG = {"red": "red", "amber": "orange", "green": "green"}


@dataclass(frozen=True)
class Tag:
    text: str
    colour: str

    @property
    def css_class(self):
        return f"nhsuk-tag nhsuk-tag--{self.colour}"


class RatingScale:
    """A framework's rating levels, read once per page and looked up by value."""

    def __init__(self, levels, met_value):
        self.levels = list(levels)
        self.met_value = met_value
        self.by_value = {level.value: level for level in self.levels}

    @classmethod
    def for_framework(cls, framework):
        return cls(framework_levels(framework.pk), framework.met_value)

    def label(self, value):
        if value is None:
            return "No rating"
        level = self.by_value.get(value)
        return level.label if level else f"{value} (not on this scale)"

    def tag(self, value):
        if value is None:
            return None
        level = self.by_value.get(value)
        colour = TAG_FOR_RAG.get(level.rag, "grey") if level else "grey"
        return Tag(self.label(value), colour)

    def is_below_met(self, value):
        return value is not None and value < self.met_value


def status_tag(response) -> Tag:
    if response.not_applicable:
        return Tag("Not applicable", "grey")
    if response.status == Response.Status.REVIEWED:
        return Tag("Reviewed", "blue")
    return Tag("To review", "white")


def display_value(name, value, scale: RatingScale) -> str:
    """One response field's value as people read it."""
    if name == "rating":
        return scale.label(value)
    if name == "not_applicable":
        return "Yes" if value else "No"
    if name == "barrier":
        return Response.Barrier(value).label if value in Response.Barrier.values else "None given"
    if name == "status":
        return Response.Status(value).label if value in Response.Status.values else str(value)
    return value if value not in (None, "") else "Blank"


# Filters over an assessment's responses. Each is one Q, so that a list of matching criteria
# and the counts on the overview can never disagree.
@dataclass(frozen=True)
class CriteriaFilter:
    slug: str
    title: str
    link_text: str
    description: str

    def q(self, met_value) -> Q:
        if self.slug == "not_reviewed":
            return Q(status=Response.Status.TO_REVIEW)
        if self.slug == "below_met":
            return Q(not_applicable=False, rating__lt=met_value)
        if self.slug == "not_applicable":
            return Q(not_applicable=True)
        if self.slug == "no_evidence":
            return (
                Q(not_applicable=False, narrative="")
                & ~Exists(EvidenceFile.objects.filter(response=OuterRef("pk")))
                & ~Exists(EvidenceLink.objects.filter(response=OuterRef("pk")))
            )
        raise ValueError(self.slug)


FILTERS = {
    f.slug: f
    for f in (
        CriteriaFilter(
            "not_reviewed",
            "Criteria not yet reviewed",
            "Not yet reviewed",
            "Criteria with no rating that are not marked as not applicable.",
        ),
        CriteriaFilter(
            "below_met",
            "Criteria below met",
            "Below met",
            "Criteria rated below the level that counts as met.",
        ),
        CriteriaFilter(
            "not_applicable",
            "Criteria that do not apply",
            "Not applicable",
            "Criteria marked as not applicable to the organisation.",
        ),
        CriteriaFilter(
            "no_evidence",
            "Criteria with no evidence",
            "No evidence",
            "Criteria that apply but have no evidence narrative, no files and no links.",
        ),
    )
}


@dataclass
class Progress:
    """Progress through the checklist: criteria reviewed out of those that apply.

    Progress is not the score: a criterion rated "not in place" counts as reviewed.
    """

    applicable: int = 0
    reviewed: int = 0
    not_reviewed: int = 0
    below_met: int = 0
    not_applicable: int = 0
    no_evidence: int = 0

    @property
    def percent(self):
        return round(100 * self.reviewed / self.applicable) if self.applicable else 100

    @property
    def is_complete(self):
        return self.reviewed == self.applicable

    def count(self, slug):
        return getattr(self, slug)

    def __add__(self, other):
        return Progress(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )


def progress_by_standard(assessment) -> dict:
    """Progress for each standard of the assessment (by standard id), in one query."""
    met = assessment.framework.met_value
    rows = (
        assessment.responses.order_by()
        .values("criterion__standard")
        .annotate(
            n_applicable=Count("pk", filter=Q(not_applicable=False)),
            n_reviewed=Count("pk", filter=Q(not_applicable=False, status=Response.Status.REVIEWED)),
            **{f"n_{slug}": Count("pk", filter=f.q(met)) for slug, f in FILTERS.items()},
        )
    )
    return {
        row["criterion__standard"]: Progress(
            applicable=row["n_applicable"],
            reviewed=row["n_reviewed"],
            **{slug: row[f"n_{slug}"] for slug in FILTERS},
        )
        for row in rows
    }


def responses_with_evidence_counts(assessment):
    """The assessment's responses in checklist order, each with file_count and link_count."""
    return (
        assessment.responses.select_related("criterion__standard")
        .annotate(
            file_count=Count("files", distinct=True),
            link_count=Count("links", distinct=True),
        )
        .order_by("criterion__standard__position", "criterion__position")
    )


@dataclass
class CriterionRow:
    response: Response
    rating: Tag | None
    status: Tag
    file_count: int
    link_count: int

    @property
    def criterion(self):
        return self.response.criterion

    @property
    def evidence(self):
        parts = []
        if self.response.narrative:
            parts.append("narrative")
        if self.file_count:
            parts.append(f"{self.file_count} file{'s' if self.file_count != 1 else ''}")
        if self.link_count:
            parts.append(f"{self.link_count} link{'s' if self.link_count != 1 else ''}")
        return ", ".join(parts).capitalize() if parts else "None"


def criterion_rows(responses, scale: RatingScale) -> list[CriterionRow]:
    """Rows for a table of criteria, from responses_with_evidence_counts()."""
    return [
        CriterionRow(
            response=r,
            rating=None if r.not_applicable else scale.tag(r.rating),
            status=status_tag(r),
            file_count=r.file_count,
            link_count=r.link_count,
        )
        for r in responses
    ]


@dataclass(frozen=True)
class Neighbour:
    pk: object
    ref: str


@dataclass(frozen=True)
class Neighbours:
    previous: Neighbour | None
    next: Neighbour | None
    position: int
    count: int


def neighbours(response) -> Neighbours:
    """The criteria before and after this one in the checklist, in one query."""
    order = list(
        response.assessment.responses.order_by(
            "criterion__standard__position", "criterion__position"
        ).values_list("pk", "criterion__ref")
    )
    index = next(i for i, (pk, _) in enumerate(order) if pk == response.pk)
    return Neighbours(
        previous=Neighbour(*order[index - 1]) if index > 0 else None,
        next=Neighbour(*order[index + 1]) if index + 1 < len(order) else None,
        position=index + 1,
        count=len(order),
    )


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    change: ResponseChange
    fields: list[FieldChange] = field(default_factory=list)
    description: str = ""

    @property
    def who(self):
        return self.change.user.get_full_name() if self.change.user else "Someone no longer here"


def history(changes, scale: RatingScale) -> list[HistoryEntry]:
    """ResponseChange rows as people read them: field names in words, ratings by label."""
    order = {name: i for i, name in enumerate((*RESPONSE_FIELDS, "status"))}
    entries = []
    for change in changes:
        data = change.changes if isinstance(change.changes, dict) else {}
        if change.kind != ResponseChange.Kind.EDITED:
            entries.append(HistoryEntry(change, description=str(data.get("description", ""))))
            continue
        fields = [
            FieldChange(
                label=FIELD_LABELS.get(name, name.replace("_", " ").capitalize()),
                old=display_value(name, values[0], scale),
                new=display_value(name, values[1], scale),
            )
            for name, values in sorted(data.items(), key=lambda item: order.get(item[0], 99))
            if isinstance(values, list | tuple) and len(values) == 2
        ]
        entries.append(HistoryEntry(change, fields=fields))
    return entries


@dataclass(frozen=True)
class ConflictRow:
    label: str
    theirs: str
    yours: str

    @property
    def differs(self):
        return self.theirs != self.yours


def conflict_rows(current: Response, yours: dict, scale: RatingScale) -> list[ConflictRow]:
    """The saved answer next to the user's unsaved one, field by field."""
    return [
        ConflictRow(
            label=FIELD_LABELS[name],
            theirs=display_value(name, getattr(current, name), scale),
            yours=display_value(name, yours.get(name), scale),
        )
        for name in RESPONSE_FIELDS
    ]


def same_answer(current: Response, data: dict) -> bool:
    """Whether a save would change nothing: a refused save that matches is no conflict."""
    return all(getattr(current, name) == data.get(name) for name in RESPONSE_FIELDS)
