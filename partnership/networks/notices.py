"""What an organisation's leads see about networks on their home page: open invitations and
support offered by a network. Two queries."""

from django.db.models import Prefetch

from ..models import Membership, NetworkOrganisation, SupportOffer


def network_notices_for(user) -> list[NetworkOrganisation]:
    if not user.is_authenticated:
        return []
    led = Membership.objects.filter(user=user, role=Membership.Role.LEAD).values("organisation_id")
    return list(
        NetworkOrganisation.objects.filter(
            organisation_id__in=led,
            status__in=(NetworkOrganisation.Status.INVITED, NetworkOrganisation.Status.JOINED),
        )
        .select_related("network", "organisation")
        .prefetch_related(
            Prefetch("support_offers", queryset=SupportOffer.objects.all(), to_attr="offers")
        )
        .order_by("organisation__name", "network__name")
    )
