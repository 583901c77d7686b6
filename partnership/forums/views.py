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
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import rules as access_rules
from ..access import get_object_for, get_organisation_for
from ..documents.views import document_response
from ..models import Organisation
from ..responses import attachment, form_page, posted, refused
from ..signing import ledger
from . import documents, ics, services
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
CONSTITUTION_INTRO = (
    "The constitution sets how often the forum meets, how many members of each side make it "
    "quorate, and the joint chairs, one from each side, who agree its minutes."
)


# --- Fetching through the organisation boundary -----------------------------------------------


def _forum(request, pk, *, write=False):
    return get_object_for(request, Forum.objects.all(), write=write, rule=can_run, pk=pk)


def _meeting(request, pk, *, write=False):
    return get_object_for(
        request,
        Meeting.objects.select_related("forum"),
        organisation_path="forum__organisation",
        write=write,
        rule=can_run,
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


def _page(forum, heading, submit, cancel_url, meeting=None, **extra):
    """The context of a form page of this forum (``templates/partnership/form_page.html``)."""
    caption = forum.name
    if meeting is not None:
        caption = f"{forum.name}, {date_format(timezone.localtime(meeting.starts_at), 'j F Y')}"
    return {
        "caption": caption,
        "heading": heading,
        "submit": submit,
        "cancel_url": cancel_url,
        "breadcrumbs": _crumbs(forum.organisation, forum),
        **extra,
    }


def _meeting_url(meeting, anchor=""):
    return reverse("forums:meeting", args=[meeting.pk]) + (f"#{anchor}" if anchor else "")


def _forum_url(forum, anchor=""):
    return reverse("forums:forum", args=[forum.pk]) + (f"#{anchor}" if anchor else "")


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


def _first_error(form):
    return next(iter(form.errors.values()))[0]


# --- Forums -----------------------------------------------------------------------------------


@require_GET
def forum_list(request, organisation_pk):
    organisation = get_organisation_for(request, organisation_pk)
    return render(
        request,
        "partnership/forums/forum_list.html",
        {
            "organisation": organisation,
            "health": services.forum_health(organisation.forums.all()),
            "can_change": can_run(request.user, organisation),
            "breadcrumbs": _crumbs(organisation),
        },
    )


CONSTITUTION_FIELDS = (
    "name",
    "kind",
    "meetings_per_year",
    "management_quorum",
    "staff_side_quorum",
    "management_chair",
    "staff_side_chair",
)


def _constitution_page(request, organisation, *, forum=None):
    initial = {}
    if forum is not None:
        initial = {name: getattr(forum, name) for name in CONSTITUTION_FIELDS}
        initial.update(
            management_chair=forum.management_chair_id, staff_side_chair=forum.staff_side_chair_id
        )
    form = ForumForm(posted(request), organisation=organisation, initial=initial)
    return form_page(
        request,
        form,
        save=lambda data: services.save_forum(
            organisation, forum=forum, **{name: data[name] for name in CONSTITUTION_FIELDS}
        ),
        success="Constitution saved" if forum else (lambda saved: f"{saved.name} added"),
        next_url=lambda saved: _forum_url(saved),
        context={
            "caption": organisation.name,
            "heading": "Change the constitution" if forum else "Add a forum",
            "intro": CONSTITUTION_INTRO,
            "submit": "Save the constitution",
            "cancel_url": _forum_url(forum)
            if forum
            else reverse("forums:list", args=[organisation.pk]),
            "breadcrumbs": _crumbs(organisation, forum),
        },
    )


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
    return _constitution_page(request, organisation)


@require_http_methods(["GET", "POST"])
def edit_forum(request, pk):
    forum = _forum(request, pk, write=True)
    return _constitution_page(request, forum.organisation, forum=forum)


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
    back = _forum_url(forum, "members")
    try:
        if not form.is_valid():
            raise services.Refused(_first_error(form))
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
    return redirect(_forum_url(forum, "calendar"))


@require_POST
def revoke_feed(request, pk):
    forum = _forum(request, pk, write=True)
    services.revoke_feed(forum)
    messages.success(request, "Calendar link turned off")
    return redirect(_forum_url(forum, "calendar"))


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
    form = MeetingForm(posted(request))
    return form_page(
        request,
        form,
        save=lambda data: services.schedule_meeting(
            forum,
            starts_at=form.starts_at(),
            place=data["place"],
            duration_minutes=data["duration_minutes"],
        ),
        success="Meeting added",
        next_url=_meeting_url,
        context=_page(forum, "Add a meeting", "Add the meeting", _forum_url(forum)),
    )


@require_GET
def meeting_detail(request, pk):
    meeting = _meeting(request, pk)
    forum = meeting.forum
    organisation = forum.organisation
    page = MeetingPresenter.build(meeting)
    chair_side = services.chair_side(request.user, forum)
    can_change = can_run(request.user, organisation)
    context = page.context()
    context.update(
        {
            "can_change": can_change,
            "chair_side": chair_side,
            "can_agree": bool(
                chair_side
                and can_change
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
        posted(request), posted(request, files=True), organisation=forum.organisation
    )

    def save(data):
        checked = getattr(form, "checked_paper", None)
        return services.add_agenda_item(
            meeting,
            title=data["title"],
            lead_side=data["lead_side"],
            paper=data["paper"] or None,
            paper_name=checked.name if checked else "",
            link=data["link"],
        )

    return form_page(
        request,
        form,
        save=save,
        success="Agenda item added",
        next_url=_meeting_url(meeting, "agenda"),
        context=_page(
            forum,
            "Add an agenda item",
            "Add the item",
            _meeting_url(meeting),
            meeting,
            multipart=True,
        ),
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
    except OSError as error:
        raise Http404("Not found") from error
    response = FileResponse(handle, as_attachment=True, filename=item.paper_name or "paper")
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _quorum_message(meeting):
    if meeting.quorate:
        return "Attendance saved: the meeting was quorate on both sides"
    short = [
        name
        for name, quorate in (
            ("management", meeting.quorate_management),
            ("staff side", meeting.quorate_staff_side),
        )
        if not quorate
    ]
    return f"Attendance saved: the meeting was not quorate for the {' and '.join(short)}"


@require_http_methods(["GET", "POST"])
def attendance(request, pk):
    meeting = _meeting(request, pk, write=True)
    forum = meeting.forum
    current = dict(meeting.attendance.values_list("member_id", "status"))
    form = AttendanceForm(
        posted(request), members=forum.members.select_related("user"), current=current
    )
    return form_page(
        request,
        form,
        save=lambda data: services.record_attendance(meeting, form.statuses()),
        success=_quorum_message,
        next_url=_meeting_url(meeting, "attendance"),
        context=_page(
            forum, "Record attendance", "Save attendance", _meeting_url(meeting), meeting
        ),
    )


@require_http_methods(["GET", "POST"])
def minutes(request, pk):
    meeting = _meeting(request, pk, write=True)
    forum = meeting.forum
    sides = [
        s for s in Side.values if access_rules.can_sign_for[s](request.user, forum.organisation)
    ]
    form = MinutesForm(
        posted(request),
        sides=sides,
        initial={"minutes": meeting.minutes, "version": meeting.minutes_version},
    )
    agreed = meeting.agreements.filter(voided_at__isnull=True).exists()
    return form_page(
        request,
        form,
        save=lambda data: services.save_minutes(
            meeting,
            text=data["minutes"],
            user=request.user,
            side=data["side"],
            version=data["version"],
        ),
        success="Minutes saved",
        next_url=_meeting_url(meeting, "minutes"),
        context=_page(
            forum,
            "Draft the minutes",
            "Save the minutes",
            _meeting_url(meeting),
            meeting,
            warning=(
                "Saving a change voids the joint chairs' agreement: they agree the minutes again."
                if agreed
                else ""
            ),
        ),
    )


@require_POST
def agree_minutes(request, pk):
    meeting = _meeting(request, pk, write=True)
    back = _meeting_url(meeting, "agreement")
    form = SeenForm(request.POST)
    try:
        if not form.is_valid():
            raise services.Refused("Reload the meeting page and agree the minutes from there")
        services.agree_minutes(meeting, user=request.user, seen=form.cleaned_data["seen"])
    except services.Refused as refusal:
        message = str(refusal)
    except ledger.ContentChanged:
        message = "The minutes changed since you opened them: read them again before agreeing"
    else:
        messages.success(request, "You agreed the minutes")
        return redirect(back)
    return _refuse(request, meeting.forum, message, heading="Agree the minutes", back_url=back)


@require_POST
def add_decision(request, pk):
    meeting = _meeting(request, pk, write=True)
    back = _meeting_url(meeting, "decisions")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _refuse(
            request, meeting.forum, _first_error(form), heading="Record a decision", back_url=back
        )
    services.add_decision(meeting, text=form.cleaned_data["text"], user=request.user)
    messages.success(request, "Decision recorded")
    return redirect(back)


@require_GET
def meeting_ics(request, pk):
    meeting = _meeting(request, pk)
    titles = list(meeting.agenda_items.values_list("title", flat=True))
    return attachment(
        ics.calendar([meeting], name=meeting.forum.name, agendas={meeting.pk: titles}),
        "text/calendar; charset=utf-8",
        f"{meeting.forum.organisation.ods_code}-meeting-{meeting.starts_at:%Y-%m-%d}.ics",
    )


def _meeting_pdf(request, pk, part):
    meeting = _meeting(request, pk)
    return document_response(request, f"forum-{part}", documents.subject(meeting, part))


@require_GET
def agenda_pdf(request, pk):
    return _meeting_pdf(request, pk, "agenda")


@require_GET
def minutes_pdf(request, pk):
    return _meeting_pdf(request, pk, "minutes")


# --- Actions ----------------------------------------------------------------------------------


def _is_uuid(value):
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@require_http_methods(["GET", "POST"])
def add_action(request, pk):
    forum = _forum(request, pk, write=True)
    raised_at = None
    meeting_id = request.GET.get("meeting") or request.POST.get("meeting")
    if meeting_id:
        raised_at = forum.meetings.filter(pk=meeting_id).first() if _is_uuid(meeting_id) else None
        if raised_at is None:
            raise Http404("Not found")
    form = ActionForm(posted(request), organisation=forum.organisation)
    return form_page(
        request,
        form,
        save=lambda data: services.save_action(
            forum,
            description=data["description"],
            owner=data["owner"],
            due_date=data["due_date"],
            raised_at=raised_at,
            link=data["link"],
        ),
        success="Action added to the log",
        next_url=_forum_url(forum, "actions"),
        context=_page(
            forum,
            "Add an action",
            "Add the action",
            _forum_url(forum),
            raised_at,
            hidden={"meeting": raised_at.pk} if raised_at else {},
        ),
    )


@require_http_methods(["GET", "POST"])
def action_detail(request, pk):
    action = get_object_for(
        request,
        ForumAction.objects.select_related("forum", "owner", "raised_at"),
        organisation_path="forum__organisation",
        write=request.method == "POST",
        rule=can_run,
        pk=pk,
    )
    forum = action.forum
    form = ActionStatusForm(posted(request), initial={"status": action.status})
    return form_page(
        request,
        form,
        save=lambda data: services.set_action_status(action, data["status"]),
        success="Action status saved",
        next_url=_forum_url(forum, "actions"),
        template="partnership/forums/action.html",
        context={
            "forum": forum,
            "action": action,
            "can_change": can_run(request.user, forum.organisation),
            "breadcrumbs": _crumbs(forum.organisation, forum),
        },
    )
