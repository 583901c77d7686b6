"""Disclosure control: no figure computed from fewer than ``ROLLUP_MIN_ORGANISATIONS``
organisations is shown.

Counts are grouped in partitions (the organisations at each rating level add up to the
organisations assessed; the barrier categories add up to those below met). A count of 1 up to
one below the threshold is suppressed (primary); then, while a partition's suppressed cells
could be worked out from its total (only one is hidden, or together they come to fewer than the
threshold), the smallest visible cell is suppressed too (secondary). A partition whose total is
below the threshold is suppressed whole.
"""

from dataclasses import dataclass

from django.conf import settings

SUPPRESSED = "*"


def threshold() -> int:
    return int(getattr(settings, "ROLLUP_MIN_ORGANISATIONS", 5))


@dataclass(frozen=True)
class Cell:
    value: int | float | None  # None: suppressed

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def __str__(self):
        return SUPPRESSED if self.value is None else str(self.value)

    def as_json(self):
        return SUPPRESSED if self.value is None else self.value


def suppress_partition(total: int, counts: dict, minimum: int | None = None) -> tuple[Cell, dict]:
    """``counts`` (key -> organisations) adding up to ``total``: the cells to show."""
    minimum = threshold() if minimum is None else minimum
    if total < minimum:
        return Cell(None), {key: Cell(None) for key in counts}
    hidden = {key for key, value in counts.items() if 0 < value < minimum}
    while hidden and (len(hidden) == 1 or sum(counts[k] for k in hidden) < minimum):
        visible = [key for key in counts if key not in hidden]
        if not visible:
            break
        hidden.add(min(visible, key=lambda key: counts[key]))
    return Cell(total), {
        key: Cell(None if key in hidden else value) for key, value in counts.items()
    }


def suppress_statistic(value, organisations: int, minimum: int | None = None) -> Cell:
    """A mean, median or quartile over ``organisations``."""
    minimum = threshold() if minimum is None else minimum
    return Cell(value if organisations >= minimum else None)
