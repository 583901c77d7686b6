"""Joint recording of one criterion: management submits its answer, the staff side rates it and
agrees, agrees with reservations or disagrees, both sides comment, and anyone in the
organisation can check a signature against what is stored now.

Every change is a plain POST that goes back to the criterion page with a message, so the page
works without JavaScript. The access helper refuses a member without the right with 403 before
anything is read from the form; the services then enforce the workflow's own rules (the state,
nobody signing for both sides) and say why when they refuse, which we answer with 400 and that
reason. A form with a problem is shown again on a small page of its own with its error summary,
as the evidence forms are (the criterion page, built in views/checklist.py, shows these forms
through templates/assessments/joint/_panel.html and _comments.html).

The presentation pieces (state tags, the panel, readable history) live here because only the
criterion and standard pages use them; move them to presenters.py if PDFs need them too.
"""

from dataclasses import dataclass, field, fields

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from partnership import rules as access_rules
from partnership.access import get_object_for
from partnership.models import Membership
from partnership.signing import ledger

from .. import services
from ..access import get_response_for
from ..forms import OUT_OF_DATE, CommentForm, SeenForm, StaffRatingForm, StaffSignForm
from ..models import Comment, Response, ResponseChange, Signature
from ..presenters import (
    CriterionRow,
    FieldChange,
    HistoryEntry,
    RatingScale,
    Tag,
    display_value,
    history,
    status_tag,
)
from ..signing import response_content, verify_signature
from . import changed, refused

LOCKED_MESSAGE = "This assessment is signed off, so it can no longer be changed."

MANAGEMENT = Membership.Side.MANAGEMENT
STAFF_SIDE = Membership.Side.STAFF_SIDE

STATE_COLOURS = {
    Response.State.DRAFT: "grey",
    Response.State.SUBMITTED: "blue",
    Response.State.AGREED: "green",
    Response.State.AGREED_WITH_RESERVATIONS: "yellow",
    Response.State.DISAGREED: "red",
}
SIDE_COLOURS = {MANAGEMENT: "blue", STAFF_SIDE: "purple"}


# --- Presentation ---------------------------------------------------------------------------


def state_tag(response) -> Tag:
    """A criterion's joint state as an NHS.UK tag."""
    return Tag(response.get_state_display(), STATE_COLOURS.get(response.state, "grey"))


def side_tag(side) -> Tag:
    label = Membership.Side(side).label if side in Membership.Side.values else str(side)
    return Tag(label, SIDE_COLOURS.get(side, "grey"))


@dataclass
class JointCriterionRow(CriterionRow):
    """A row of the standard page: the criterion row plus the staff side's rating and the
    joint state."""

    staff_rating: Tag | None = None
    state: Tag | None = None

    @property
    def ratings_differ(self):
        return self.response.ratings_differ


