"""The partnership machinery of a network's joined members, rolled up: meetings held against
planned, the share that were quorate on both sides, the share with minutes agreed by both
chairs within 30 days, and actions now overdue (``partnership.forums.services``, last 12
months). The same disclosure control as every roll-up: no figure from fewer than the threshold
of organisations. Four queries, whatever the number of organisations."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from partnership.forums.services import health_by_organisation

from .disclosure import Cell, suppress_partition, suppress_statistic
from .queries import NO_FILTERS, members


def _percent(part, whole):
    if not whole:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class MachineryReport:
    members: int  # joined organisations (after the filters)
    with_forums: Cell  # of them, with at least one forum
    forums: Cell
    planned: Cell
    held: Cell
    quorate_percent: Cell
    minutes_agreed_percent: Cell
    overdue_actions: Cell
    with_overdue_actions: Cell  # organisations with at least one overdue action


def machinery(network, filters=NO_FILTERS, *, now=None) -> MachineryReport:
    ids = list(members(network, filters).values_list("organisation_id", flat=True))
    health = health_by_organisation(ids, now=now)
    forums = [f for found in health.values() for f in found]
    reporting = sum(1 for found in health.values() if found)
    overdue_orgs = sum(1 for found in health.values() if any(f.overdue_actions for f in found))
    held = sum(f.held for f in forums)
    _, shares = suppress_partition(len(ids), {"with": reporting, "without": len(ids) - reporting})
    _, overdue = suppress_partition(
        reporting, {"overdue": overdue_orgs, "none": reporting - overdue_orgs}
    )

    def over_reporting(value):
        return suppress_statistic(value, reporting)

    return MachineryReport(
        members=len(ids),
        with_forums=shares["with"],
        forums=over_reporting(len(forums)),
        planned=over_reporting(sum(f.planned for f in forums)),
        held=over_reporting(held),
        quorate_percent=over_reporting(_percent(sum(f.quorate for f in forums), held)),
        minutes_agreed_percent=over_reporting(
            _percent(sum(f.minutes_agreed_in_time for f in forums), held)
        ),
        overdue_actions=over_reporting(sum(f.overdue_actions for f in forums)),
        with_overdue_actions=overdue["overdue"],
    )


__all__ = ["Cell", "MachineryReport", "machinery"]
