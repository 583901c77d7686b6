"""Finding case studies: the library's search and filters, and the case studies that closed a
gap, for the criterion page, the gap list and (through ``equivalent_criteria``) the crosswalks
and the network gap map. Every query starts from ``CaseStudy.objects.visible_to(user)``, so the
audience rule is applied once, here."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from ..crosswalks.services import equivalents_anywhere
from ..models import Criterion, Standard
from .models import CaseStudy

SEARCHED_FIELDS = ("title", "summary", "what_was_done", "impact", "joint_working", "differently")


def published_for(user):
    return CaseStudy.objects.visible_to(user).published()


def _same_criteria(criteria) -> Q:
    """The criteria themselves, and the same refs in other versions of their frameworks."""
    refs_by_slug: dict[str, set] = {}
    for criterion in criteria:
        refs_by_slug.setdefault(criterion.framework.slug, set()).add(criterion.ref)
    q = Q(pk__in=[c.pk for c in criteria])
    for slug, refs in refs_by_slug.items():
        q |= Q(framework__slug=slug, ref__in=sorted(refs))
    return q


def case_studies_closing(criterion, user, equivalent_criteria=()):
    """Published case studies visible to ``user`` on ``criterion`` (any version of its
    framework) or on any of ``equivalent_criteria`` (criteria, or a queryset of them such as
    ``crosswalks.services.equivalents_anywhere``). One query."""
    if isinstance(equivalent_criteria, QuerySet):
        matching = _same_criteria([criterion]) | Q(pk__in=equivalent_criteria.values("pk"))
    else:
        matching = _same_criteria([criterion, *equivalent_criteria])
    criteria = Criterion.objects.filter(matching).values("pk")
    return (
        published_for(user)
        .filter(_addressing(criteria))
        .select_related("organisation", "criterion__standard")
        .order_by("-published_at")
    )


def closing_counts(criteria, user) -> dict:
    """For a gap list: criterion pk to the number of case studies closing it (same framework
    slug and ref), for every criterion in ``criteria``. One query."""
    criteria = list(criteria)
    if not criteria:
        return {}
    rows = (
        published_for(user)
        .filter(criteria__in=Criterion.objects.filter(_same_criteria(criteria)))
        .values("criteria__framework__slug", "criteria__ref")
        .annotate(n=Count("pk", distinct=True))
    )
    by_ref = {(row["criteria__framework__slug"], row["criteria__ref"]): row["n"] for row in rows}
    return {c.pk: by_ref.get((c.framework.slug, c.ref), 0) for c in criteria}


def search(case_studies, text: str):
    """Full-text search with ranking on PostgreSQL; every word somewhere, on SQLite."""
    text = " ".join(text.split())
    if not text:
        return case_studies
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = (
            SearchVector("title", weight="A", config="english")
            + SearchVector("summary", weight="B", config="english")
            + SearchVector(*SEARCHED_FIELDS[2:], weight="C", config="english")
        )
        query = SearchQuery(text, search_type="websearch", config="english")
        return (
            case_studies.annotate(search=vector, rank=SearchRank(vector, query))
            .filter(search=query)
            .order_by("-rank", "-published_at")
        )
    for word in text.split():
        any_field = Q()
        for name in SEARCHED_FIELDS:
            any_field |= Q(**{f"{name}__icontains": word})
        case_studies = case_studies.filter(any_field)
    return case_studies


def _addressing(criteria) -> Q:
    through = CaseStudy.criteria.through.objects.filter(criterion__in=criteria)
    return Q(pk__in=through.values("casestudy_id"))


def apply_filters(case_studies, *, standard=None, criterion=None, country="", sector="", year=None):
    """Narrow by framework area (any version of the standard), criterion (any version),
    country, sector and year of publication. Subqueries, not joins: no duplicates."""
    if standard is not None:
        case_studies = case_studies.filter(
            _addressing(
                Criterion.objects.filter(
                    standard__framework__slug=standard.framework.slug, standard__ref=standard.ref
                )
            )
        )
    if criterion is not None:
        case_studies = case_studies.filter(
            _addressing(Criterion.objects.filter(_same_criteria([criterion])))
        )
    if country:
        case_studies = case_studies.filter(country=country)
    if sector:
        case_studies = case_studies.filter(sector=sector)
    if year:
        case_studies = case_studies.filter(published_at__year=year)
    return case_studies


def filter_choices(user) -> dict:
    """What the library's filters offer: the standards, criteria and years of the case
    studies this user can see. Three queries."""
    visible = published_for(user)
    criteria = (
        Criterion.objects.filter(case_studies__in=visible)
        .select_related("framework", "standard")
        .distinct()
        .order_by("framework__title", "standard__position", "position")
    )
    standards = (
        Standard.objects.filter(criteria__case_studies__in=visible)
        .select_related("framework")
        .distinct()
        .order_by("framework__title", "position")
    )
    years = sorted(
        {moment.year for moment in visible.values_list("published_at", flat=True) if moment},
        reverse=True,
    )
    return {"criteria": list(criteria), "standards": list(standards), "years": years}


def criterion_panel(user, response, *, below_met: bool) -> dict:
    """What the criterion page says about case studies: for a gap, how many organisations
    closed it (one query); for a criterion agreed as met, whether this user may write one
    (no query: memberships are cached for the request)."""
    from .services import can_draft, is_agreed_met

    criterion = response.criterion
    criterion.framework = response.assessment.framework  # the same framework: no query
    organisation = response.assessment.organisation
    return {
        "criterion": criterion,
        "response": response,
        "closing": (
            case_studies_closing(criterion, user, equivalents_anywhere(criterion)).count()
            if below_met
            else None
        ),
        "can_write": is_agreed_met(response) and bool(can_draft(user, organisation)),
    }


@dataclass(frozen=True)
class AreaCaseStudy:
    title: str
    organisation: str
    url: str


def case_studies_by_area(framework, user) -> dict:
    """For the four-country guide: ``{standard id: [AreaCaseStudy, ...]}``, the published case
    studies ``user`` may see that address a criterion of ``framework`` or one a crosswalk marks
    equivalent to it, under each of ``framework``'s standards. Five queries, whatever the size;
    anonymous ones never name the organisation outside it."""
    from ..crosswalks.models import CrosswalkPair, Relation
    from .presenters import CaseStudyView

    area_of = {
        pk: {standard_id}
        for pk, standard_id in Criterion.objects.filter(framework=framework).values_list(
            "pk", "standard_id"
        )
    }
    own = dict(area_of)
    pairs = CrosswalkPair.objects.filter(relation=Relation.EQUIVALENT).filter(
        Q(from_criterion__framework=framework) | Q(to_criterion__framework=framework)
    )
    for a, b in pairs.values_list("from_criterion_id", "to_criterion_id"):
        for mine, other in ((a, b), (b, a)):
            if mine in own:
                area_of.setdefault(other, set()).update(own[mine])
    visible = published_for(user)
    links = list(
        CaseStudy.criteria.through.objects.filter(
            criterion_id__in=list(area_of), casestudy_id__in=visible.values("pk")
        ).values_list("casestudy_id", "criterion_id")
    )
    studies = visible.filter(pk__in={cs for cs, _ in links}).select_related("organisation")
    views = {view.case_study.pk: view for view in CaseStudyView.list_for(studies, user)}
    result: dict = {}
    for case_study_id, criterion_id in links:
        view = views[case_study_id]
        for standard_id in area_of[criterion_id]:
            result.setdefault(standard_id, {})[case_study_id] = AreaCaseStudy(
                title=view.case_study.title,
                organisation=view.organisation_name,
                url=reverse("casestudies:case_study", args=[case_study_id]),
            )
    return {standard_id: list(found.values()) for standard_id, found in result.items()}
