"""Signing in and out, changing and resetting a password, and the sign-in throttle."""

import logging
import re

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from partnership import throttle
from partnership.models import ThrottleEntry
from tests.factories import PASSWORD, UserFactory

LOGIN_URL = reverse("login")
HOME_URL = reverse("assessments:home")
NEW_PASSWORD = "a-brand-new-passphrase-2026"
LOCKED_MESSAGE = (
    "Too many failed sign-in attempts. Wait 15 minutes and try again, or reset your password."
)


@pytest.fixture
def user(db):
    return UserFactory(email="hr.lead@z9a.example")


@pytest.fixture
def small_limit(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 6
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 900
    return 3


def sign_in(client, email, password, **extra):
    return client.post(LOGIN_URL, {"username": email, "password": password}, **extra)


def page_title(response):
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


def signed_in(client):
    return SESSION_KEY in client.session


# --- Signing in and out ------------------------------------------------------------------


@pytest.mark.smoke
def test_sign_in_through_the_form_goes_home(client, user):
    response = sign_in(client, "hr.lead@z9a.example", PASSWORD)

    assert response.status_code == 302
    assert response.url == HOME_URL
    assert client.get(HOME_URL).status_code == 200


@pytest.mark.smoke
def test_anonymous_request_redirects_to_sign_in(client, db):
    response = client.get(HOME_URL)

    assert response.status_code == 302
    assert response.url == f"{LOGIN_URL}?next={HOME_URL}"


@pytest.mark.smoke
def test_wrong_password_shows_error_and_error_title(client, user):
    response = sign_in(client, "hr.lead@z9a.example", "not-the-password")

    assert response.status_code == 200
    assert page_title(response).startswith("Error: ")
    content = response.content.decode()
    assert "There is a problem" in content
    assert "Enter a correct email address and password" in content
    assert not signed_in(client)


def test_sign_in_page_is_public_and_links_to_password_reset(client, db):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert page_title(response).startswith("Sign in")
    assert '<label class="nhsuk-label" for="id_username">Email address</label>' in content
    assert f'href="{reverse("password_reset")}">Forgotten your password?</a>' in content
    assert "novalidate" in content
    assert "maxlength" not in content
    assert " required" not in content


def test_email_in_a_different_case_signs_in(client, user):
    response = sign_in(client, "  HR.Lead@Z9A.example ", PASSWORD)

    assert response.status_code == 302
    assert signed_in(client)


def test_empty_form_asks_for_both_fields(client, db):
    response = sign_in(client, "", "")

    content = response.content.decode()
    assert '<a href="#id_username">Enter your email address</a>' in content
    assert '<a href="#id_password">Enter your password</a>' in content


def test_signed_in_user_visiting_sign_in_goes_home(client, user):
    client.force_login(user)

    response = client.get(LOGIN_URL)

    assert response.status_code == 302
    assert response.url == HOME_URL


def test_next_is_followed_after_sign_in(client, user):
    response = client.post(
        f"{LOGIN_URL}?next=/frameworks/", {"username": user.email, "password": PASSWORD}
    )

    assert response.url == "/frameworks/"


def test_a_session_lasts_until_the_browser_closes_and_at_most_a_working_day(client, user):
    response = sign_in(client, user.email, PASSWORD)

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # gone when the browser closes
    assert client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == 8 * 60 * 60


def test_sign_out_by_post(client, user):
    client.force_login(user)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response.url == LOGIN_URL
    assert not signed_in(client)
    assert client.get(HOME_URL).status_code == 302


def test_sign_out_refuses_get(client, user):
    client.force_login(user)

    assert client.get(reverse("logout")).status_code == 405
    assert signed_in(client)


# --- Throttling --------------------------------------------------------------------------


def fail(client, email, times, **extra):
    for _ in range(times):
        response = sign_in(client, email, "wrong-password", **extra)
        assert response.status_code == 200
    return response


def test_throttle_locks_after_limit_and_refuses_even_the_right_password(
    client, user, small_limit, monkeypatch
):
    fail(client, user.email, small_limit)
    checked = []
    monkeypatch.setattr(
        "django.contrib.auth.forms.authenticate", lambda *a, **kw: checked.append(kw)
    )

    response = sign_in(client, user.email, PASSWORD)

    assert response.status_code == 429
    assert LOCKED_MESSAGE in response.content.decode()
    assert page_title(response).startswith("Error: ")
    assert checked == [], "the password must not be checked while locked"
    assert not signed_in(client)


# Spellings of kate.simmons@z9a.example that the sign-in lookup matches: by case and spaces on
# both databases, and on PostgreSQL (whose UPPER() maps them) the Kelvin sign for K, the long s
# for s and the dotless i for i. Each passes Django's email validation.
LOOK_ALIKES = [
    "KATE.SIMMONS@z9a.example",
    " Kate.Simmons@Z9A.example ",
    "\u212aate.simmons@z9a.example",
    "kate.\u017fimmons@z9a.example",
    "kate.s\u0131mmons@z9a.example",
]


def test_throttle_counts_look_alike_addresses_as_one(client, db, settings):
    UserFactory(email="kate.simmons@z9a.example")
    settings.LOGIN_FAILURE_LIMIT = len(LOOK_ALIKES)
    for spelling in LOOK_ALIKES:
        fail(client, spelling, 1)

    response = sign_in(client, "kate.simmons@z9a.example", PASSWORD)

    assert response.status_code == 429


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("\uff2b\uff41te@z9a.example", "kate@z9a.example"),  # full-width letters (NFKC)
        ("\u212aate@z9a.example", "kate@z9a.example"),
        ("stra\u00dfe@z9a.example", "STRASSE@z9a.example"),
        ("  kate@z9a.example\t", "KATE@Z9A.EXAMPLE"),
        ("kate.s\u0131mmons@z9a.example", "kate.simmons@z9a.example"),
    ],
)
def test_normalise_maps_look_alikes_together(spelling, canonical):
    assert throttle.normalise(spelling) == throttle.normalise(canonical)


