"""Networks of organisations: integrated care systems and health boards, NHS regions, countries,
the UK, trade union regions and branches, employers' networks.

A network sees only what its member organisations jointly agreed to share, and only while they
are members. People belong to a network on a side with a role, independently of any
organisation: a regional staff-side officer need not belong to any trust.
"""

import uuid

from django.conf import settings
from django.db import models

from ..models import Membership, Organisation, TimeStampedModel
from ..signing.models import SignedRecord


class NetworkQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(members__user=user).distinct()


class Network(TimeStampedModel):
    class Kind(models.TextChoices):
        ICS_OR_HEALTH_BOARD = "ics_or_health_board", "Integrated care system or health board"
        NHS_REGION = "nhs_region", "NHS region"
        COUNTRY = "country", "Country"
        UK_WIDE = "uk_wide", "UK-wide"
        UNION_REGION_OR_BRANCH = "union_region_or_branch", "Trade union region or branch"
        EMPLOYERS_NETWORK = "employers_network", "Employers' network"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # "Needs help": thresholds the network's leads set.
    help_score_below = models.PositiveSmallIntegerField(
        "agreed score below (%)",
        default=50,
        help_text="An organisation whose agreed score is below this percentage needs help.",
    )
    help_divergence_at_least = models.PositiveSmallIntegerField(
        "criteria where the sides diverge, at least",
        default=5,
        help_text="An organisation whose two sides diverge on this many criteria needs help.",
    )
    help_health_check_below = models.PositiveSmallIntegerField(
        "partnership health check score below (%)",
        default=50,
        help_text="An organisation whose latest signed-off partnership health check has an "
        "agreed score below this percentage needs help.",
    )

    objects = NetworkQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")),
                name="partnership_network_not_own_parent",
            ),
        ]

    def __str__(self):
        return self.name


class NetworkMember(TimeStampedModel):
    """A person's place in a network: their side and whether they lead or only view."""

    class Role(models.TextChoices):
        LEAD = "lead", "Lead"
        VIEWER = "viewer", "Viewer"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="network_memberships"
    )
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="members")
    side = models.CharField(max_length=20, choices=Membership.Side.choices)
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        ordering = ["network__name", "side", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "network", "side"], name="partnership_networkmember_one_per_side"
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()}, {self.get_side_display()}, {self.network}"

    @property
    def is_lead(self):
        return self.role == self.Role.LEAD


class NetworkOrganisation(TimeStampedModel):
    """An organisation's place in a network: invited, joined (both its leads accepted, at a
    sharing level) or left. Only joined organisations' data reaches the network."""

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        JOINED = "joined", "Joined"
        LEFT = "left", "Left"
        DECLINED = "declined", "Declined"

    class Sharing(models.TextChoices):
        SUMMARY = "summary", "Summary: status, stages, scores and barrier categories"
        DETAIL = "detail", "Detail: the summary plus narratives and barrier reasons"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="organisations")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="networks"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.INVITED)
    sharing = models.CharField(max_length=20, choices=Sharing.choices, default=Sharing.SUMMARY)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    joined_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    left_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["network__name", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "organisation"], name="partnership_networkorganisation_once"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="joined") | models.Q(joined_at__isnull=False),
                name="partnership_networkorganisation_joined_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} in {self.network} ({self.get_status_display()})"

    @classmethod
    def from_db(cls, db, field_names, values, *args, **kwargs):
        """Remember the status as loaded, so that a save can tell joining and leaving apart
        from other changes (the roll-up's pre-aggregated counts follow them)."""
        instance = super().from_db(db, field_names, values, *args, **kwargs)
        instance.loaded_status = instance.__dict__.get("status")
        return instance

    @property
    def is_joined(self):
        return self.status == self.Status.JOINED


class NetworkConsent(SignedRecord):
    """One of an organisation's two leads agreeing to join a network at a sharing level. The
    organisation joins only when both leads' consents to the same terms are active."""

    SIGNED_FIELDS = ("membership_id", "sharing")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    membership = models.ForeignKey(
        NetworkOrganisation, on_delete=models.CASCADE, related_name="consents"
    )
    sharing = models.CharField(max_length=20, choices=NetworkOrganisation.Sharing.choices)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "side"],
                condition=models.Q(voided_at__isnull=True),
                name="partnership_networkconsent_one_active_per_side",
            ),
        ]

    def __str__(self):
        return f"{self.get_side_display()} consent to {self.membership}"

    def ledger_organisation(self):
        return self.membership.organisation

    def current_subject(self):
        return consent_subject(self.membership, self.sharing)


class SupportOffer(TimeStampedModel):
    """Help a network lead offers an organisation: who will help, with what, and when. The
    organisation's leads see it on their home page."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    membership = models.ForeignKey(
        NetworkOrganisation, on_delete=models.CASCADE, related_name="support_offers"
    )
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    who = models.CharField("who will help", max_length=200)
    what = models.TextField("what the help is")
    when = models.CharField("when", max_length=200)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Support for {self.membership.organisation} from {self.who}"


def consent_subject(membership: NetworkOrganisation, sharing: str) -> dict:
    """What a lead agrees to: this organisation, in this network, sharing at this level."""
    return {
        "network": membership.network.slug,
        "network_id": str(membership.network_id),
        "organisation": membership.organisation.ods_code,
        "sharing": sharing,
    }
