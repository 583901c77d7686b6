"""The four-country guide: for each area of the IWL 2009 edition, the equivalent criteria in
each country's own framework, side by side (through ``equivalent`` crosswalk pairs)."""

from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Prefetch

from ..casestudies.library import case_studies_by_area
from ..models import Criterion
from .services import equivalence_map, latest_version

GUIDE_FRAMEWORK = "iwl-framework-2009"
COUNTRY_FRAMEWORKS = (
    ("Scotland", "staff-governance-standard"),
    ("Wales", "wales-partnership-and-wellbeing"),
    ("Northern Ireland", "ni-working-lives"),
)


@dataclass(frozen=True)
class Column:
    country: str
    slug: str
    framework: object  # the newest loaded version, or None


@dataclass(frozen=True)
class GuideRow:
    criterion: Criterion
    cells: list  # per column: the equivalent criteria (possibly none)


@dataclass(frozen=True)
class Area:
    standard: object
    rows: list
    case_studies: list = field(default_factory=list)


class FourCountryGuide:
    template_name = "assessments/crosswalks/guide.html"
    name = "Four-country guide"
    slug = "four-country-guide"
    organisation = None

    def __init__(self, user=None):
        self.framework = latest_version(GUIDE_FRAMEWORK)
        self.user = user

    @cached_property
    def columns(self) -> list[Column]:
        return [Column(country, slug, latest_version(slug)) for country, slug in COUNTRY_FRAMEWORKS]

    @cached_property
    def areas(self) -> list[Area]:
        if self.framework is None:
            return []
        maps = [
            equivalence_map(self.framework, column.framework) if column.framework else {}
            for column in self.columns
        ]
        # Published case studies per area, as this reader may see them (none without a reader).
        case_studies = case_studies_by_area(self.framework, self.user) if self.user else {}
        standards = self.framework.standards.order_by("position").prefetch_related(
            Prefetch("criteria", queryset=Criterion.objects.order_by("position"))
        )
        return [
            Area(
                standard=standard,
                rows=[
                    GuideRow(criterion, [found.get(criterion.ref, []) for found in maps])
                    for criterion in standard.criteria.all()
                ],
                case_studies=case_studies.get(standard.pk, []),
            )
            for standard in standards
        ]

    def context(self, *, for_pdf=False) -> dict:
        return {
            "report": self,
            "guide": self,
            "for_pdf": for_pdf,
            "base_template": "assessments/reports/_pdf_base.html" if for_pdf else "base.html",
        }