def test_one_clients_failures_never_lock_out_the_right_password_from_another(
    client, user, small_limit
):
    fail(client, user.email, small_limit, REMOTE_ADDR="10.0.0.66")

    from_that_client = sign_in(client, user.email, PASSWORD, REMOTE_ADDR="10.0.0.66")
    from_elsewhere = sign_in(client, user.email, PASSWORD, REMOTE_ADDR="10.0.0.7")

    assert from_that_client.status_code == 429
    assert from_elsewhere.status_code == 302


def test_many_failures_from_one_client_address_lock_no_one_else_out(client, user):
    """Behind a trust's proxy everyone shares one client address: fifty-one people mistyping
    their own passwords must not lock the fifty-second out."""
    for n in range(51):
        fail(client, f"person{n}@z9a.example", 1, REMOTE_ADDR="10.0.0.66")

    assert sign_in(client, user.email, PASSWORD, REMOTE_ADDR="10.0.0.66").status_code == 302


def test_failures_spread_over_many_clients_lock_the_address_everywhere(client, user, small_limit):
    # Three clients, none reaching its own limit of 3, reach the address's limit of 6.
    for n in range(3):
        fail(client, user.email, 2, REMOTE_ADDR=f"10.0.1.{n}")

    assert sign_in(client, user.email, PASSWORD, REMOTE_ADDR="10.0.2.1").status_code == 429


def test_a_locked_attempt_is_not_counted_and_leaves_no_row(client, user, small_limit):
    fail(client, user.email, small_limit)
    for _ in range(3):
        assert sign_in(client, user.email, PASSWORD).status_code == 429

    assert ThrottleEntry.objects.count() == small_limit
    assert ThrottleEntry.objects.filter(failed=False).count() == 0


def test_a_sign_in_attempt_costs_the_same_few_queries_however_many_failures(
    client, user, small_limit, django_assert_num_queries
):
    # Purge, insert, count, then mark failed and count again for the log.
    with django_assert_num_queries(5 + 1):  # and the user lookup
        fail(client, user.email, 1, REMOTE_ADDR="10.0.0.1")
    for n in range(20):
        fail(client, f"other{n}@z9a.example", 1, REMOTE_ADDR="10.0.0.1")

    with django_assert_num_queries(5 + 1):
        fail(client, user.email, 1, REMOTE_ADDR="10.0.0.1")


def test_successful_sign_in_clears_the_email_count(client, user, small_limit):
    fail(client, user.email, small_limit - 1)
    assert sign_in(client, user.email, PASSWORD).status_code == 302
    client.post(reverse("logout"))

    # From a fresh address, so only the email count could lock.
    fail(client, user.email, small_limit - 1, REMOTE_ADDR="10.0.0.3")

    assert sign_in(client, user.email, PASSWORD, REMOTE_ADDR="10.0.0.3").status_code == 302


def test_lock_ends_when_the_failures_leave_the_window(client, user, small_limit, monkeypatch):
    now = 1_000_000.0
    monkeypatch.setattr(throttle.time, "time", lambda: now)
    fail(client, user.email, small_limit)
    assert sign_in(client, user.email, PASSWORD).status_code == 429

    now += 901

    assert sign_in(client, user.email, PASSWORD).status_code == 302


