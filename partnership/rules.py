"""Who may do what, in one place. Every predicate takes (user, organisation).

Side-specific rules (only the staff side signs for the staff side, ...) are added here as the
features that need them arrive, so views never carry their own ``if`` statements about roles.
"""

import rules

from .models import Membership, NetworkMember


def memberships_of(user, organisation) -> tuple[Membership, ...]:
    """The user's memberships in one organisation, cached on the user object for the request."""
    if user is None or not user.is_authenticated or organisation is None:
        return ()
    cache = user.__dict__.setdefault("_memberships_by_org", {})
    if organisation.pk not in cache:
        # Unordered: the predicates only ask whether any membership qualifies, and the model's
        # ordering (by organisation name) would join the organisation on every request.
        cache[organisation.pk] = tuple(
            Membership.objects.filter(user=user, organisation_id=organisation.pk).order_by()
        )
    return cache[organisation.pk]


def remember_memberships(user, memberships) -> None:
    """Prime the per-request cache with memberships already loaded (e.g. all of a user's, in
    one query), so the predicates below need no query per organisation."""
    cache = user.__dict__.setdefault("_memberships_by_org", {})
    by_org = {}
    for membership in memberships:
        by_org.setdefault(membership.organisation_id, []).append(membership)
    for organisation_id, items in by_org.items():
        cache.setdefault(organisation_id, tuple(items))


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


def _on_side(user, organisation, side, roles):
    return any(m.side == side and m.role in roles for m in memberships_of(user, organisation))


EDITOR_ROLES = (Membership.Role.LEAD, Membership.Role.CONTRIBUTOR)


@rules.predicate
def is_staff_side_editor(user, organisation):
    """A staff-side lead or contributor: may sign for the staff side and comment."""
    return _on_side(user, organisation, Membership.Side.STAFF_SIDE, EDITOR_ROLES)


@rules.predicate
def is_management_lead(user, organisation):
    return _on_side(user, organisation, Membership.Side.MANAGEMENT, (Membership.Role.LEAD,))


@rules.predicate
def is_staff_side_lead(user, organisation):
    return _on_side(user, organisation, Membership.Side.STAFF_SIDE, (Membership.Role.LEAD,))


can_sign_for = {
    Membership.Side.MANAGEMENT: is_management_editor,
    Membership.Side.STAFF_SIDE: is_staff_side_editor,
}
can_sign_off_for = {
    Membership.Side.MANAGEMENT: is_management_lead,
    Membership.Side.STAFF_SIDE: is_staff_side_lead,
}
is_editor_on_either_side = is_management_editor | is_staff_side_editor
is_lead_on_either_side = is_management_lead | is_staff_side_lead


# --- Partnership machinery: forums and facility time ------------------------------------------
# Reading is for every member (viewers included); these say who may change what.
can_run_forums = is_editor_on_either_side  # constitution, meetings, attendance, minutes, actions
can_enter_time_records = is_staff_side_editor  # representatives and their hours
can_enter_pay_figures = is_management_editor  # pay bill, hourly costs, FTE employee number
can_sign_return = is_lead_on_either_side  # each lead for their own side


def is_joint_chair(user, forum) -> bool:
    """Whether ``user`` chairs ``forum`` for one of the sides (they agree its minutes)."""
    return user.is_authenticated and user.pk in (
        forum.management_chair_id,
        forum.staff_side_chair_id,
    )


# --- Networks: predicates take (user, network) ---------------------------------------------


def network_roles_of(user, network) -> tuple:
    """The user's places (NetworkMember rows) in one network, cached on the user object."""
    if user is None or not user.is_authenticated or network is None:
        return ()
    cache = user.__dict__.setdefault("_network_roles", {})
    if network.pk not in cache:
        cache[network.pk] = tuple(NetworkMember.objects.filter(user=user, network_id=network.pk))
    return cache[network.pk]


@rules.predicate
def is_network_member(user, network):
    return bool(network_roles_of(user, network))


@rules.predicate
def is_network_lead(user, network):
    return any(m.is_lead for m in network_roles_of(user, network))


def network_sides_of(user, network) -> set:
    return {m.side for m in network_roles_of(user, network)}
