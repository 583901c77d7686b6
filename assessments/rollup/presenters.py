"""What the network pages, the audit report PDF and the exports show, built once from the
roll-up queries so that screen, paper and files never drift."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms

from partnership.models import Network, Organisation

from . import queries


class RollupFilterForm(forms.Form):
    """The framework, period and filters of a network page, from the query string."""

    framework = forms.ChoiceField(label="Framework", required=False)
    period = forms.ChoiceField(label="Period", required=False)
    country = forms.ChoiceField(
        label="Country", required=False, choices=[("", "All")] + Organisation.Country.choices
    )
    sector = forms.ChoiceField(
        label="Sector", required=False, choices=[("", "All")] + Organisation.Sector.choices
    )
    region = forms.ChoiceField(label="Region or integrated care system", required=False)
    child = forms.ChoiceField(label="Network within this one", required=False)
    in_terms_of = forms.ChoiceField(
        label="Show the gap map in the terms of",
        required=False,
    )

    def __init__(self, data, *, network: Network, frameworks, periods, regions, children):
        super().__init__(data)
        self.fields["framework"].choices = frameworks
        self.fields["in_terms_of"].choices = [("", "The framework itself")] + frameworks
        self.fields["period"].choices = [(p, p) for p in periods]
        self.fields["region"].choices = [("", "All")] + [(r, r) for r in regions]
        self.fields["child"].choices = [("", "All")] + [(c.slug, c.name) for c in children]
        self.children = {c.slug: c for c in children}


@dataclass
class Selection:
    network: Network
    slug: str
    framework_title: str
    period: str
    filters: queries.Filters
    form: RollupFilterForm
    in_terms_of: str = ""

    @property
    def query_string(self) -> str:
        return self.form.data.urlencode() if hasattr(self.form.data, "urlencode") else ""

    @property
    def filter_text(self) -> str:
        parts = []
        if self.filters.country:
            parts.append(dict(Organisation.Country.choices)[self.filters.country])
        if self.filters.sector:
            parts.append(dict(Organisation.Sector.choices)[self.filters.sector])
        if self.filters.region:
            parts.append(self.filters.region)
        if self.filters.child is not None:
            parts.append(self.filters.child.name)
        return ", ".join(parts) or "All member organisations"


def select(request, network: Network, *, mapping=False) -> Selection:
    """The selection a page's query string asks for; anything not valid falls back to the
    default and the form says what was wrong. ``mapping``: the gap map, which can be shown in
    another framework's terms."""
    frameworks = queries.framework_choices()
    slug = request.GET.get("framework") or (frameworks[0][0] if frameworks else "")
    periods = queries.periods_of(network, slug)
    regions = queries.regions_of(network)
    children = list(network.children.order_by("name"))
    form = RollupFilterForm(
        request.GET,
        network=network,
        frameworks=frameworks,
        periods=periods,
        regions=regions,
        children=children,
    )
    if not mapping:
        del form.fields["in_terms_of"]
    form.is_valid()
    data = form.cleaned_data
    slug = data.get("framework") or slug
    period = data.get("period") or (periods[0] if periods else "")
    filters = queries.Filters(
        country=data.get("country", ""),
        sector=data.get("sector", ""),
        region=data.get("region", ""),
        child=form.children.get(data.get("child") or ""),
    )
    title = dict(frameworks).get(slug, slug)
    terms = data.get("in_terms_of") or ""
    return Selection(
        network, slug, title, period, filters, form, in_terms_of="" if terms == slug else terms
    )


@dataclass
class AuditReport:
    """ "Where Improving Working Lives is not in place, and why": coverage, the most common
    gaps with their reasons, divergence, stages and movement."""

    selection: Selection
    coverage: queries.CoverageReport
    gaps: queries.GapMap
    stages: queries.StageReport

    @classmethod
    def build(cls, selection: Selection) -> AuditReport:
        args = (selection.network, selection.slug, selection.period, selection.filters)
        return cls(
            selection=selection,
            coverage=queries.coverage(*args, limit=200),
            gaps=queries.gap_map(*args, in_terms_of=selection.in_terms_of),
            stages=queries.stages(*args),
        )

    @property
    def most_common_gaps(self):
        return self.gaps.most_common_gaps(10)

    @property
    def most_divergent(self):
        shown = [r for r in self.gaps.rows if not r.divergent.suppressed and r.divergent.value]
        return sorted(shown, key=lambda r: (-r.divergent.value, r.ref))[:10]

    def context(self, *, for_pdf=False) -> dict:
        return {
            "report": self,
            "selection": self.selection,
            "network": self.selection.network,
            "for_pdf": for_pdf,
            "base_template": "assessments/reports/_pdf_base.html" if for_pdf else "base.html",
        }


# --- Rows for the CSV and Excel files -----------------------------------------------------------


def coverage_rows(report: queries.CoverageReport):
    yield [
        "Organisation",
        "ODS code",
        "Membership",
        "Status",
        "Overdue",
        "Stage",
        "Management score %",
        "Staff side score %",
        "Agreed score %",
    ]
    for row in report.rows:
        yield [
            row.organisation.name,
            row.organisation.ods_code,
            "Invited, not joined" if row.invited else "Joined",
            "" if row.invited else row.status_label,
            "Yes" if row.overdue else "No",
            row.stage,
            number(row.management_percent),
            number(row.staff_percent),
            number(row.agreed_percent),
        ]


def gap_rows(gaps: queries.GapMap):
    level_names = [label for label, _ in gaps.rows[0].levels] if gaps.rows else []
    mapped = [f"Mapped from {gaps.framework.title} criteria"] if gaps.mapped else []
    yield [
        *mapped,
        "Criterion",
        "Standard",
        "Statement",
        "Organisations assessed",
        "Below met",
        "Sides diverge",
        *[f"Agreed {name}" for name in level_names],
        "Barrier categories",
    ]
    for row in gaps.rows:
        yield [
            *(["; ".join(row.mapped_from)] if gaps.mapped else []),
            row.ref,
            row.standard,
            row.statement,
            row.assessed.as_json(),
            row.below_met.as_json(),
            row.divergent.as_json(),
            *[cell.as_json() for _, cell in row.levels],
            "; ".join(f"{label}: {cell}" for label, cell in row.barriers),
        ]


def number(value):
    return None if value is None else float(value)
