"""Pages of the forums.

Reading (a forum, a meeting, papers, the calendar download, PDFs) is for every member of the
organisation; changing things is for the leads and contributors of either side
(``rules.can_run_forums``); agreeing minutes is for the joint chairs. Outsiders get 404 and
viewers 403 on any change, before a form is read. The subscription feed is the one page without
sign-in: it answers only to the forum's current secret.
"""

import datetime
import hmac
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import rules as access_rules
from ..access import get_object_for, get_organisation_for
from ..models import Organisation
from ..pdf import render_template_pdf
from ..refusals import refused
from ..signing import ledger
from . import ics, services
from .forms import (
    ActionForm,
    ActionStatusForm,
    AgendaItemForm,
    AttendanceForm,
    DecisionForm,
    ForumForm,
    MeetingForm,
    MemberForm,
    MinutesForm,
    SeenForm,
)
from .models import AgendaItem, Decision, Forum, ForumAction, Meeting, Side
from .presenters import MeetingPresenter

can_run = access_rules.can_run_forums
FEED_WINDOW_DAYS = 365


# --- Fetching through the organisation boundary -----------------------------------------------


def _forum(request, pk, *, write=False):
    return get_object_for(request, Forum.objects.all(), write=write, rule=can_run, pk=pk)


def _meeting(request, pk, *, write=False, rule=can_run):
    return get_object_for(
        request,
        Meeting.objects.select_related("forum"),
        organisation_path="forum__organisation",
        write=write,
        rule=rule,
        pk=pk,
    )


def _crumbs(organisation, forum=None):
    crumbs = [
        {"text": "Home", "href": reverse("assessments:home")},
        {
            "text": organisation.name,
            "href": reverse("partnership:organisation", args=[organisation.pk]),
        },
    ]
    if forum is not None:
        crumbs.append({"text": forum.name, "href": reverse("forums:forum", args=[forum.pk])})
    return crumbs


def _form_page(request, template, context, form):
    return render(request, template, {**context, "form": form}, status=400 if form.errors else 200)


def _refuse(request, forum, message, *, heading, back_url):
    return refused(
        request,
        message=message,
        heading=heading,
        caption=forum.name,
        back_url=back_url,
        back_text="Go back",
        breadcrumbs=_crumbs(forum.organisation, forum),
    )


def _download(content, content_type, filename):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Forums -----------------------------------------------------------------------------------


@require_GET
def forum_list(request, organisation_pk):
    organisation = get_organisation_for(request, organisation_pk)
    forums = list(organisation.forums.all())
    return render(
        request,
        "partnership/forums/forum_list.html",
        {
            "organisation": organisation,
            "health": services.forum_health(forums),
            "can_change": can_run(request.user, organisation),
            "breadcrumbs": _crumbs(organisation),
        },
    )


def _forum_fields(data):
    return {
        name: data[name]
        for name in ("name", "kind", "meetings_per_year", "management_quorum", "staff_side_quorum")
    }


@require_http_methods(["GET", "POST"])
def add_forum(request, organisation_pk):
    organisation = get_object_for(
        request,
        Organisation.objects.all(),
        organisation_path=None,
        write=True,
        rule=can_run,
        pk=organisation_pk,
    )
    form = ForumForm(request.POST or None, organisation=organisation)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            forum = services.save_forum(
                organisation,
                management_chair=data["management_chair"],
                staff_side_chair=data["staff_side_chair"],
                **_forum_fields(data),
            )
        except services.Refused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"{forum.name} added")
            return redirect("forums:forum", forum.pk)
    return _form_page(
        request,
        "partnership/forums/forum_form.html",
        {
            "organisation": organisation,
            "heading": "Add a forum",
            "breadcrumbs": _crumbs(organisation),
        },
        form,
    )


@require_http_methods(["GET", "POST"])
def edit_forum(request, pk):
    forum = _forum(request, pk, write=True)
    organisation = forum.organisation
    initial = {
        **{name: getattr(forum, name) for name in _forum_fields(forum.__dict__)},
        "management_chair": forum.management_chair_id,
        "staff_side_chair": forum.staff_side_chair_id,
    }
    form = ForumForm(request.POST or None, organisation=organisation, initial=initial)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_forum(
                organisation,
                forum=forum,
                management_chair=data["management_chair"],
                staff_side_chair=data["staff_side_chair"],
                **_forum_fields(data),
            )
        except services.Refused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "Constitution saved")
            return redirect("forums:forum", forum.pk)
    return _form_page(
        request,
        "partnership/forums/forum_form.html",
        {
            "organisation": organisation,
            "forum": forum,
            "heading": "Change the constitution",
            "breadcrumbs": _crumbs(organisation, forum),
        },
        form,
    )


