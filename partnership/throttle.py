"""Failed sign-in throttling, per email address and per client address.

``settings.LOGIN_FAILURE_LIMIT`` failures inside ``settings.LOGIN_FAILURE_WINDOW_SECONDS``
for one email address, or ``settings.LOGIN_FAILURE_LIMIT_PER_CLIENT`` from one client address, lock further attempts for that address
until the oldest of those failures leaves the window. A locked attempt is refused before
the password is checked, and is not itself counted, so a locked account cannot be kept
locked for longer than the window by hammering it. A successful sign-in clears the email
address's count.

Counts live in Django's cache (locmem in development and tests, the database cache in
production) as a short list of failure times per key. Reading and writing the list is not
atomic: two failures racing can count as one, so the limit is a brake on password guessing,
not an exact count. Each key's entry expires with the window, so nothing needs cleaning up.
"""

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

KEY_PREFIX = "sign-in-failures"


def client_ip(request):
    """The client address as the web server saw it (REMOTE_ADDR), or None without a request."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _normalise(email):
    return email.strip().lower()


def _email_key(email):
    # Hashed so any address makes a valid, fixed-length cache key and none sits in the cache.
    digest = hashlib.sha256(_normalise(email).encode()).hexdigest()
    return f"{KEY_PREFIX}:email:{digest}"


def _ip_key(ip):
    return f"{KEY_PREFIX}:ip:{ip}"


def _keys(email, ip):
    """Each key with its limit. A client address has a higher limit than an email address:
    a whole trust's staff may reach us from one address."""
    keys = []
    if email:
        keys.append((_email_key(email), settings.LOGIN_FAILURE_LIMIT))
    if ip:
        keys.append((_ip_key(ip), settings.LOGIN_FAILURE_LIMIT_PER_CLIENT))
    return keys


def _window():
    return settings.LOGIN_FAILURE_WINDOW_SECONDS


def _recent(key, now):
    return [t for t in cache.get(key, []) if t > now - _window()]


def is_locked(email, ip):
    """True while the email address or the client address has too many recent failures."""
    now = time.time()
    return any(len(_recent(key, now)) >= limit for key, limit in _keys(email, ip))


def record_failure(email, ip):
    """Counts one failed attempt against both addresses; logs a warning when that locks one."""
    now = time.time()
    window = _window()
    for key, limit in _keys(email, ip):
        # Only the newest `limit` failures can matter, so the list never grows past that.
        failures = [*_recent(key, now), now][-limit:]
        cache.set(key, failures, timeout=window)
        if len(failures) == limit:
            kind = "email address" if key.startswith(f"{KEY_PREFIX}:email:") else "client address"
            logger.warning(
                "Sign-in locked for %s after %d failed attempts in %d seconds: email=%s ip=%s",
                kind,
                len(failures),
                window,
                _normalise(email) if email else "-",
                ip or "-",
            )


def clear(email):
    """Forgets the failures for this email address, after a successful sign-in."""
    if email:
        cache.delete(_email_key(email))
