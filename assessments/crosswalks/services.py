"""What crosswalks answer for the rest of the application.

    carry_plan(old_framework, new_framework)       where each new criterion's answer comes from
    next_cycle_frameworks(framework, frameworks)   versions a next cycle may move to
    equivalent_criteria(criterion, target)         a criterion's equivalents in another version
    equivalent_criteria_for_ref(framework, ref, target)
    equivalence_map(source, target)                every criterion's equivalents, in two queries

A crosswalk is read in both directions: loaded as A to B, it also maps B to A, with
``broader`` and ``narrower`` swapped. Only ``equivalent`` pairs count as the same criterion.
"""

from dataclasses import dataclass

from django.db.models import Count, Q

from ..models import Criterion, Framework
from .models import CarryOver, Crosswalk, CrosswalkPair, Relation


@dataclass(frozen=True)
class Source:
    """One criterion of the previous framework that a new criterion carries from."""

    ref: str
    relation: str  # a CarryOver.Kind value
    note: str = ""  # the crosswalk pair's note

    @property
    def carries_answer(self):
        return self.relation in (CarryOver.Kind.SAME, CarryOver.Kind.EQUIVALENT)


def find_crosswalk(old_framework, new_framework):
    """``(crosswalk, reversed)`` between two versions in either direction, or ``(None, False)``."""
    if old_framework.pk == new_framework.pk:
        return None, False
    for crosswalk in Crosswalk.objects.filter(
        Q(from_framework=old_framework, to_framework=new_framework)
        | Q(from_framework=new_framework, to_framework=old_framework)
    ):
        return crosswalk, crosswalk.from_framework_id != old_framework.pk
    return None, False


def _oriented_pairs(crosswalk, reverse):
    """``(old ref, new ref, relation, note)`` for every pair, in the file's order."""
    pairs = crosswalk.pairs.order_by("position").values_list(
        "from_criterion__ref", "to_criterion__ref", "relation", "note"
    )
    for from_ref, to_ref, relation, note in pairs:
        if reverse:
            yield to_ref, from_ref, Relation(relation).reversed.value, note
        else:
            yield from_ref, to_ref, relation, note


def carry_plan(old_framework, new_framework):
    """``{new ref: [Source, ...]}``: through a crosswalk between the two versions when there is
    one, otherwise criterion by criterion with the same ref. Sources that carry the answer come
    first."""
    crosswalk, reverse = find_crosswalk(old_framework, new_framework)
    if crosswalk is None:
        new_refs = set(new_framework.criteria.values_list("ref", flat=True))
        return {
            ref: [Source(ref, CarryOver.Kind.SAME)]
            for ref in old_framework.criteria.values_list("ref", flat=True)
            if ref in new_refs
        }
    plan = {}
    for old_ref, new_ref, relation, note in _oriented_pairs(crosswalk, reverse):
        plan.setdefault(new_ref, []).append(Source(old_ref, relation, note))
    for sources in plan.values():
        sources.sort(key=lambda source: not source.carries_answer)  # stable: file order kept
    return plan


def next_cycle_frameworks(framework, frameworks):
    """Of ``frameworks`` (a queryset), the versions a next cycle from ``framework`` may use:
    every version of the same framework, and every version a crosswalk connects it to."""
    linked = Crosswalk.objects.filter(Q(from_framework=framework) | Q(to_framework=framework))
    return frameworks.filter(
        Q(slug=framework.slug)
        | Q(pk__in=linked.values("to_framework"))
        | Q(pk__in=linked.values("from_framework"))
    )


def _equivalent_pairs(source_framework, target_framework):
    return CrosswalkPair.objects.filter(relation=Relation.EQUIVALENT).filter(
        Q(
            crosswalk__from_framework=source_framework,
            crosswalk__to_framework=target_framework,
        )
        | Q(
            crosswalk__from_framework=target_framework,
            crosswalk__to_framework=source_framework,
        )
    )