def test_lockout_logs_a_warning(client, user, small_limit, caplog):
    with caplog.at_level(logging.WARNING, logger="partnership.throttle"):
        fail(client, user.email, small_limit)

    lockouts = [r for r in caplog.records if r.name == "partnership.throttle"]
    assert len(lockouts) == 1
    assert lockouts[0].levelno == logging.WARNING
    message = lockouts[0].getMessage()
    assert "from this client address" in message
    assert "email=hr.lead@z9a.example ip=127.0.0.1" in message


def test_throttle_message_follows_the_window_setting(client, user, small_limit, settings):
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 300
    fail(client, user.email, small_limit)

    response = sign_in(client, user.email, PASSWORD)

    assert "Wait 5 minutes" in response.content.decode()


# --- Password reset and change -----------------------------------------------------------


def reset_link(message):
    match = re.search(r"https?://testserver(/accounts/reset/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_password_reset_by_email_end_to_end(client, user):
    response = client.post(reverse("password_reset"), {"email": "HR.Lead@z9a.example"})
    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["hr.lead@z9a.example"]
    assert message.subject == "Reset your IWL partnership self-assessment password"

    # Following the link lands on the set-password page (Django moves the token to the session).
    response = client.get(reset_link(message), follow=True)
    assert response.status_code == 200
    assert "Set a new password" in response.content.decode()
    set_password_url = response.redirect_chain[-1][0]

    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.url == reverse("password_reset_complete")
    assert not signed_in(client)

    assert sign_in(client, user.email, PASSWORD).status_code == 200
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 302


def test_password_reset_for_unknown_email_says_the_same_and_sends_nothing(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@z9a.example"})

    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_password_reset_link_works_once(client, user):
    client.post(reverse("password_reset"), {"email": user.email})
    link = reset_link(mail.outbox[0])
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    response = client.get(link, follow=True)

    assert "This link has expired" in response.content.decode()


def test_password_reset_pages_are_public(client, db):
    for name in ("password_reset", "password_reset_done", "password_reset_complete"):
        assert client.get(reverse(name)).status_code == 200


def test_new_passwords_must_match(client, user):
    client.post(reverse("password_reset"), {"email": user.email})
    set_password_url = client.get(reset_link(mail.outbox[0]), follow=True).redirect_chain[-1][0]

    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": "something-else-1"}
    )

    assert response.status_code == 200
    assert page_title(response).startswith("Error: ")
    assert "The new passwords do not match" in response.content.decode()


def test_password_change(client, user):
    client.force_login(user)

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.url == reverse("password_change_done")
    assert client.get(response.url).status_code == 200
    client.post(reverse("logout"))
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 302


def test_password_change_with_wrong_current_password(client, user):
    client.force_login(user)

    response = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert page_title(response).startswith("Error: ")
    assert '<a href="#id_old_password">Your current password is not correct</a>' in (
        response.content.decode()
    )
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_needs_sign_in(client, db):
    response = client.get(reverse("password_change"))

    assert response.status_code == 302
    assert response.url.startswith(LOGIN_URL)


# --- The admin's sign-in -----------------------------------------------------------------

ADMIN_LOGIN_URL = reverse("admin:login")


def admin_sign_in(client, email, password, **extra):
    return client.post(
        f"{ADMIN_LOGIN_URL}?next=/admin/", {"username": email, "password": password}, **extra
    )


@pytest.fixture
def admin_user(db):
    return UserFactory(email="admin@iwl.example", is_staff=True, is_superuser=True)


def test_admin_sign_in_failures_lock_the_address(client, admin_user, small_limit):
    for _ in range(small_limit):
        assert admin_sign_in(client, "ADMIN@iwl.example", "wrong-password").status_code == 200

    response = admin_sign_in(client, admin_user.email, PASSWORD)

    assert response.status_code == 200
    assert "Too many failed sign-in attempts. Wait 15 minutes" in response.content.decode()
    assert not signed_in(client)
    assert sign_in(client, admin_user.email, PASSWORD).status_code == 429


def test_sign_in_page_failures_lock_the_admin_sign_in_too(client, admin_user, small_limit):
    fail(client, admin_user.email, small_limit)

    admin_sign_in(client, admin_user.email, PASSWORD)

    assert not signed_in(client)


def test_admin_sign_in_still_works_and_clears_failures(client, admin_user, small_limit):
    fail(client, admin_user.email, small_limit - 1)

    response = admin_sign_in(client, admin_user.email, PASSWORD)

    assert response.status_code == 302
    assert signed_in(client)
    assert not ThrottleEntry.objects.exists()


def test_right_password_without_admin_rights_is_refused_but_not_counted(client, user, small_limit):
    for _ in range(small_limit + 1):
        response = admin_sign_in(client, user.email, PASSWORD)
        assert response.status_code == 200
        assert not signed_in(client)

    assert sign_in(client, user.email, PASSWORD).status_code == 302


# --- Password reset: rate limits, equal work, and lifting the lock ------------------------


@pytest.fixture
def reset_limits(settings):
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 2
    settings.PASSWORD_RESET_LIMIT_PER_CLIENT = 4
    settings.PASSWORD_RESET_WINDOW_SECONDS = 3600


def ask_reset(client, email, **extra):
    return client.post(reverse("password_reset"), {"email": email}, **extra)


def test_password_reset_is_rate_limited_per_address(client, user, reset_limits):
    for _ in range(2):
        assert ask_reset(client, user.email, REMOTE_ADDR="10.0.0.1").status_code == 302

    response = ask_reset(client, "HR.LEAD@z9a.example", REMOTE_ADDR="10.0.0.2")

    assert response.status_code == 429
    assert page_title(response).startswith("Error: ")
    assert "Too many password reset requests. Wait 60 minutes" in response.content.decode()
    assert len(mail.outbox) == 2


def test_password_reset_limit_per_address_is_the_same_for_unknown_addresses(
    client, db, reset_limits
):
    for _ in range(2):
        assert ask_reset(client, "nobody@z9a.example").status_code == 302

    assert ask_reset(client, "nobody@z9a.example").status_code == 429


def test_password_reset_is_rate_limited_per_client(client, user, reset_limits):
    for n in range(4):
        assert (
            ask_reset(client, f"person{n}@z9a.example", REMOTE_ADDR="10.0.0.5").status_code == 302
        )

    from_that_client = ask_reset(client, user.email, REMOTE_ADDR="10.0.0.5")
    from_elsewhere = ask_reset(client, user.email, REMOTE_ADDR="10.0.0.6")

    assert from_that_client.status_code == 429
    assert from_elsewhere.status_code == 302
    assert [m.to for m in mail.outbox] == [[user.email]]


@pytest.fixture
def reset_work(monkeypatch):
    """Records the templates rendered and the tokens made while answering a reset request."""
    from django.contrib.auth.tokens import default_token_generator
    from django.template import loader

    work = []
    render, make_token = loader.render_to_string, default_token_generator.make_token

    def recording_render(name, *args, **kwargs):
        work.append(("render", name))
        return render(name, *args, **kwargs)

    def recording_make_token(user):
        work.append(("token", type(user).__name__))
        return make_token(user)

    monkeypatch.setattr(loader, "render_to_string", recording_render)
    monkeypatch.setattr(default_token_generator, "make_token", recording_make_token)
    return work


def test_password_reset_does_the_same_work_for_unknown_addresses(client, user, reset_work):
    ask_reset(client, user.email)
    for_a_user = [step for step in reset_work if "password_reset_form" not in step[1]]
    reset_work.clear()

    ask_reset(client, "nobody@z9a.example")
    for_nobody = [step for step in reset_work if "password_reset_form" not in step[1]]

    assert for_a_user == [
        ("token", "User"),
        ("render", "registration/password_reset_subject.txt"),
        ("render", "registration/password_reset_email.html"),
    ]
    assert for_nobody == for_a_user
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_password_reset_email_is_sent_only_after_the_answer(rf, user):
    from django.contrib.sessions.middleware import SessionMiddleware

    from partnership.auth_urls import ResetPasswordView

    request = rf.post(reverse("password_reset"), {"email": user.email})
    SessionMiddleware(lambda r: None).process_request(request)
    request._dont_enforce_csrf_checks = True

    response = ResetPasswordView.as_view()(request)

    assert response.status_code == 302
    assert mail.outbox == []
    response.close()  # what the web server does once the client has the answer
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_completed_password_reset_lifts_the_sign_in_lock(client, user, small_limit):
    # Locked everywhere: both clients at their own limit, the address at its own.
    for n in range(2):
        fail(client, user.email, small_limit, REMOTE_ADDR=f"10.0.3.{n}")
    assert sign_in(client, user.email, PASSWORD, REMOTE_ADDR="10.0.3.9").status_code == 429

    ask_reset(client, user.email)
    set_password_url = client.get(reset_link(mail.outbox[0]), follow=True).redirect_chain[-1][0]
    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response.url == reverse("password_reset_complete")
    assert sign_in(client, user.email, NEW_PASSWORD, REMOTE_ADDR="10.0.3.0").status_code == 302
