import datetime

import factory
from factory.django import DjangoModelFactory
from faker import Faker

from assessments.models import Assessment, Criterion, Framework, RatingLevel, Stage, Standard
from partnership.models import Membership, Organisation, User

PASSWORD = "correct-horse-battery"
FAKE = Faker("en_GB")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@trust.example")
    # Without apostrophes ("O'Brien"), which HTML escapes: tests look for names in pages.
    full_name = factory.LazyFunction(lambda: FAKE.name().replace("'", ""))
    password = factory.django.Password(PASSWORD)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Trust {n} NHS Trust")
    ods_code = factory.Sequence(lambda n: f"T{n:03d}")
    country = Organisation.Country.ENGLAND
    region = "North East and Yorkshire"


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    side = Membership.Side.MANAGEMENT
    role = Membership.Role.LEAD


class FrameworkFactory(DjangoModelFactory):
    class Meta:
        model = Framework

    slug = factory.Sequence(lambda n: f"framework-{n}")
    version = "1"
    title = factory.Sequence(lambda n: f"Framework {n}")
    publication_date = datetime.date(2000, 10, 1)
    countries = ["england"]
    met_value = 2
    content_hash = "0" * 64


class RatingLevelFactory(DjangoModelFactory):
    class Meta:
        model = RatingLevel

    framework = factory.SubFactory(FrameworkFactory)
    value = factory.Sequence(int)
    label = factory.Sequence(lambda n: f"Level {n}")
    rag = RatingLevel.Rag.AMBER


class StageFactory(DjangoModelFactory):
    class Meta:
        model = Stage

    framework = factory.SubFactory(FrameworkFactory)
    slug = factory.Sequence(lambda n: f"stage-{n}")
    name = factory.Sequence(lambda n: f"Stage {n}")
    position = factory.Sequence(int)
    rule = factory.LazyFunction(list)


class StandardFactory(DjangoModelFactory):
    class Meta:
        model = Standard

    framework = factory.SubFactory(FrameworkFactory)
    ref = factory.Sequence(lambda n: f"S{n}")
    title = factory.Sequence(lambda n: f"Standard {n}")
    position = factory.Sequence(int)


class CriterionFactory(DjangoModelFactory):
    class Meta:
        model = Criterion

    standard = factory.SubFactory(StandardFactory)
    framework = factory.SelfAttribute("standard.framework")
    ref = factory.Sequence(lambda n: f"C{n}")
    statement = factory.Sequence(lambda n: f"Criterion statement {n}")
    position = factory.Sequence(int)


class AssessmentFactory(DjangoModelFactory):
    class Meta:
        model = Assessment

    organisation = factory.SubFactory(OrganisationFactory)
    framework = factory.SubFactory(FrameworkFactory)
    period = "2026/27"
    title = factory.LazyAttribute(lambda o: f"{o.framework.title} {o.period}")
