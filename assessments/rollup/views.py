"""Network pages: coverage, the gap map, stages, needs help, an organisation against its
network, and the audit report and exports.

Every page goes through the network door (``get_network_for``): somebody who is not a member of
the network gets 404, a viewer gets 403 on any change. The comparison page is for an
organisation's own leads and goes through the organisation door instead. Nothing here opens an
organisation's own pages to the network.
"""

import csv
import io

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from partnership import rules as access_rules
from partnership.access import get_network_for, get_network_organisation_for, get_object_for
from partnership.models import NetworkOrganisation
from partnership.networks import services as network_services

from ..reports import pdf
from ..reports.exports import safe
from ..surveys.results import needs_help_reasons
from . import machinery as rollup_machinery
from . import presenters, queries
from .disclosure import threshold


def _crumbs(network=None):
    crumbs = [{"text": "Your networks", "href": reverse("partnership:networks")}]
    if network is not None:
        crumbs.append(
            {"text": network.name, "href": reverse("assessments:network", args=[network.slug])}
        )
    return crumbs


def _page(request, template, selection, **context):
    network = selection.network
    return render(
        request,
        template,
        {
            "network": network,
            "selection": selection,
            "form": selection.form,
            "is_lead": access_rules.is_network_lead(request.user, network),
            "threshold": threshold(),
            "breadcrumbs": _crumbs(network),
            **context,
        },
        status=400 if selection.form.errors else 200,
    )


def coverage(request, slug):
    network = get_network_for(request, slug)
    selection = presenters.select(request, network)
    args = (network, selection.slug, selection.period, selection.filters)
    return _page(
        request,
        "assessments/rollup/coverage.html",
        selection,
        coverage=queries.coverage(*args, limit=500),
        stages=queries.stages(*args),
    )


def gaps(request, slug):
    network = get_network_for(request, slug)
    selection = presenters.select(request, network, mapping=True)
    gap_map = queries.gap_map(
        network,
        selection.slug,
        selection.period,
        selection.filters,
        in_terms_of=selection.in_terms_of,
    )
    return _page(request, "assessments/rollup/gaps.html", selection, gaps=gap_map)


def machinery(request, slug):
    network = get_network_for(request, slug)
    selection = presenters.select(request, network)
    report = rollup_machinery.machinery(network, selection.filters)
    return _page(request, "assessments/rollup/machinery.html", selection, report=report)


def needs_help(request, slug):
    network = get_network_for(request, slug)
    selection = presenters.select(request, network)
    surveys = needs_help_reasons(network, selection.period)
    rows = queries.needs_help(
        network, selection.slug, selection.period, selection.filters, more_reasons=surveys
    )
    return _page(request, "assessments/rollup/needs_help.html", selection, rows=rows)


def _refused(request, network, message):
    from ..views import refused

    return refused(
        request,
        message=message,
        heading="Not changed",
        caption=network.name,
        back_url=reverse("assessments:network_help", args=[network.slug]),
        back_text="Back to needs help",
        breadcrumbs=_crumbs(network),
    )


@require_POST
def offer_support(request, slug, pk):
    network = get_network_for(request, slug, lead=True)
    membership = get_network_organisation_for(network, pk)
    try:
        network_services.offer_support(
            membership.pk,
            user=request.user,
            who=request.POST.get("who", ""),
            what=request.POST.get("what", ""),
            when=request.POST.get("when", ""),
        )
    except network_services.NotAllowed as refusal:
        return _refused(request, network, str(refusal))
    messages.success(request, f"Support offer to {membership.organisation.name} recorded.")
    return redirect(reverse("assessments:network_help", args=[network.slug]))


@require_POST
def thresholds(request, slug):
    network = get_network_for(request, slug, lead=True)
    health = request.POST.get("health_check_below")  # absent: unchanged
    try:
        network_services.set_thresholds(
            network,
            user=request.user,
            score_below=int(request.POST.get("score_below", "")),
            divergence_at_least=int(request.POST.get("divergence_at_least", "")),
            health_check_below=None if health is None else int(health),
        )
    except (ValueError, network_services.NotAllowed) as refusal:
        message = (
            str(refusal)
            if isinstance(refusal, network_services.NotAllowed)
            else ("Enter whole numbers for all three thresholds")
        )
        return _refused(request, network, message)
    messages.success(request, "Thresholds saved.")
    return redirect(reverse("assessments:network_help", args=[network.slug]))


def compare(request, slug, pk):
    """An organisation's leads: their agreed scores per standard beside the network's."""
    membership = get_object_for(
        request,
        NetworkOrganisation.objects.select_related("network"),
        write=True,
        rule=access_rules.is_lead_on_either_side,
        pk=pk,
        network__slug=slug,
    )
    if not membership.is_joined:
        raise Http404("Not found")
    network = membership.network
    selection = presenters.select(request, network)
    rows = queries.benchmark(network, membership.organisation, selection.slug, selection.period)
    return render(
        request,
        "assessments/rollup/compare.html",
        {
            "network": network,
            "membership": membership,
            "selection": selection,
            "form": selection.form,
            "rows": rows,
            "breadcrumbs": [{"text": "Home", "href": reverse("assessments:home")}],
        },
    )


# --- Outputs ------------------------------------------------------------------------------------


def _filename(selection, name, extension):
    period = selection.period.replace("/", "-")
    return f"{selection.network.slug}-{selection.slug}-{period}-{name}.{extension}"


def _download(content, content_type, filename):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def table_csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for values in rows:
        writer.writerow(["" if v is None else safe(v) for v in values])
    return buffer.getvalue().encode("utf-8-sig")


def table_xlsx(title, rows) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for values in rows:
        sheet.append([safe(v) for v in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _table(request, slug, kind, extension):
    network = get_network_for(request, slug)
    selection = presenters.select(request, network, mapping=kind == "gaps")
    args = (network, selection.slug, selection.period, selection.filters)
    if kind == "coverage":
        rows, title = presenters.coverage_rows(queries.coverage(*args)), "Coverage"
    else:
        gaps = queries.gap_map(*args, in_terms_of=selection.in_terms_of)
        rows, title = presenters.gap_rows(gaps), "Gap map"
    if extension == "csv":
        return _download(
            table_csv(rows), "text/csv; charset=utf-8", _filename(selection, kind, "csv")
        )
    return _download(table_xlsx(title, rows), XLSX, _filename(selection, kind, "xlsx"))


def coverage_csv(request, slug):
    return _table(request, slug, "coverage", "csv")


def coverage_xlsx(request, slug):
    return _table(request, slug, "coverage", "xlsx")


def gaps_csv(request, slug):
    return _table(request, slug, "gaps", "csv")


def gaps_xlsx(request, slug):
    return _table(request, slug, "gaps", "xlsx")


def audit_pdf(request, slug):
    network = get_network_for(request, slug)
    report = presenters.AuditReport.build(presenters.select(request, network))
    html = render_to_string("assessments/rollup/audit.html", report.context(for_pdf=True))
    return _download(
        pdf.write_pdf(html), "application/pdf", _filename(report.selection, "audit", "pdf")
    )