@require_GET
def forum_detail(request, pk):
    forum = _forum(request, pk)
    organisation = forum.organisation
    (health,) = services.forum_health([forum])
    feed_url = (
        request.build_absolute_uri(reverse("forums:feed", args=[forum.pk, forum.feed_token]))
        if forum.feed_token
        else ""
    )
    return render(
        request,
        "partnership/forums/forum_detail.html",
        {
            "forum": forum,
            "organisation": organisation,
            "members": list(forum.members.select_related("user")),
            "meetings": list(forum.meetings.order_by("-starts_at")),
            "decision_log": list(
                Decision.objects.filter(meeting__forum=forum)
                .select_related("meeting")
                .order_by("-meeting__starts_at", "-created_at")
            ),
            "actions": list(forum.actions.select_related("owner", "raised_at")),
            "health": health,
            "feed_url": feed_url,
            "today": timezone.localdate(),
            "can_change": can_run(request.user, organisation),
            "member_form": MemberForm(organisation=organisation),
            "breadcrumbs": _crumbs(organisation),
        },
    )


@require_POST
def add_member(request, pk):
    forum = _forum(request, pk, write=True)
    form = MemberForm(request.POST, organisation=forum.organisation)
    back = reverse("forums:forum", args=[forum.pk]) + "#members"
    if not form.is_valid():
        return _refuse(
            request,
            forum,
            next(iter(form.errors.values()))[0],
            heading="Add a member",
            back_url=back,
        )
    try:
        services.add_member(forum, user=form.cleaned_data["user"], side=form.cleaned_data["side"])
    except services.Refused as refusal:
        return _refuse(request, forum, str(refusal), heading="Add a member", back_url=back)
    messages.success(request, "Member added")
    return redirect(back)


@require_POST
def new_feed(request, pk):
    forum = _forum(request, pk, write=True)
    services.new_feed_token(forum)
    messages.success(request, "New calendar link made: any older link no longer works")
    return redirect(reverse("forums:forum", args=[forum.pk]) + "#calendar")


@require_POST
def revoke_feed(request, pk):
    forum = _forum(request, pk, write=True)
    services.revoke_feed(forum)
    messages.success(request, "Calendar link turned off")
    return redirect(reverse("forums:forum", args=[forum.pk]) + "#calendar")