def equivalence_map(source_framework, target_framework) -> dict[str, list[Criterion]]:
    """``{source ref: [equivalent criteria of target_framework]}``, for every source criterion
    that has any, in the target framework's order. Two queries, whatever the size (one more
    for each framework given as a slug, meaning its newest loaded version)."""
    source_framework, target_framework = _version(source_framework), _version(target_framework)
    if source_framework is None or target_framework is None:
        return {}
    pairs = list(
        _equivalent_pairs(source_framework, target_framework).values_list(
            "crosswalk__from_framework_id", "from_criterion_id", "to_criterion_id"
        )
    )
    links = {}
    for from_framework_id, from_id, to_id in pairs:
        source_id, target_id = (
            (from_id, to_id) if from_framework_id == source_framework.pk else (to_id, from_id)
        )
        links.setdefault(target_id, set()).add(source_id)
    if not links:
        return {}
    criteria = Criterion.objects.filter(
        Q(pk__in=links) | Q(pk__in={s for sources in links.values() for s in sources})
    ).select_related("standard")
    by_id = {criterion.pk: criterion for criterion in criteria}
    result = {}
    targets = sorted((by_id[pk] for pk in links), key=lambda c: (c.standard.position, c.position))
    for target in targets:
        for source_id in links[target.pk]:
            result.setdefault(by_id[source_id].ref, []).append(target)
    return result


def _version(framework):
    """A Framework version as given, or the newest loaded version of a slug (or None)."""
    return latest_version(framework) if isinstance(framework, str) else framework


def equivalent_criteria(criterion, target_framework) -> list[Criterion]:
    """The criteria of ``target_framework`` (a Framework version, or a slug for its newest
    loaded version) that a crosswalk marks as ``equivalent`` to ``criterion``, read in both
    directions."""
    target_framework = _version(target_framework)
    if target_framework is None:
        return []
    pairs = _equivalent_pairs(criterion.framework_id, target_framework)
    ids = pairs.filter(from_criterion=criterion).values("to_criterion")
    reverse_ids = pairs.filter(to_criterion=criterion).values("from_criterion")
    return list(
        Criterion.objects.filter(framework=target_framework)
        .filter(Q(pk__in=ids) | Q(pk__in=reverse_ids))
        .order_by("standard__position", "position")
    )


def equivalents_anywhere(criterion):
    """Every criterion, in any framework, that a crosswalk marks ``equivalent`` to
    ``criterion``, read in both directions: a lazy queryset, usable as a subquery."""
    pairs = CrosswalkPair.objects.filter(relation=Relation.EQUIVALENT)
    return Criterion.objects.filter(
        Q(pk__in=pairs.filter(from_criterion=criterion).values("to_criterion"))
        | Q(pk__in=pairs.filter(to_criterion=criterion).values("from_criterion"))
    )


def equivalent_criteria_for_ref(framework, ref, target_framework) -> list[Criterion]:
    """As :func:`equivalent_criteria`, for the criterion ``ref`` of ``framework``; an unknown
    ref raises Criterion.DoesNotExist."""
    return equivalent_criteria(framework.criteria.get(ref=ref), target_framework)


def latest_version(slug):
    """The newest loaded version of a framework, or None."""
    return Framework.objects.filter(slug=slug).order_by("-publication_date", "-created_at").first()


def crosswalks_of(framework):
    """``[(other framework version, number of pairs)]`` for every crosswalk that maps
    ``framework``, in either direction, in title order."""
    crosswalks = (
        Crosswalk.objects.filter(Q(from_framework=framework) | Q(to_framework=framework))
        .select_related("from_framework", "to_framework")
        .annotate(pair_count=Count("pairs"))
    )
    found = [
        (c.to_framework if c.from_framework_id == framework.pk else c.from_framework, c.pair_count)
        for c in crosswalks
    ]
    return sorted(found, key=lambda item: (item[0].title, item[0].version))
