"""Survey workflows: opening rounds, answering, reminding, closing and acting on the results.

Each runs in one transaction. Answering creates the answer and marks the invitation used in
the same transaction, guarded by a conditional update, so a crash leaves neither and two
submissions of one link count once. Nothing written while answering names the invitation or
the person; closing the round also rewrites its rows so that not even the database's row
bookkeeping (PostgreSQL's xmin, the physical order) ties an answer to an invitation.
"""

import logging
import random
from itertools import groupby

from django.conf import settings
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from partnership import rules as access_rules
from partnership.models import Membership, NetworkMember, NetworkOrganisation

from .. import services as assessment_services
from ..models import Assessment
from ..services import NotAllowed
from . import links
from .models import SurveyAnswer, SurveyEmail, SurveyInvitation, SurveyRound, SurveyScore

logger = logging.getLogger(__name__)
SIDES = (Membership.Side.MANAGEMENT, Membership.Side.STAFF_SIDE)

can_run_round = access_rules.is_lead_on_either_side


class AlreadyAnswered(Exception):
    """This invitation has been used."""


class RoundClosed(Exception):
    """The round is closed or past its closing date."""


def _require(predicate, user, organisation, message):
    if not predicate(user, organisation):
        raise NotAllowed(message)


def _check_round_terms(framework, closes_on, today):
    if not framework.survey:
        raise NotAllowed(f"{framework.title} is not a framework for surveys")
    if closes_on < today:
        raise NotAllowed("The closing date must be today or later")


def _clean_emails(invitees: dict) -> dict[str, list[str]]:
    """Each side's addresses, lower case, each person once in the round (first side wins)."""
    seen, cleaned = set(), {}
    for side in SIDES:
        cleaned[side] = []
        for email in invitees.get(side, ()):
            email = email.strip().lower()
            if not email or email in seen:
                continue
            validate_email(email)
            seen.add(email)
            cleaned[side].append(email)
    if not any(cleaned.values()):
        raise NotAllowed("Invite at least one person")
    return cleaned


def members_by_side(organisation) -> dict[str, list[str]]:
    """The email addresses of the organisation's active members on each side (one query)."""
    result = {side: [] for side in SIDES}
    for side, email in (
        organisation.memberships.filter(user__is_active=True)
        .order_by("user__email")
        .values_list("side", "user__email")
    ):
        result[side].append(email)
    return result


def _create_round(organisation, *, framework, period, title, closes_on, invitees, user, network):
    try:
        with transaction.atomic():
            survey_round = SurveyRound.objects.create(
                organisation=organisation,
                framework=framework,
                period=period,
                title=title,
                closes_on=closes_on,
                network=network,
                opened_by=user,
            )
    except IntegrityError as error:
        raise NotAllowed(
            f"{organisation.name} already has an open {framework.title} survey: close it first"
        ) from error
    invitations = SurveyInvitation.objects.bulk_create(
        SurveyInvitation(round=survey_round, side=side, email=email)
        for side in SIDES
        for email in invitees[side]
    )
    SurveyEmail.objects.bulk_create(
        SurveyEmail(invitation=invitation, kind=SurveyEmail.Kind.INVITATION)
        for invitation in invitations
    )
    return survey_round


@transaction.atomic
def open_round(
    organisation, *, framework, period, title, closes_on, invitees, user, today=None
) -> SurveyRound:
    """An organisation's lead (either side) opens a round and invites people on each side."""
    _require(can_run_round, user, organisation, "Only the leads of either side can open a survey")
    _check_round_terms(framework, closes_on, today or timezone.localdate())
    survey_round = _create_round(
        organisation,
        framework=framework,
        period=period,
        title=title,
        closes_on=closes_on,
        invitees=_clean_emails(invitees),
        user=user,
        network=None,
    )
    transaction.on_commit(send_due_survey_emails)
    return survey_round


@transaction.atomic
def open_network_round(network, *, framework, period, title, closes_on, user, today=None):
    """A network lead opens one round in every joined member organisation, inviting each
    organisation's members on both sides. Returns (rounds, organisations skipped because they
    already have an open round of this framework or nobody to invite)."""
    if not NetworkMember.objects.filter(
        network=network, user=user, role=NetworkMember.Role.LEAD
    ).exists():
        raise NotAllowed("Only a lead of the network can open a survey for all its members")
    _check_round_terms(framework, closes_on, today or timezone.localdate())
    rounds, skipped = [], []
    memberships = NetworkOrganisation.objects.filter(
        network=network, status=NetworkOrganisation.Status.JOINED
    ).select_related("organisation")
    for membership in memberships:
        organisation = membership.organisation
        try:
            invitees = _clean_emails(members_by_side(organisation))
            rounds.append(
                _create_round(
                    organisation,
                    framework=framework,
                    period=period,
                    title=title,
                    closes_on=closes_on,
                    invitees=invitees,
                    user=user,
                    network=network,
                )
            )
        except NotAllowed:
            skipped.append(organisation)
    if not rounds:
        raise NotAllowed(
            "No member organisation could take part: none has joined, or each "
            "already has an open survey of this framework"
        )
    transaction.on_commit(send_due_survey_emails)
    return rounds, skipped


