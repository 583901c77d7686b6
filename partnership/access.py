"""The one access helper: every object a view touches is fetched through it.

- Somebody who is not a member of the object's organisation gets 404, exactly as for an id
  that does not exist, so the existence of another organisation's data never leaks.
- A member who may only read (a viewer) gets 403 on any change.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404

from . import rules as access_rules
from .models import Network, NetworkOrganisation, Organisation


def authorise(user, organisation, *, write: bool = False, rule=None) -> None:
    """Raise 404 for a non-member; 403 when ``write`` and the user may not change things.

    ``rule`` narrows who may write, as a predicate from ``partnership.rules`` taking
    (user, organisation); by default any lead or contributor may.
    """
    if not access_rules.is_member(user, organisation):
        raise Http404("Not found")
    if write and not (rule or access_rules.can_edit)(user, organisation):
        raise PermissionDenied("You can read this but not change it.")


def get_object_for(
    request,
    queryset: QuerySet,
    *,
    organisation_path: str | None = "organisation",
    write: bool = False,
    rule=None,
    **lookup,
):
    """Fetch one object of ``queryset`` for the signed-in user, or answer 404 / 403.

    ``organisation_path`` is the lookup from the object to its organisation
    (``"organisation"``, ``"assessment__organisation"``, ...), or None when the object is the
    organisation itself.
    """
    if organisation_path:
        queryset = queryset.select_related(organisation_path)
    try:
        obj = queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404("Not found") from exc
    organisation = obj
    for part in (organisation_path or "").split("__"):
        if part:
            organisation = getattr(organisation, part)
    authorise(request.user, organisation, write=write, rule=rule)
    return obj


def get_organisation_for(request, pk, *, write: bool = False) -> Organisation:
    return get_object_for(
        request, Organisation.objects.all(), organisation_path=None, write=write, pk=pk
    )


def organisations_for(user):
    """The organisations a user belongs to: the only ones they may see."""
    return Organisation.objects.visible_to(user)


# --- The network door -------------------------------------------------------------------------
# A second door, for network pages only. It opens nothing behind the organisation door: a
# network member who is not a member of an organisation still gets 404 on its pages.


def get_network_for(request, slug, *, lead: bool = False):
    """The network ``slug`` for one of its members: 404 for anyone else, 403 when ``lead`` and
    the user only views."""
    network = Network.objects.filter(slug=str(slug)).first()
    if network is None or not access_rules.is_network_member(request.user, network):
        raise Http404("Not found")
    if lead and not access_rules.is_network_lead(request.user, network):
        raise PermissionDenied("You can read this but not change it.")
    return network


def get_network_organisation_for(network, pk):
    """One organisation's place in ``network`` (already fetched through the door)."""
    try:
        return NetworkOrganisation.objects.select_related("organisation", "network").get(
            network=network, pk=pk
        )
    except (NetworkOrganisation.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404("Not found") from exc


def get_invitation_for(request, pk):
    """An organisation's place in a network, for that organisation's leads to answer: the
    organisation door (outsiders 404), and only the two leads may change it (others 403)."""
    return get_object_for(
        request,
        NetworkOrganisation.objects.select_related("network"),
        write=True,
        rule=access_rules.is_lead_on_either_side,
        pk=pk,
    )