@login_not_required
@require_GET
def feed(request, pk, token):
    """The forum's meetings for calendar programs, which cannot sign in: the secret in the link
    is the only key, compared in constant time; no link, or an old one, is 404."""
    forum = Forum.objects.filter(pk=pk).select_related("organisation").first()
    if (
        forum is None
        or not forum.feed_token
        or not hmac.compare_digest(forum.feed_token.encode(), token.encode())
    ):
        raise Http404("Not found")
    since = timezone.now() - datetime.timedelta(days=FEED_WINDOW_DAYS)
    meetings = list(forum.meetings.filter(starts_at__gte=since).select_related("forum"))
    response = HttpResponse(
        ics.calendar(meetings, name=f"{forum.name}, {forum.organisation.name}"),
        content_type="text/calendar; charset=utf-8",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- Meetings ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def add_meeting(request, pk):
    forum = _forum(request, pk, write=True)
    form = MeetingForm(request.POST or None)
    if form.is_bound and form.is_valid():
        meeting = services.schedule_meeting(
            forum,
            starts_at=form.starts_at(),
            place=form.cleaned_data["place"],
            duration_minutes=form.cleaned_data["duration_minutes"],
        )
        messages.success(request, "Meeting added")
        return redirect("forums:meeting", meeting.pk)
    return _form_page(
        request,
        "partnership/forums/simple_form.html",
        {
            "forum": forum,
            "heading": "Add a meeting",
            "submit": "Add the meeting",
            "cancel_url": reverse("forums:forum", args=[forum.pk]),
            "breadcrumbs": _crumbs(forum.organisation, forum),
        },
        form,
    )


def _minutes_sides(user, organisation):
    return [s for s in Side.values if access_rules.can_sign_for[s](user, organisation)]


@require_GET
def meeting_detail(request, pk):
    meeting = _meeting(request, pk)
    forum = meeting.forum
    organisation = forum.organisation
    page = MeetingPresenter.build(meeting)
    chair_side = services.chair_side(request.user, forum)
    context = page.context()
    context.update(
        {
            "can_change": can_run(request.user, organisation),
            "chair_side": chair_side,
            "can_agree": bool(
                chair_side
                and can_run(request.user, organisation)
                and chair_side not in page.active_agreements
                and meeting.minutes.strip()
            ),
            "seen": ledger.digest_of(page.subject),
            "decision_form": DecisionForm(),
            "breadcrumbs": _crumbs(organisation, forum),
        }
    )
    return render(request, "partnership/forums/meeting.html", context)


@require_http_methods(["GET", "POST"])
def add_agenda_item(request, pk):
    meeting = _meeting(request, pk, write=True)
    forum = meeting.forum
    form = AgendaItemForm(
        request.POST or None, request.FILES or None, organisation=forum.organisation
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        checked = getattr(form, "checked_paper", None)
        services.add_agenda_item(
            meeting,
            title=data["title"],
            lead_side=data["lead_side"],
            paper=data["paper"] or None,
            paper_name=checked.name if checked else "",
            link=data["link"],
        )
        messages.success(request, "Agenda item added")
        return redirect(reverse("forums:meeting", args=[meeting.pk]) + "#agenda")
    return _form_page(
        request,
        "partnership/forums/simple_form.html",
        {
            "forum": forum,
            "meeting": meeting,
            "heading": "Add an agenda item",
            "submit": "Add the item",
            "multipart": True,
            "cancel_url": reverse("forums:meeting", args=[meeting.pk]),
            "breadcrumbs": _crumbs(forum.organisation, forum),
        },
        form,
    )


@require_GET
def paper(request, pk):
    item = get_object_for(
        request,
        AgendaItem.objects.select_related("meeting__forum"),
        organisation_path="meeting__forum__organisation",
        pk=pk,
    )
    if not item.paper:
        raise Http404("Not found")
    try:
        handle = item.paper.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404("Not found") from error
    response = FileResponse(handle, as_attachment=True, filename=item.paper_name or "paper")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
def attendance(request, pk):
    meeting = _meeting(request, pk, write=True)
    forum = meeting.forum
    members = forum.members.select_related("user")
    current = dict(meeting.attendance.values_list("member_id", "status"))
    form = AttendanceForm(request.POST or None, members=members, current=current)
    if form.is_bound and form.is_valid():
        try:
            meeting = services.record_attendance(meeting, form.statuses())
        except services.Refused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _quorum_message(meeting))
            return redirect(reverse("forums:meeting", args=[meeting.pk]) + "#attendance")
    return _form_page(
        request,
        "partnership/forums/simple_form.html",
        {
            "forum": forum,
            "meeting": meeting,
            "heading": "Record attendance",
            "submit": "Save attendance",
            "cancel_url": reverse("forums:meeting", args=[meeting.pk]),
            "breadcrumbs": _crumbs(forum.organisation, forum),
        },
        form,
    )


def _quorum_message(meeting):
    if meeting.quorate:
        return "Attendance saved: the meeting was quorate on both sides"
    short = [
        label
        for side, label in ((True, "management"), (False, "staff side"))
        if not (meeting.quorate_management if side else meeting.quorate_staff_side)
    ]
    return f"Attendance saved: the meeting was not quorate for the {' and '.join(short)}"


@require_http_methods(["GET", "POST"])
def minutes(request, pk):
    meeting = _meeting(request, pk, write=True)
    forum = meeting.forum
    sides = _minutes_sides(request.user, forum.organisation)
    form = MinutesForm(
        request.POST or None,
        sides=sides,
        initial={"minutes": meeting.minutes, "version": meeting.minutes_version},
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_minutes(
                meeting,
                text=data["minutes"],
                user=request.user,
                side=data["side"],
                version=data["version"],
            )
        except services.Refused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "Minutes saved")
            return redirect(reverse("forums:meeting", args=[meeting.pk]) + "#minutes")
    return _form_page(
        request,
        "partnership/forums/simple_form.html",
        {
            "forum": forum,
            "meeting": meeting,
            "heading": "Draft the minutes",
            "submit": "Save the minutes",
            "warning": (
                "Saving a change voids the joint chairs' agreement: they agree the minutes again."
                if meeting.agreements.filter(voided_at__isnull=True).exists()
                else ""
            ),
            "cancel_url": reverse("forums:meeting", args=[meeting.pk]),
            "breadcrumbs": _crumbs(forum.organisation, forum),
        },
        form,
    )


@require_POST
def agree_minutes(request, pk):
    meeting = _meeting(request, pk, write=True)
    back = reverse("forums:meeting", args=[meeting.pk]) + "#agreement"
    form = SeenForm(request.POST)
    if not form.is_valid():
        return _refuse(
            request,
            meeting.forum,
            "Reload the meeting page and agree the minutes from there",
            heading="Agree the minutes",
            back_url=back,
        )
    try:
        services.agree_minutes(meeting, user=request.user, seen=form.cleaned_data["seen"])
    except services.Refused as refusal:
        return _refuse(
            request, meeting.forum, str(refusal), heading="Agree the minutes", back_url=back
        )
    except ledger.ContentChanged:
        return _refuse(
            request,
            meeting.forum,
            "The minutes changed since you opened them: read them again before agreeing",
            heading="Agree the minutes",
            back_url=back,
        )
    messages.success(request, "You agreed the minutes")
    return redirect(back)


@require_POST
def add_decision(request, pk):
    meeting = _meeting(request, pk, write=True)
    back = reverse("forums:meeting", args=[meeting.pk]) + "#decisions"
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _refuse(
            request,
            meeting.forum,
            next(iter(form.errors.values()))[0],
            heading="Record a decision",
            back_url=back,
        )
    services.add_decision(meeting, text=form.cleaned_data["text"], user=request.user)
    messages.success(request, "Decision recorded")
    return redirect(back)


@require_GET
def meeting_ics(request, pk):
    meeting = _meeting(request, pk)
    titles = list(meeting.agenda_items.values_list("title", flat=True))
    return _download(
        ics.calendar([meeting], name=meeting.forum.name, agendas={meeting.pk: titles}),
        "text/calendar; charset=utf-8",
        f"{meeting.forum.organisation.ods_code}-meeting-{meeting.starts_at:%Y-%m-%d}.ics",
    )


def _meeting_pdf(request, pk, template, kind):
    meeting = _meeting(request, pk)
    page = MeetingPresenter.build(meeting)
    return _download(
        render_template_pdf(template, page.context(for_pdf=True)),
        "application/pdf",
        f"{meeting.forum.organisation.ods_code}-{kind}-{meeting.starts_at:%Y-%m-%d}.pdf",
    )


@require_GET
def agenda_pdf(request, pk):
    return _meeting_pdf(request, pk, "partnership/forums/agenda_pdf.html", "agenda")


@require_GET
def minutes_pdf(request, pk):
    return _meeting_pdf(request, pk, "partnership/forums/minutes_pdf.html", "minutes")


# --- Actions ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def add_action(request, pk):
    forum = _forum(request, pk, write=True)
    raised_at = None
    meeting_id = request.GET.get("meeting") or request.POST.get("meeting")
    if meeting_id:
        raised_at = forum.meetings.filter(pk=meeting_id).first() if _is_uuid(meeting_id) else None
        if raised_at is None:
            raise Http404("Not found")
    form = ActionForm(request.POST or None, organisation=forum.organisation)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_action(
                forum,
                description=data["description"],
                owner=data["owner"],
                due_date=data["due_date"],
                raised_at=raised_at,
                link=data["link"],
            )
        except services.Refused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "Action added to the log")
            return redirect(reverse("forums:forum", args=[forum.pk]) + "#actions")
    return _form_page(
        request,
        "partnership/forums/simple_form.html",
        {
            "forum": forum,
            "meeting": raised_at,
            "heading": "Add an action",
            "submit": "Add the action",
            "hidden": {"meeting": raised_at.pk} if raised_at else {},
            "cancel_url": reverse("forums:forum", args=[forum.pk]),
            "breadcrumbs": _crumbs(forum.organisation, forum),
        },
        form,
    )


def _is_uuid(value):
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@require_http_methods(["GET", "POST"])
def action_detail(request, pk):
    write = request.method == "POST"
    action = get_object_for(
        request,
        ForumAction.objects.select_related("forum", "owner", "raised_at"),
        organisation_path="forum__organisation",
        write=write,
        rule=can_run,
        pk=pk,
    )
    forum = action.forum
    form = ActionStatusForm(request.POST or None, initial={"status": action.status})
    if form.is_bound and form.is_valid():
        services.set_action_status(action, form.cleaned_data["status"])
        messages.success(request, "Action status saved")
        return redirect(reverse("forums:forum", args=[forum.pk]) + "#actions")
    return _form_page(
        request,
        "partnership/forums/action.html",
        {
            "forum": forum,
            "action": action,
            "can_change": can_run(request.user, forum.organisation),
            "breadcrumbs": _crumbs(forum.organisation, forum),
        },
        form,
    )
