"""Facility time pages. Every member reads the return; the staff side (leads and contributors)
enters representatives and their hours; management (leads and contributors) enters the pay
bill, hourly costs and FTE employee number; each side's lead signs the return for their side.
Outsiders get 404 and anybody else changing something 403, before a form is read."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import rules as access_rules
from ..access import get_object_for
from ..documents.views import document_response
from ..models import Organisation
from ..responses import attachment, form_page, posted, refused
from ..signing import ledger
from . import documents, services
from .forms import CostForm, EmployerInputsForm, RepresentativeForm, SignReturnForm, TimeRecordForm
from .models import (
    EmployerInputs,
    Representative,
    RepresentativeCost,
    TimeRecord,
    period_from_slug,
    period_slug,
    validate_period,
)
from .presenters import ReturnPresenter

SIDE_NAMES = services.SIDE_NAMES


def current_period(today=None) -> str:
    today = today or timezone.localdate()
    start = today.year if today.month >= 4 else today.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def _period(slug):
    period = period_from_slug(slug)
    try:
        validate_period(period)
    except ValidationError as error:
        raise Http404("Not found") from error
    return period


def _organisation(request, pk, *, write=False, rule=None):
    return get_object_for(
        request,
        Organisation.objects.all(),
        organisation_path=None,
        write=write,
        rule=rule,
        pk=pk,
    )


def _representative(request, pk, *, rule):
    return get_object_for(
        request,
        Representative.objects.all(),
        write=True,
        rule=rule,
        pk=pk,
    )


def _return_url(organisation, period, anchor=""):
    url = reverse("facility_time:return", args=[organisation.pk, period_slug(period)])
    return f"{url}#{anchor}" if anchor else url


def _crumbs(organisation, period=None):
    crumbs = [
        {"text": "Home", "href": reverse("assessments:home")},
        {
            "text": organisation.name,
            "href": reverse("partnership:organisation", args=[organisation.pk]),
        },
    ]
    if period:
        crumbs.append(
            {"text": f"Facility time {period}", "href": _return_url(organisation, period)}
        )
    return crumbs


def _page(organisation, period, heading, submit):
    return {
        "caption": f"Facility time {period}",
        "heading": heading,
        "submit": submit,
        "cancel_url": _return_url(organisation, period),
        "breadcrumbs": _crumbs(organisation, period),
    }


@require_GET
def latest(request, organisation_pk):
    organisation = _organisation(request, organisation_pk)
    return redirect(_return_url(organisation, current_period()))


@require_GET
def return_page(request, organisation_pk, period):
    organisation = _organisation(request, organisation_pk)
    period = _period(period)
    page = ReturnPresenter.build(organisation, period)
    user = request.user
    sign_sides = [
        side
        for side in SIDE_NAMES
        if side not in page.active
        and access_rules.can_sign_off_for[side](user, organisation)
        and not any(s.signer_id == user.pk for s in page.active.values())
    ]
    start = int(period[:4])
    context = page.context()
    context.update(
        {
            "period": period,
            "problems": page.report.problems(),
            "can_enter_time": access_rules.can_enter_time_records(user, organisation),
            "can_enter_pay": access_rules.can_enter_pay_figures(user, organisation),
            "sign_sides": [(side, SIDE_NAMES[side]) for side in sign_sides],
            "representatives": list(organisation.representatives.all()),
            "previous_period": f"{start - 1}-{start % 100:02d}" if start > 2017 else "",
            "next_period": f"{start + 1}-{(start + 2) % 100:02d}",
            "slug": period_slug(period),
            "breadcrumbs": _crumbs(organisation),
        }
    )
    return render(request, "partnership/facility_time/return.html", context)


@require_http_methods(["GET", "POST"])
def add_representative(request, organisation_pk, period):
    organisation = _organisation(
        request, organisation_pk, write=True, rule=access_rules.can_enter_time_records
    )
    period = _period(period)
    form = RepresentativeForm(posted(request), organisation=organisation)
    return form_page(
        request,
        form,
        save=lambda data: services.add_representative(organisation, **data),
        success=lambda rep: f"{rep.name} added: now enter their time",
        next_url=lambda rep: reverse("facility_time:time", args=[rep.pk, period_slug(period)]),
        context=_page(organisation, period, "Add a representative", "Add the representative"),
    )


@require_http_methods(["GET", "POST"])
def time_record(request, pk, period):
    rep = _representative(request, pk, rule=access_rules.can_enter_time_records)
    period = _period(period)
    quarter = request.GET.get("quarter", "0")
    existing = TimeRecord.objects.filter(
        representative=rep, period=period, quarter=int(quarter) if quarter.isdigit() else 0
    ).first()
    initial = {"quarter": 0}
    if existing:
        initial = {
            name: getattr(existing, name)
            for name in ("quarter", "fte", "working_hours", *services.HOUR_FIELDS)
        }
    form = TimeRecordForm(posted(request), initial=initial)

    def save(data):
        data = dict(data)
        quarter = data.pop("quarter")
        return services.save_time_record(
            rep, period=period, quarter=quarter, user=request.user, **data
        )

    return form_page(
        request,
        form,
        save=save,
        success=f"{rep.name}'s time saved",
        next_url=_return_url(rep.organisation, period, "representatives"),
        context=_page(rep.organisation, period, f"{rep.name}'s time", "Save the time"),
    )


@require_http_methods(["GET", "POST"])
def hourly_cost(request, pk, period):
    rep = _representative(request, pk, rule=access_rules.can_enter_pay_figures)
    period = _period(period)
    current = RepresentativeCost.objects.filter(representative=rep, period=period).first()
    form = CostForm(
        posted(request), initial={"hourly_cost": current.hourly_cost if current else None}
    )

    def save(data):
        cost = data["hourly_cost"]
        if cost is None:
            cost = services.hourly_cost_from(
                data["employment_costs"], services.working_hours_of(rep, period)
            )
        return services.save_hourly_cost(rep, period=period, hourly_cost=cost, user=request.user)

    return form_page(
        request,
        form,
        save=save,
        success=f"{rep.name}'s hourly cost saved",
        next_url=_return_url(rep.organisation, period, "representatives"),
        context=_page(
            rep.organisation, period, f"{rep.name}'s hourly cost", "Save the hourly cost"
        ),
    )


@require_http_methods(["GET", "POST"])
def employer_inputs(request, organisation_pk, period):
    organisation = _organisation(
        request, organisation_pk, write=True, rule=access_rules.can_enter_pay_figures
    )
    period = _period(period)
    current = EmployerInputs.objects.filter(organisation=organisation, period=period).first()
    initial = (
        {"pay_bill": current.pay_bill, "fte_employees": current.fte_employees} if current else {}
    )
    form = EmployerInputsForm(posted(request), initial=initial)
    return form_page(
        request,
        form,
        save=lambda data: services.save_employer_inputs(
            organisation,
            period=period,
            pay_bill=data["pay_bill"],
            fte_employees=data["fte_employees"],
            confirmed=data["confirm"],
            user=request.user,
        ),
        success="Employer's figures saved",
        next_url=_return_url(organisation, period, "employer"),
        context=_page(organisation, period, "Pay bill and FTE employee number", "Save the figures"),
    )


@require_POST
def sign(request, organisation_pk, period):
    organisation = _organisation(
        request, organisation_pk, write=True, rule=access_rules.can_sign_return
    )
    period = _period(period)
    form = SignReturnForm(request.POST)

    def refuse(message):
        return refused(
            request,
            message=message,
            heading="Sign the facility time return",
            caption=f"Facility time {period}",
            back_url=_return_url(organisation, period, "signatures"),
            back_text="Back to the return",
            breadcrumbs=_crumbs(organisation, period),
        )

    if not form.is_valid():
        return refuse("Reload the return and sign it from there")
    side = form.cleaned_data["side"]
    if not access_rules.can_sign_off_for[side](request.user, organisation):
        return refuse(f"Only the lead of {SIDE_NAMES[side]} signs for {SIDE_NAMES[side]}")
    try:
        services.sign_return(
            organisation,
            period=period,
            user=request.user,
            side=side,
            seen=form.cleaned_data["seen"],
        )
    except services.Refused as refusal:
        return refuse(str(refusal))
    except ledger.ContentChanged:
        return refuse("The return changed since you opened it: check it again before signing")
    messages.success(request, f"You signed the return for {SIDE_NAMES[side]}")
    return redirect(_return_url(organisation, period, "signatures"))


@require_GET
def return_csv(request, organisation_pk, period):
    organisation = _organisation(request, organisation_pk)
    period = _period(period)
    page = ReturnPresenter.build(organisation, period)
    return attachment(
        page.csv_bytes(),
        "text/csv; charset=utf-8",
        f"{organisation.ods_code}-facility-time-{period_slug(period)}.csv",
    )


@require_GET
def return_pdf(request, organisation_pk, period):
    organisation = _organisation(request, organisation_pk)
    period = _period(period)
    return document_response(
        request, "facility-time-return", documents.subject(organisation, period)
    )
