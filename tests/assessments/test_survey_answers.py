"""Answering a survey: anonymity proven on the tables, single use, and links that do not work."""

import datetime
import re

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from assessments.surveys import links, services
from assessments.surveys.forms import AnswerForm
from assessments.surveys.models import (
    SurveyAnswer,
    SurveyEmail,
    SurveyInvitation,
    SurveyRound,
    SurveyScore,
)
from tests.assessments.survey_helpers import (
    MANAGEMENT,
    STAFF_SIDE,
    TODAY,
    open_round,
    survey_framework_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/survey-link/(\S+)/")


def _post_scores(client, url, values=(7, 3, 5)):
    data = {f"s_P{number}": str(value) for number, value in enumerate(values, start=1)}
    return client.post(url, data)


@pytest.fixture
def survey_round(organisation, hr_lead, staff_rep, survey_framework):
    return open_round(
        organisation,
        survey_framework,
        hr_lead,
        management=["ann@z9a.example", hr_lead.email],
        staff_side=["bob@z9a.example", "cat@z9a.example"],
        closes_on=datetime.date.today() + datetime.timedelta(days=7),
    )


def _links_by_email():
    services.send_due_survey_emails()
    return {message.to[0]: LINK.search(message.body)[1] for message in mail.outbox}


def test_invitations_are_emailed_once_with_a_working_link(client, survey_round):
    tokens = _links_by_email()
    assert set(tokens) == {
        "ann@z9a.example",
        "hr.lead@z9a.example",
        "bob@z9a.example",
        "cat@z9a.example",
    }
    assert services.send_due_survey_emails() == 0  # nothing waiting, nothing sent twice
    page = client.get(reverse("assessments:survey_link", args=[tokens["bob@z9a.example"]]))
    assert page.status_code == 200
    assert "Statement P1" in page.content.decode()


def test_an_answer_by_link_needs_no_account_and_works_once(client, survey_round):
    url = reverse("assessments:survey_link", args=[_links_by_email()["bob@z9a.example"]])
    response = _post_scores(client, url)
    assert response.status_code == 302 and response.url == reverse("assessments:survey_thanks")
    assert client.get(response.url).status_code == 200
    answer = SurveyAnswer.objects.get()
    assert answer.side == STAFF_SIDE
    assert sorted(answer.scores.values_list("criterion__ref", "value")) == [
        ("P1", 7),
        ("P2", 3),
        ("P3", 5),
    ]
    assert SurveyInvitation.objects.get(email="bob@z9a.example").used
    for again in (client.get(url), _post_scores(client, url, (1, 1, 1))):
        assert again.status_code == 410
        assert "You have already answered" in again.content.decode()
    assert SurveyAnswer.objects.count() == 1 and SurveyScore.objects.count() == 3


def test_incomplete_answers_are_refused_with_a_message_and_nothing_stored(client, survey_round):
    url = reverse("assessments:survey_link", args=[_links_by_email()["bob@z9a.example"]])
    response = client.post(url, {"s_P1": "7", "s_P2": "11"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Score statement P2 on the scale" in page and "Score statement P3" in page
    assert not SurveyAnswer.objects.exists()
    assert not SurveyInvitation.objects.get(email="bob@z9a.example").used


@pytest.mark.parametrize(
    "token",
    ["not-a-token", "eyJpIjoiMSJ9:1abc:forged", "x" * 300],
)
def test_a_forged_link_gets_a_clear_page(client, survey_round, token):
    response = client.get(reverse("assessments:survey_link", args=[token]))
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()


def test_an_altered_link_gets_a_clear_page(client, survey_round):
    token = _links_by_email()["bob@z9a.example"]
    altered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = _post_scores(client, reverse("assessments:survey_link", args=[altered]))
    assert response.status_code == 404
    assert not SurveyAnswer.objects.exists()


def test_a_link_to_an_invitation_that_no_longer_exists_gets_a_clear_page(client, survey_round):
    invitation = SurveyInvitation.objects.get(email="bob@z9a.example")
    token = links.token_for(invitation)
    survey_round.delete()
    assert client.get(reverse("assessments:survey_link", args=[token])).status_code == 404


def test_an_expired_link_gets_a_clear_page(client, survey_round):
    token = _links_by_email()["bob@z9a.example"]
    SurveyRound.objects.filter(pk=survey_round.pk).update(
        closes_on=datetime.date.today() - datetime.timedelta(days=1)
    )
    response = _post_scores(client, reverse("assessments:survey_link", args=[token]))
    assert response.status_code == 410
    assert "This survey has closed" in response.content.decode()
    assert not SurveyAnswer.objects.exists()


def test_a_link_of_a_closed_round_gets_a_clear_page(client, survey_round, hr_lead):
    token = _links_by_email()["bob@z9a.example"]
    services.close_round(survey_round.pk, user=hr_lead)
    response = client.get(reverse("assessments:survey_link", args=[token]))
    assert response.status_code == 410


def test_a_signed_in_member_answers_with_their_own_invitation(hr_lead_client, survey_round):
    url = reverse("assessments:survey_answer", args=[survey_round.pk])
    assert hr_lead_client.get(url).status_code == 200
    assert _post_scores(hr_lead_client, url).status_code == 302
    assert SurveyAnswer.objects.get().side == MANAGEMENT
    assert hr_lead_client.get(url).status_code == 410


def test_two_submissions_of_one_invitation_count_once(survey_round):
    invitation = SurveyInvitation.objects.get(email="bob@z9a.example")
    scores = {c.pk: 5 for c in survey_round.framework.criteria.all()}
    services.submit_answer(invitation.pk, scores=scores)
    with pytest.raises(services.AlreadyAnswered):
        services.submit_answer(invitation.pk, scores=scores)
    assert SurveyAnswer.objects.count() == 1


def test_a_crash_while_storing_leaves_neither_answer_nor_used_invitation(survey_round, monkeypatch):
    invitation = SurveyInvitation.objects.get(email="bob@z9a.example")

    def crash(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(SurveyScore.objects, "bulk_create", crash)
    with pytest.raises(RuntimeError):
        services.submit_answer(
            invitation.pk, scores={c.pk: 5 for c in survey_round.framework.criteria.all()}
        )
    assert not SurveyAnswer.objects.exists()
    invitation.refresh_from_db()
    assert not invitation.used


def _every_stored_value():
    """Every value of every column of every table, as text, by table."""
    found = {}
    for model in apps.get_models():
        fields = [f.attname for f in model._meta.concrete_fields]
        found[model._meta.db_table] = {
            str(value) for row in model.objects.values_list(*fields) for value in row
        }
    return found


@pytest.mark.django_db(transaction=True)
def test_after_a_round_nothing_links_an_answer_to_an_invitation_or_a_person(
    client, hr_lead_client, survey_round, hr_lead
):
    tokens = _links_by_email()
    for email in ("bob@z9a.example", "ann@z9a.example"):
        _post_scores(client, reverse("assessments:survey_link", args=[tokens[email]]))
    _post_scores(hr_lead_client, reverse("assessments:survey_answer", args=[survey_round.pk]))
    services.queue_reminders(survey_round.pk, user=hr_lead)
    services.send_due_survey_emails()
    ids_while_open = set(SurveyAnswer.objects.values_list("pk", flat=True))
    services.close_round(survey_round.pk, user=hr_lead)

    # The answer tables hold nothing but the round, the side and the scores.
    assert {f.name for f in SurveyAnswer._meta.concrete_fields} == {"id", "round", "side"}
    assert {f.name for f in SurveyScore._meta.concrete_fields} == {
        "id",
        "answer",
        "criterion",
        "value",
    }
    answers = SurveyAnswer.objects.all()
    assert answers.count() == 3
    # Re-created on closing, so their ids say nothing about the order they came in.
    assert not ids_while_open & set(answers.values_list("pk", flat=True))
    answer_ids = {str(pk) for pk in answers.values_list("pk", flat=True)} | {
        str(pk) for pk in SurveyScore.objects.values_list("pk", flat=True)
    }
    people = {str(pk) for pk in SurveyInvitation.objects.values_list("pk", flat=True)}
    people |= {str(pk) for pk in hr_lead.__class__.objects.values_list("pk", flat=True)}
    people |= set(SurveyInvitation.objects.values_list("email", flat=True))
    values = _every_stored_value()
    own = {SurveyAnswer._meta.db_table, SurveyScore._meta.db_table}
    for table, stored in values.items():
        if table not in own:
            assert not answer_ids & stored, f"{table} names an answer"
    for table in own:
        assert not people & values[table], f"{table} names an invitation or a person"
    # The emails waiting or sent (who was reminded when) are gone with the round.
    assert not SurveyEmail.objects.filter(invitation__round=survey_round).exists()
    assert not any(answer_id in m.body for m in mail.outbox for answer_id in answer_ids)
    if connection.vendor == "postgresql":
        # Not even the transaction that last wrote a row ties an answer to an invitation: the
        # closing transaction rewrote them all.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(DISTINCT xmin::text) FROM ("
                " SELECT xmin FROM assessments_surveyanswer WHERE round_id = %s"
                " UNION ALL SELECT xmin FROM assessments_surveyinvitation WHERE round_id = %s"
                ") AS written",
                [survey_round.pk, survey_round.pk],
            )
            assert cursor.fetchone()[0] == 1


def test_reminders_go_only_to_those_who_have_not_answered_at_most_once_a_day(
    client, survey_round, hr_lead
):
    tokens = _links_by_email()
    _post_scores(client, reverse("assessments:survey_link", args=[tokens["bob@z9a.example"]]))
    mail.outbox.clear()
    assert services.queue_reminders(survey_round.pk, user=hr_lead) == 3
    assert services.send_due_survey_emails() == 0  # each was emailed today already
    tomorrow = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    assert services.send_due_survey_emails(now=tomorrow) == 3
    assert {m.to[0] for m in mail.outbox} == {
        "ann@z9a.example",
        "hr.lead@z9a.example",
        "cat@z9a.example",
    }
    assert all(m.subject.startswith("Reminder: ") for m in mail.outbox)


def test_a_round_needs_a_survey_framework_and_a_future_closing_date(
    organisation, hr_lead, survey_framework
):
    survey_framework.survey = False
    survey_framework.save()
    with pytest.raises(services.NotAllowed, match="not a framework for surveys"):
        open_round(organisation, survey_framework, hr_lead, management=["a@x.example"])
    survey_framework.survey = True
    survey_framework.save()
    with pytest.raises(services.NotAllowed, match="closing date"):
        open_round(
            organisation,
            survey_framework,
            hr_lead,
            management=["a@x.example"],
            closes_on=TODAY - datetime.timedelta(days=1),
        )
    assert not SurveyRound.objects.exists()


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(
        st.one_of(st.integers(-3, 14).map(str), st.text(max_size=5)), min_size=0, max_size=3
    )
)
def test_the_answer_form_takes_only_a_score_on_the_scale_for_every_statement(
    survey_framework, values
):
    criteria = list(survey_framework.criteria.order_by("position"))
    data = {f"s_{c.ref}": value for c, value in zip(criteria, values, strict=False)}
    form = AnswerForm(data, criteria=criteria, levels=survey_framework.levels.order_by("value"))
    valid = len(values) == 3 and all(v in [str(n) for n in range(11)] for v in values)
    assert form.is_valid() is valid
    if valid:
        assert form.scores == {c.pk: int(v) for c, v in zip(criteria, values, strict=True)}
