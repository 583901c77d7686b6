"""Throttling of failed sign-ins and of password reset requests, counted in the database.

Sign-in. ``settings.LOGIN_FAILURE_LIMIT`` failures for one email address from one client
address inside ``settings.LOGIN_FAILURE_WINDOW_SECONDS`` lock that address for that client;
``settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS`` failures for one email address from every client
together lock it everywhere, a brake on guessing spread over many machines. One client can
never reach the second limit alone (it is locked at the first), so one client's failures
never stop anyone else's correct password, and a whole trust behind one proxy is never
locked out by someone else's mistakes. A locked attempt is refused before the password is
checked and is not counted, so hammering cannot keep an address locked past the window. A
successful sign-in, or a completed password reset, clears the address's failures.

Each attempt inserts its own row *before* the password is checked, then counts the rows: an
insert is atomic on every database, so attempts racing each other all see each other and at
most ``LOGIN_FAILURE_LIMIT`` passwords are ever checked per address and client in a window.
The attempt's row becomes a failure, or is deleted on success or refusal.

Email addresses are compared after NFKC normalisation, trimming and case folding (upper case
first, as PostgreSQL's case-insensitive match does, so 'ſ' counts as 's' and 'ı' as 'i'): every
spelling the sign-in lookup can match on either database counts as the same address.

Password reset. Every request counts against its email address and its client address
(``PASSWORD_RESET_LIMIT_PER_ADDRESS`` and ``PASSWORD_RESET_LIMIT_PER_CLIENT`` inside
``PASSWORD_RESET_WINDOW_SECONDS``), whether or not the address has an account.
"""

import datetime
import hashlib
import logging
import time
import unicodedata

from django.conf import settings
from django.db.models import Count, Q

from .models import ThrottleEntry

logger = logging.getLogger(__name__)

Kind = ThrottleEntry.Kind


class Locked(Exception):
    """Too many recent attempts: refuse this one without looking any further."""


def client_ip(request):
    """The client address as the web server saw it (REMOTE_ADDR), or None without a request."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def normalise(email):
    return unicodedata.normalize("NFKC", email).strip().upper().casefold()


def _address(email):
    # Hashed so that no address sits in the table and every key has the same length.
    return hashlib.sha256(normalise(email or "").encode()).hexdigest()


def _now():
    return datetime.datetime.fromtimestamp(time.time(), tz=datetime.UTC)


def _since(kind, now):
    window = (
        settings.LOGIN_FAILURE_WINDOW_SECONDS
        if kind == Kind.SIGN_IN
        else settings.PASSWORD_RESET_WINDOW_SECONDS
    )
    return now - datetime.timedelta(seconds=window)


def _insert(kind, email, ip, now):
    # Rows that have left the window count for nothing any more.
    ThrottleEntry.objects.filter(kind=kind, at__lte=_since(kind, now)).delete()
    return ThrottleEntry.objects.create(
        kind=kind, address=_address(email), client=ip or "", at=now
    ).pk


def _sign_in_counts(email, ip, now):
    return ThrottleEntry.objects.filter(
        kind=Kind.SIGN_IN, address=_address(email), at__gt=_since(Kind.SIGN_IN, now)
    ).aggregate(
        failures=Count("pk", filter=Q(failed=True)),
        from_client=Count("pk", filter=Q(client=ip or "")),
        failures_from_client=Count("pk", filter=Q(client=ip or "", failed=True)),
    )


def start_sign_in(email, ip):
    """Counts a sign-in attempt before its password is checked and returns its id, or raises
    ``Locked`` (counting nothing) while the address is locked for this client."""
    now = _now()
    attempt = _insert(Kind.SIGN_IN, email, ip, now)
    counts = _sign_in_counts(email, ip, now)
    # This attempt's own row is among those from this client, not yet among the failures.
    if (
        counts["from_client"] > settings.LOGIN_FAILURE_LIMIT
        or counts["failures"] >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
    ):
        forget(attempt)
        raise Locked
    return attempt


def sign_in_failed(attempt, email, ip):
    """Keeps the attempt as a failure; logs a warning when that locks the address."""
    ThrottleEntry.objects.filter(pk=attempt).update(failed=True)
    counts = _sign_in_counts(email, ip, _now())
    locks = (
        (counts["failures_from_client"], settings.LOGIN_FAILURE_LIMIT, "from this client address"),
        (counts["failures"], settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS, "from every client"),
    )
    for count, limit, scope in locks:
        if count == limit:
            logger.warning(
                "Sign-in locked for an email address %s after %d failed attempts in %d "
                "seconds: email=%s ip=%s",
                scope,
                count,
                settings.LOGIN_FAILURE_WINDOW_SECONDS,
                normalise(email),
                ip or "-",
            )


def forget(attempt):
    """Drops an attempt that was refused or did not fail on its password."""
    ThrottleEntry.objects.filter(pk=attempt).delete()


def clear(email):
    """Forgets every sign-in failure for this email address, from every client: after a
    successful sign-in or a completed password reset."""
    if email:
        ThrottleEntry.objects.filter(kind=Kind.SIGN_IN, address=_address(email)).delete()


def count_reset_request(email, ip):
    """Counts a password reset request, or raises ``Locked`` (counting nothing) when its email
    address or its client address has asked too often."""
    now = _now()
    attempt = _insert(Kind.PASSWORD_RESET, email, ip, now)
    same_address, same_client = Q(address=_address(email)), Q(client=ip or "")
    counts = ThrottleEntry.objects.filter(
        same_address | same_client,
        kind=Kind.PASSWORD_RESET,
        at__gt=_since(Kind.PASSWORD_RESET, now),
    ).aggregate(address=Count("pk", filter=same_address), client=Count("pk", filter=same_client))
    if (
        counts["address"] > settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
        or counts["client"] > settings.PASSWORD_RESET_LIMIT_PER_CLIENT
    ):
        forget(attempt)
        raise Locked
