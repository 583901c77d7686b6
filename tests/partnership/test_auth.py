"""Signing in and out, changing and resetting a password, and the sign-in throttle."""

import logging
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from partnership import throttle
from tests.factories import PASSWORD, UserFactory

LOGIN_URL = reverse("login")
HOME_URL = reverse("assessments:home")
NEW_PASSWORD = "a-brand-new-passphrase-2026"
LOCKED_MESSAGE = (
    "Too many failed sign-in attempts. Wait 15 minutes and try again, or reset your password."
)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def user(db):
    return UserFactory(email="hr.lead@z9a.example")


@pytest.fixture
def small_limit(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_LIMIT_PER_CLIENT = 3
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


def test_throttle_counts_the_email_address_in_any_case(client, user, small_limit):
    fail(client, "HR.LEAD@z9a.example", small_limit - 1)
    fail(client, "hr.lead@Z9A.example", 1, REMOTE_ADDR="10.0.0.9")

    response = sign_in(client, user.email, PASSWORD, REMOTE_ADDR="10.0.0.10")

    assert response.status_code == 429


def test_throttle_leaves_other_addresses_alone(client, user, small_limit):
    other = UserFactory(email="staff.rep@z9a.example")
    fail(client, user.email, small_limit)

    response = sign_in(client, other.email, PASSWORD, REMOTE_ADDR="10.0.0.2")

    assert response.status_code == 302
    assert signed_in(client)


def test_throttle_locks_a_client_address_trying_many_emails(client, user, small_limit):
    for n in range(small_limit):
        fail(client, f"guess{n}@z9a.example", 1, REMOTE_ADDR="10.0.0.66")

    from_that_address = sign_in(client, user.email, PASSWORD, REMOTE_ADDR="10.0.0.66")
    from_elsewhere = sign_in(client, user.email, PASSWORD, REMOTE_ADDR="10.0.0.7")

    assert from_that_address.status_code == 429
    assert from_elsewhere.status_code == 302


def test_client_address_limit_is_its_own_setting(client, user, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_LIMIT_PER_CLIENT = 5
    for n in range(4):
        fail(client, f"guess{n}@z9a.example", 1, REMOTE_ADDR="10.0.0.80")

    assert sign_in(client, user.email, PASSWORD, REMOTE_ADDR="10.0.0.80").status_code == 302


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
    # One line for the email address and one for the client address, both locked at once.
    assert len(lockouts) == 2
    assert all(r.levelno == logging.WARNING for r in lockouts)
    assert "email=hr.lead@z9a.example" in lockouts[0].getMessage()


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