def _check_scores(survey_round, scores: dict) -> list[SurveyScore]:
    criteria = list(survey_round.framework.criteria.all())
    values = set(survey_round.framework.levels.values_list("value", flat=True))
    if set(scores) != {c.pk for c in criteria}:
        raise NotAllowed("Score every statement")
    if any(value not in values for value in scores.values()):
        raise NotAllowed("Each score must be one of the scale's values")
    return [SurveyScore(criterion=c, value=scores[c.pk]) for c in criteria]


@transaction.atomic
def submit_answer(invitation_id, *, scores: dict, today=None) -> SurveyAnswer:
    """Store one anonymous answer for an invitation and mark the invitation used, together.

    ``scores`` maps criterion id to value. The conditional update is the guard: of two
    submissions racing on one invitation, exactly one marks it used; the other raises and its
    transaction (answer included) is rolled back.
    """
    invitation = SurveyInvitation.objects.select_related("round__framework").get(pk=invitation_id)
    survey_round = invitation.round
    if not survey_round.accepts_answers(today):
        raise RoundClosed("This survey has closed")
    if invitation.used:
        raise AlreadyAnswered("This invitation has already been used to answer")
    rows = _check_scores(survey_round, scores)
    if not SurveyInvitation.objects.filter(pk=invitation.pk, used=False).update(used=True):
        raise AlreadyAnswered("This invitation has already been used to answer")
    answer = SurveyAnswer.objects.create(round=survey_round, side=invitation.side)
    for row in rows:
        row.answer = answer
    SurveyScore.objects.bulk_create(rows)
    return answer


def invitation_for_member(survey_round, user) -> SurveyInvitation | None:
    """The signed-in person's own invitation to this round, if they have one."""
    return SurveyInvitation.objects.filter(round=survey_round, email__iexact=user.email).first()


@transaction.atomic
def queue_reminders(round_id, *, user) -> int:
    """Remind everyone who has not answered; sent in the next batch. Returns how many."""
    survey_round = (
        SurveyRound.objects.select_for_update().select_related("organisation").get(pk=round_id)
    )
    _require(can_run_round, user, survey_round.organisation, "Only the leads can send reminders")
    if not survey_round.accepts_answers():
        raise NotAllowed("This survey has closed, so there is nobody to remind")
    pending = SurveyEmail.objects.filter(
        invitation__round=survey_round, emailed_at__isnull=True
    ).values("invitation_id")
    waiting = list(
        survey_round.invitations.filter(used=False)
        .exclude(pk__in=pending)
        .values_list("pk", flat=True)
    )
    SurveyEmail.objects.bulk_create(
        SurveyEmail(invitation_id=pk, kind=SurveyEmail.Kind.REMINDER) for pk in waiting
    )
    transaction.on_commit(send_due_survey_emails)
    return len(waiting)


@transaction.atomic
def close_round(round_id, *, user=None, now=None) -> SurveyRound:
    """Close a round: no more answers, results can be read.

    ``user`` None is the scheduled closing of rounds past their date. The round's invitations
    are rewritten and its answers re-created in a random order with new ids, and its emails
    deleted, so that nothing left in the database says in which order, or in which
    transaction, anyone answered.
    """
    survey_round = (
        SurveyRound.objects.select_for_update().select_related("organisation").get(pk=round_id)
    )
    if user is not None:
        _require(can_run_round, user, survey_round.organisation, "Only the leads can close it")
    if not survey_round.is_open:
        raise NotAllowed("This survey is already closed")
    survey_round.status = SurveyRound.Status.CLOSED
    survey_round.closed_at = now or timezone.now()
    survey_round.save(update_fields=["status", "closed_at", "updated_at"])
    SurveyEmail.objects.filter(invitation__round=survey_round).delete()
    SurveyInvitation.objects.filter(round=survey_round).update(used=F("used"))
    _reshuffle_answers(survey_round)
    return survey_round


def _reshuffle_answers(survey_round):
    answers = list(survey_round.answers.prefetch_related("scores"))
    random.SystemRandom().shuffle(answers)
    new_answers, new_scores = [], []
    for old in answers:
        answer = SurveyAnswer(round=survey_round, side=old.side)
        new_answers.append(answer)
        new_scores.extend(
            SurveyScore(answer=answer, criterion_id=s.criterion_id, value=s.value)
            for s in old.scores.all()
        )
    survey_round.answers.all().delete()
    SurveyAnswer.objects.bulk_create(new_answers)
    SurveyScore.objects.bulk_create(new_scores)


