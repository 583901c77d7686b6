"""The single-use links emailed to invited people: the invitation's id signed with the site's
key (Django's signing), so a link cannot be made up or altered, and carrying the round's closing
date, after which it no longer works. Used or not, it answers at most once (services)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "assessments.surveys.invitation"


class LinkInvalid(Exception):
    """The link was not made by this site, or was changed."""


@dataclass(frozen=True)
class Link:
    invitation_id: str
    closes_on: datetime.date


def token_for(invitation) -> str:
    return signing.dumps(
        {"i": str(invitation.pk), "c": invitation.round.closes_on.isoformat()},
        salt=SALT,
        compress=True,
    )


def url_for(invitation) -> str:
    return f"{settings.SITE_URL}{reverse('assessments:survey_link', args=[token_for(invitation)])}"


def read_token(token: str) -> Link:
    try:
        data = signing.loads(token, salt=SALT)
        return Link(str(data["i"]), datetime.date.fromisoformat(data["c"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise LinkInvalid(str(error)) from error
