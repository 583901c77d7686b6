"""Organisations, the people in them and the side of the partnership each person is on.

This is the lower layer: it never imports from ``assessments``.
"""

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False, help_text="Can sign in to the Django admin site.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user).distinct()


class Organisation(TimeStampedModel):
    class Country(models.TextChoices):
        ENGLAND = "england", "England"
        SCOTLAND = "scotland", "Scotland"
        WALES = "wales", "Wales"
        NORTHERN_IRELAND = "northern_ireland", "Northern Ireland"

    class Sector(models.TextChoices):
        NHS_TRUST_OR_BOARD = "nhs_trust_or_board", "NHS trust or board"
        PRIMARY_CARE = "primary_care", "Primary care"
        INDEPENDENT_OR_VOLUNTARY = "independent_or_voluntary", "Independent or voluntary provider"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    ods_code = models.CharField(
        "ODS code",
        max_length=10,
        unique=True,
        help_text="The organisation's code in the NHS Organisation Data Service, for example RXX.",
    )
    country = models.CharField(max_length=20, choices=Country.choices)
    region = models.CharField("region or integrated care system", max_length=200, blank=True)
    sector = models.CharField(
        max_length=30, choices=Sector.choices, default=Sector.NHS_TRUST_OR_BOARD
    )

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ods_code__regex=r"^[A-Z0-9]+$"),
                name="partnership_organisation_ods_code_upper_alnum",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.ods_code})"

    def save(self, *args, **kwargs):
        self.ods_code = self.ods_code.strip().upper()
        super().save(*args, **kwargs)


class Membership(TimeStampedModel):
    """One person's place in one organisation: which side they are on and what they may do.

    A person may hold one membership per side in an organisation (someone who is both a
    manager and a union rep holds two), and memberships in several organisations.
    """

    class Side(models.TextChoices):
        MANAGEMENT = "management", "Management"
        STAFF_SIDE = "staff_side", "Staff side"

    class Role(models.TextChoices):
        LEAD = "lead", "Lead"
        CONTRIBUTOR = "contributor", "Contributor"
        VIEWER = "viewer", "Viewer"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    side = models.CharField(max_length=20, choices=Side.choices)
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        ordering = ["organisation__name", "side", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "side"],
                name="partnership_membership_one_per_side",
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()}, {self.get_side_display()}, {self.organisation.name}"

    @property
    def can_edit(self):
        return self.role in (self.Role.LEAD, self.Role.CONTRIBUTOR)

    @property
    def is_lead(self):
        return self.role == self.Role.LEAD


class ThrottleEntry(models.Model):
    """One attempt counted by ``partnership.throttle``: a sign-in under way or failed, or a
    password reset asked for. Rows are inserted and deleted, never read-modified-written, so
    attempts racing each other are each counted."""

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", "Sign-in"
        PASSWORD_RESET = "password_reset", "Password reset"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The SHA-256 of the normalised email address, so no address is stored in the clear.
    address = models.CharField(max_length=64)
    client = models.CharField(max_length=45, blank=True)
    failed = models.BooleanField(default=False)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["kind", "address", "at"], name="partnership_throttle_address"),
            models.Index(fields=["kind", "client", "at"], name="partnership_throttle_client"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M:%S}"


# Models of the partnership machinery live in their own packages; importing them here registers
# them with the app.
from .documents.models import Document  # noqa: E402
from .facility_time import models as facility_time_models  # noqa: E402, F401
from .forums import models as forums_models  # noqa: E402, F401
from .networks.models import (  # noqa: E402
    Network,
    NetworkConsent,
    NetworkMember,
    NetworkOrganisation,
    SupportOffer,
)
from .signing.models import LedgerEntry, SignedRecord  # noqa: E402

__all__ = [
    "Document",
    "LedgerEntry",
    "Membership",
    "Network",
    "NetworkConsent",
    "NetworkMember",
    "NetworkOrganisation",
    "Organisation",
    "SignedRecord",
    "ThrottleEntry",
    "SupportOffer",
    "TimeStampedModel",
    "User",
]