def close_due_rounds(today=None) -> int:
    """Close every open round whose closing date has passed. Returns how many."""
    today = today or timezone.localdate()
    due = list(
        SurveyRound.objects.filter(status=SurveyRound.Status.OPEN, closes_on__lt=today).values_list(
            "pk", flat=True
        )
    )
    for pk in due:
        close_round(pk)
    return len(due)


# --- Emails -----------------------------------------------------------------------------------


def send_due_survey_emails(now=None) -> int:
    """Email waiting invitations and reminders: one email per invitation per day at most, and
    only while the round takes answers. Returns the number of emails sent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    today_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    emailed_today = set(
        SurveyEmail.objects.filter(emailed_at__gte=today_start).values_list(
            "invitation_id", flat=True
        )
    )
    pending = (
        SurveyEmail.objects.filter(
            emailed_at__isnull=True,
            invitation__used=False,
            invitation__round__status=SurveyRound.Status.OPEN,
            invitation__round__closes_on__gte=today,
        )
        .select_related("invitation__round__organisation", "invitation__round__framework")
        .order_by("invitation_id", "created_at")
    )
    sent = 0
    for invitation_id, group in groupby(pending, key=lambda e: e.invitation_id):
        if invitation_id in emailed_today:
            continue
        items = list(group)
        _send(items[0].invitation, reminder=items[-1].kind == SurveyEmail.Kind.REMINDER)
        SurveyEmail.objects.filter(pk__in=[e.pk for e in items]).update(emailed_at=now)
        sent += 1
    return sent


def _send(invitation, *, reminder):
    survey_round = invitation.round
    organisation = survey_round.organisation
    side = invitation.get_side_display().lower()
    opening = "A reminder: you are" if reminder else "You are"
    body = (
        f"{opening} invited to answer {organisation.name}'s partnership survey, "
        f"“{survey_round.title}”, as a member of the {side}.\n\n"
        "It takes a few minutes. Your answer is anonymous: it is stored without your name, "
        "email address or the time you answered, and results are shown only for groups of "
        f"at least {min_answers()} people.\n\n"
        f"Answer here (no account needed; the link works once, until "
        f"{survey_round.closes_on:%-d %B %Y}):\n{links.url_for(invitation)}\n"
    )
    try:
        send_mail(
            f"{'Reminder: ' if reminder else ''}{survey_round.title} ({organisation.name})",
            body,
            None,
            [invitation.email],
        )
    except Exception:  # an unreachable mail server must never undo the work just saved
        logger.exception("Could not email a survey invitation for round %s", survey_round.pk)


def min_answers() -> int:
    return getattr(settings, "SURVEY_MIN_ANSWERS", 5)


# --- From results to joint actions -------------------------------------------------------------


def action_assessment(survey_round) -> Assessment | None:
    """Where actions from a survey go: the plan of the organisation's latest assessment of the
    same framework (the leads' own joint health check), which shares the statements' refs."""
    return (
        Assessment.objects.filter(
            organisation=survey_round.organisation,
            framework__slug=survey_round.framework.slug,
        )
        .select_related("framework")
        .order_by("-period", "-created_at")
        .first()
    )


@transaction.atomic
def add_action_from_statements(
    round_id, *, user, refs, description, management_owner, staff_owner, target_date
):
    """Turn low-scoring statements of a closed round into one joint action on the plan of the
    organisation's latest assessment of the framework, starting that assessment if there is
    none yet. Either side's lead may; save_action checks the owners and the rest."""
    survey_round = SurveyRound.objects.select_related("organisation", "framework").get(pk=round_id)
    organisation = survey_round.organisation
    _require(can_run_round, user, organisation, "Only the leads can add actions from a survey")
    if not survey_round.is_closed:
        raise NotAllowed("Close the survey before acting on its results")
    assessment = action_assessment(survey_round)
    if assessment is None:
        assessment = assessment_services.start_assessment(
            organisation=organisation,
            framework=survey_round.framework,
            period=survey_round.period,
            title=f"{survey_round.framework.title} {survey_round.period}",
            user=user,
        )
    responses = list(assessment.responses.filter(criterion__ref__in=refs))
    if not refs or len(responses) != len(set(refs)):
        raise NotAllowed("Choose at least one of the survey's statements")
    action = assessment_services.save_action(
        assessment.pk,
        user=user,
        description=description,
        responses=responses,
        management_owner=management_owner,
        staff_owner=staff_owner,
        target_date=target_date,
    )
    return assessment, action
