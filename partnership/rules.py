"""Who may do what, in one place. Every predicate takes (user, organisation).

Side-specific rules (only the staff side signs for the staff side, ...) are added here as the
features that need them arrive, so views never carry their own ``if`` statements about roles.
"""

import rules

from .models import Membership


def memberships_of(user, organisation) -> tuple[Membership, ...]:
    """The user's memberships in one organisation, cached on the user object for the request."""
    if user is None or not user.is_authenticated or organisation is None:
        return ()
    cache = user.__dict__.setdefault("_memberships_by_org", {})
    if organisation.pk not in cache:
        cache[organisation.pk] = tuple(
            Membership.objects.filter(user=user, organisation_id=organisation.pk)
        )
    return cache[organisation.pk]


@rules.predicate
def is_member(user, organisation):
    return bool(memberships_of(user, organisation))


@rules.predicate
def can_edit(user, organisation):
    return any(m.can_edit for m in memberships_of(user, organisation))


@rules.predicate
def is_management(user, organisation):
    return any(m.side == Membership.Side.MANAGEMENT for m in memberships_of(user, organisation))


@rules.predicate
def is_staff_side(user, organisation):
    return any(m.side == Membership.Side.STAFF_SIDE for m in memberships_of(user, organisation))


@rules.predicate
def is_management_editor(user, organisation):
    return any(
        m.side == Membership.Side.MANAGEMENT and m.can_edit
        for m in memberships_of(user, organisation)
    )


@rules.predicate
def is_lead(user, organisation):
    return any(m.is_lead for m in memberships_of(user, organisation))


rules.add_perm("partnership.view_organisation", is_member)
rules.add_perm("partnership.change_organisation_content", can_edit)
