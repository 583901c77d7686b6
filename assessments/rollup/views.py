"""Network pages: coverage, the gap map, stages, needs help, an organisation against its
network, and the audit report and exports.

Every page goes through the network door (``get_network_for``): somebody who is not a member of
the network gets 404, a viewer gets 403 on any change. The comparison page is for an
organisation's own leads and goes through the organisation door instead. Nothing here opens an
organisation's own pages to the network.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from partnership import rules as access_rules
from partnership.access import get_network_for, get_network_organisation_for, get_object_for
from partnership.documents import registry
from partnership.documents.views import document_response
from partnership.models import NetworkOrganisation
from partnership.networks import services as network_services

from ..surveys.results import needs_help_reasons
from . import documents, presenters, queries
from . import machinery as rollup_machinery
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


# --- Outputs (prepared on the task queue: .documents) --------------------------------------------


def _export(request, slug, name, extension):
    network = get_network_for(request, slug)
    selection = presenters.select(request, network, mapping=name == "gaps")
    kind = "network-audit" if name == "audit" else f"network-{name}-{extension}"
    # The selection at hand gives the key and the file name: the kind would read it again.
    return document_response(
        request,
        kind,
        documents.subject(selection, name),
        stamp=registry.digest(documents.material(selection, name)),
        filename=documents.filename(selection, name, extension),
    )


def coverage_csv(request, slug):
    return _export(request, slug, "coverage", "csv")


def coverage_xlsx(request, slug):
    return _export(request, slug, "coverage", "xlsx")


def gaps_csv(request, slug):
    return _export(request, slug, "gaps", "csv")


def gaps_xlsx(request, slug):
    return _export(request, slug, "gaps", "xlsx")


def audit_pdf(request, slug):
    return _export(request, slug, "audit", "pdf")