def joint_rows(rows, scale: RatingScale) -> list[JointCriterionRow]:
    """presenters.criterion_rows with each side's rating and the joint state (no queries)."""
    return [
        JointCriterionRow(
            **{f.name: getattr(row, f.name) for f in fields(CriterionRow)},
            staff_rating=scale.tag(row.response.staff_rating),
            state=state_tag(row.response),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class SignatureEntry:
    signature: Signature
    side: Tag


@dataclass(frozen=True)
class CommentEntry:
    comment: Comment
    side: Tag


@dataclass
class JointPanel:
    """What the criterion page's joint recording section and comment thread show."""

    response: Response
    state: Tag
    management_rating: Tag | None
    staff_rating: Tag | None
    active: list[SignatureEntry]
    void: list[SignatureEntry]
    comments: list[CommentEntry]
    # Actions: each is shown only to someone the service would let do it.
    can_submit: bool = False
    submit_hint: str = ""
    staff_hint: str = ""
    sign_form: StaffSignForm | None = None
    rating_form: StaffRatingForm | None = None
    comment_form: CommentForm | None = None
    # For management editors: changing the answer now voids the signatures on it.
    warn_on_change: bool = False
    # The digest of management's answer as this page shows it, for the signing forms.
    seen: str = ""

    @property
    def ratings_differ(self):
        return self.response.ratings_differ


def _management_hint(response):
    if response.state == Response.State.DRAFT:
        return "Rate this criterion, or mark it not applicable, before submitting it for staff-side review."
    if response.state == Response.State.SUBMITTED:
        return "Submitted for staff-side review: waiting for the staff side to sign."
    return "To submit this criterion again, change the answer or its evidence first."


def _staff_hint(response, management_signature, user):
    if response.state == Response.State.DRAFT:
        return (
            "The management side has not submitted this criterion for review yet. "
            "You can record the staff side's rating now."
        )
    if response.state == Response.State.SUBMITTED and management_signature is not None:
        if management_signature.signer_id == user.pk:
            return (
                "You submitted this criterion for the management side, so someone else from "
                "the staff side must sign it."
            )
        return ""
    return (
        "The staff side has signed this criterion. Changing the staff side's rating voids the "
        "staff side's signature."
    )


def joint_panel(request, response, scale: RatingScale, *, files=None, links=None) -> JointPanel:
    """The joint recording section for one response. Two queries (signatures and comments)
    and, to work out what a signing form shows (``seen``), two more unless the response's
    ``files`` and ``links`` are given."""
    assessment = response.assessment
    organisation = assessment.organisation
    user = request.user
    signatures = list(response.signatures.select_related("signer").order_by("-created_at"))
    comments = list(response.comments.select_related("author").order_by("created_at", "id"))
    active = [SignatureEntry(s, side_tag(s.side)) for s in signatures if not s.is_void]
    panel = JointPanel(
        response=response,
        state=state_tag(response),
        management_rating=None if response.not_applicable else scale.tag(response.rating),
        staff_rating=scale.tag(response.staff_rating),
        # Management first, then the staff side.
        active=sorted(active, key=lambda e: e.signature.side != MANAGEMENT),
        void=[SignatureEntry(s, side_tag(s.side)) for s in signatures if s.is_void],
        comments=[CommentEntry(c, side_tag(c.side)) for c in comments],
    )
    if assessment.is_locked:
        return panel
    if access_rules.is_editor_on_either_side(user, organisation):
        panel.seen = ledger.digest_of(
            response_content(response, MANAGEMENT, files=files, links=links)
        )
    if access_rules.is_management_editor(user, organisation):
        ready = response.is_reviewed and not (
            scale.is_below_met(response.rating) and not response.barrier
        )
        panel.can_submit = response.state == Response.State.DRAFT and ready
        panel.submit_hint = "" if panel.can_submit else _management_hint(response)
        panel.warn_on_change = response.state != Response.State.DRAFT
    if access_rules.is_staff_side_editor(user, organisation):
        management = next(
            (e.signature for e in panel.active if e.signature.side == MANAGEMENT), None
        )
        panel.staff_hint = _staff_hint(response, management, user)
        if (
            response.state == Response.State.SUBMITTED
            and management is not None
            and management.signer_id != user.pk
        ):
            panel.sign_form = StaffSignForm(response=response, levels=scale.levels, seen=panel.seen)
        panel.rating_form = StaffRatingForm(response=response, levels=scale.levels)
    if access_rules.is_editor_on_either_side(user, organisation):
        panel.comment_form = CommentForm()
    return panel


@dataclass
class ReadableEntry(HistoryEntry):
    heading: str = ""


HISTORY_HEADINGS = {
    ResponseChange.Kind.STAFF_RATING: "Staff side's rating changed",
    ResponseChange.Kind.SIGNED: "Signed",
    ResponseChange.Kind.SIGNATURES_VOIDED: "Signatures voided",
    ResponseChange.Kind.COMMENTED: "Comment added",
}


def _rating_value(text):
    text = text.strip()
    if text == "None":
        return None
    try:
        return int(text)
    except ValueError:
        return text


def readable_history(entries, scale: RatingScale) -> list[ReadableEntry]:
    """presenters.history entries, with the joint recording's kinds in plain English: a staff
    rating change reads "No rating → In place" rather than "None → 2"."""
    readable = []
    for entry in entries:
        kind = entry.change.kind
        new = ReadableEntry(
            entry.change,
            fields=entry.fields,
            description=entry.description,
            heading=HISTORY_HEADINGS.get(kind, entry.change.get_kind_display()),
        )
        if kind == ResponseChange.Kind.STAFF_RATING and "→" in entry.description:
            old, _, value = entry.description.partition("→")
            new.fields = [
                FieldChange(
                    "Staff side's rating",
                    display_value("rating", _rating_value(old), scale),
                    display_value("rating", _rating_value(value), scale),
                )
            ]
            new.description = ""
        readable.append(new)
    return readable


@dataclass(frozen=True)
class SnapshotRow:
    label: str
    value: str


@dataclass
class Snapshot:
    """What a signature's stored content says, as people read it."""

    rows: list[SnapshotRow] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)


def snapshot(content, scale: RatingScale) -> Snapshot:
    """The signed content in words. Defensive: the content is data that may have been altered."""
    content = content if isinstance(content, dict) else {}
    rows = [
        SnapshotRow("Criterion", str(content.get("criterion", ""))),
        SnapshotRow("Criterion's wording", str(content.get("criterion_statement", ""))),
        SnapshotRow("Version of the answer", str(content.get("version", ""))),
    ]
    if content.get("not_applicable"):
        rows.append(SnapshotRow("Management side's rating", "Does not apply"))
        rows.append(
            SnapshotRow(
                "Why it does not apply",
                display_value("not_applicable_reason", content.get("not_applicable_reason"), scale),
            )
        )
    else:
        rows.append(
            SnapshotRow(
                "Management side's rating",
                display_value("rating", _int(content.get("rating")), scale),
            )
        )
    if "staff_rating" in content:
        rows.append(
            SnapshotRow(
                "Staff side's rating", display_value("rating", _int(content["staff_rating"]), scale)
            )
        )
    rows.append(
        SnapshotRow(
            "Evidence narrative", display_value("narrative", content.get("narrative"), scale)
        )
    )
    if content.get("barrier") or content.get("barrier_detail"):
        rows.append(
            SnapshotRow(
                "Main reason it is not in place",
                display_value("barrier", content.get("barrier"), scale),
            )
        )
        rows.append(
            SnapshotRow(
                "Why it is not in place",
                display_value("barrier_detail", content.get("barrier_detail"), scale),
            )
        )
    return Snapshot(
        rows=rows,
        files=[f for f in content.get("files") or [] if isinstance(f, dict)],
        links=[link for link in content.get("links") or [] if isinstance(link, dict)],
    )


def _signed_subject(record):
    """What a signed record says it signed. Defensive: the content may have been altered."""
    content = record.content if isinstance(record.content, dict) else {}
    subject = content.get("subject")
    return subject if isinstance(subject, dict) else {}


def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# --- Views ----------------------------------------------------------------------------------


def _criterion_url(response):
    return reverse("assessments:criterion", args=[response.assessment_id, response.pk])


def _levels(response):
    return RatingScale.for_framework(response.assessment.framework).levels


def _refused(request, response, message):
    """The service refused (the state moved on, or someone tried to sign for both sides)."""
    return refused(
        request,
        message=message,
        heading=f"Criterion {response.criterion.ref}",
        caption=response.assessment.title,
        detail=response.criterion.statement,
        back_url=_criterion_url(response),
        back_text=f"Go back to criterion {response.criterion.ref}",
    )


def _form_page(request, response, form, *, action, heading, show_answer=False):
    """A form with a problem, again, with its error summary and a way back."""
    context = {
        "response": response,
        "form": form,
        "action": reverse(action, args=[response.pk]),
        "heading": heading,
        "back_url": _criterion_url(response),
        "show_answer": show_answer,
    }
    if show_answer:
        scale = RatingScale.for_framework(response.assessment.framework)
        context["rating"] = None if response.not_applicable else scale.tag(response.rating)
        context["status"] = status_tag(response)
    return render(request, "assessments/joint/form_error.html", context, status=400)


def _changed(request, response, seen_version):
    """The answer changed after the signer opened the page: what changed since the version
    they saw (from the response's history), and what it says now."""
    response = get_response_for(request, response.pk)
    scale = RatingScale.for_framework(response.assessment.framework)
    changes = response.changes.select_related("user")
    if seen_version is not None:
        changes = changes.filter(version__gt=seen_version)
    return changed(
        request,
        heading=f"Criterion {response.criterion.ref} has changed",
        caption=response.assessment.title,
        back_url=_criterion_url(response),
        back_text=f"Go back to criterion {response.criterion.ref}",
        history=readable_history(history(list(changes[:20]), scale), scale),
        current=snapshot(response_content(response, MANAGEMENT), scale).rows,
    )


def _run(request, response, action, *, seen_version=None):
    """Run a service call, translating its refusals. Returns an HTTP answer on refusal."""
    try:
        action()
    except services.AssessmentLocked as exc:
        raise PermissionDenied(LOCKED_MESSAGE) from exc
    except services.ContentChanged:
        return _changed(request, response, seen_version)
    except services.NotAllowed as exc:
        return _refused(request, response, str(exc))
    return None


@require_POST
def submit(request, response_pk):
    response = get_response_for(
        request, response_pk, write=True, rule=access_rules.is_management_editor
    )
    form = SeenForm(request.POST)
    if not form.is_valid():
        return _refused(request, response, OUT_OF_DATE)
    seen = form.cleaned_data
    refused = _run(
        request,
        response,
        lambda: services.submit_response(response.pk, user=request.user, seen=seen["seen"]),
        seen_version=seen["version"],
    )
    if refused:
        return refused
    messages.success(request, f"{response.criterion.ref} submitted for staff-side review")
    return redirect(_criterion_url(response))


@require_POST
def staff_sign(request, response_pk):
    response = get_response_for(
        request, response_pk, write=True, rule=access_rules.is_staff_side_editor
    )
    form = StaffSignForm(request.POST, response=response, levels=_levels(response))
    if not form.is_valid():
        return _form_page(
            request,
            response,
            form,
            action="assessments:staff_sign",
            heading=f"Sign {response.criterion.ref} for the staff side",
            show_answer=True,
        )
    data = form.cleaned_data
    refused = _run(
        request,
        response,
        lambda: services.staff_side_sign(
            response.pk,
            user=request.user,
            decision=data["decision"],
            comment=data["comment"],
            staff_rating=data["staff_rating"],
            seen=data["seen"],
        ),
        seen_version=data["version"],
    )
    if refused:
        return refused
    decision = Signature.Decision(data["decision"]).label.lower()
    messages.success(request, f"Signed {response.criterion.ref} for the staff side: {decision}")
    return redirect(_criterion_url(response))


@require_POST
def staff_rating(request, response_pk):
    response = get_response_for(
        request, response_pk, write=True, rule=access_rules.is_staff_side_editor
    )
    form = StaffRatingForm(request.POST, response=response, levels=_levels(response))
    if not form.is_valid():
        return _form_page(
            request,
            response,
            form,
            action="assessments:staff_rating",
            heading=f"The staff side's rating of {response.criterion.ref}",
        )
    refused = _run(
        request,
        response,
        lambda: services.record_staff_rating(
            response.pk, rating=form.cleaned_data["staff_rating"], user=request.user
        ),
    )
    if refused:
        return refused
    messages.success(request, "Saved the staff side's rating")
    return redirect(_criterion_url(response))


@require_POST
def comment(request, response_pk):
    response = get_response_for(
        request, response_pk, write=True, rule=access_rules.is_editor_on_either_side
    )
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _form_page(
            request,
            response,
            form,
            action="assessments:comment",
            heading=f"Comment on {response.criterion.ref}",
        )
    refused = _run(
        request,
        response,
        lambda: services.add_comment(
            response.pk, user=request.user, body=form.cleaned_data["body"]
        ),
    )
    if refused:
        return refused
    messages.success(request, "Comment added")
    return redirect(_criterion_url(response) + "#comments")


@require_GET
def verify(request, pk):
    signature = get_object_for(
        request,
        Signature.objects.select_related(
            "signer", "response__criterion__standard", "assessment__framework"
        ),
        organisation_path="assessment__organisation",
        pk=pk,
    )
    assessment = signature.assessment
    response = signature.response
    criterion = response.criterion
    scale = RatingScale.for_framework(assessment.framework)
    return render(
        request,
        "assessments/joint/verify.html",
        {
            "signature": signature,
            "side": side_tag(signature.side),
            "assessment": assessment,
            "response": response,
            "criterion": criterion,
            "verification": verify_signature(signature),
            "snapshot": snapshot(_signed_subject(signature), scale),
            "breadcrumbs": [
                {"text": "Home", "href": reverse("assessments:home")},
                {
                    "text": assessment.title,
                    "href": reverse("assessments:assessment", args=[assessment.pk]),
                },
                {
                    "text": criterion.standard.title,
                    "href": reverse(
                        "assessments:standard", args=[assessment.pk, criterion.standard_id]
                    ),
                },
                {"text": f"Criterion {criterion.ref}", "href": _criterion_url(response)},
            ],
        },
    )
