import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from partnership.access import authorise, get_object_for, get_organisation_for, organisations_for
from partnership.models import Membership, Organisation
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.mark.smoke
def test_member_sees_own_organisation(organisation, hr_lead):
    assert get_organisation_for(_request(hr_lead), organisation.pk) == organisation


def test_outsider_gets_404_not_403(organisation, outsider):
    with pytest.raises(Http404):
        get_organisation_for(_request(outsider), organisation.pk)


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", None])
def test_bad_id_gets_404(hr_lead, bad_id):
    with pytest.raises(Http404):
        get_organisation_for(_request(hr_lead), bad_id)


def test_viewer_reads_but_gets_403_on_write(organisation, viewer):
    assert get_organisation_for(_request(viewer), organisation.pk) == organisation
    with pytest.raises(PermissionDenied):
        get_organisation_for(_request(viewer), organisation.pk, write=True)


@pytest.mark.parametrize(
    ("side", "role", "can_write"),
    [
        (Membership.Side.MANAGEMENT, Membership.Role.LEAD, True),
        (Membership.Side.MANAGEMENT, Membership.Role.CONTRIBUTOR, True),
        (Membership.Side.MANAGEMENT, Membership.Role.VIEWER, False),
        (Membership.Side.STAFF_SIDE, Membership.Role.LEAD, True),
        (Membership.Side.STAFF_SIDE, Membership.Role.CONTRIBUTOR, True),
        (Membership.Side.STAFF_SIDE, Membership.Role.VIEWER, False),
    ],
)
@pytest.mark.parametrize("own", [True, False])
def test_role_matrix(organisation, other_organisation, side, role, can_write, own):
    user = UserFactory()
    MembershipFactory(
        user=user, organisation=organisation if own else other_organisation, side=side, role=role
    )
    if not own:
        with pytest.raises(Http404):
            authorise(user, organisation)
        with pytest.raises(Http404):
            authorise(user, organisation, write=True)
        return
    authorise(user, organisation)
    if can_write:
        authorise(user, organisation, write=True)
    else:
        with pytest.raises(PermissionDenied):
            authorise(user, organisation, write=True)


def test_anonymous_user_sees_nothing(organisation):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(Http404):
        authorise(AnonymousUser(), organisation)
    assert list(organisations_for(AnonymousUser())) == []


def test_get_object_for_follows_organisation_path(organisation, other_organisation, hr_lead):
    membership = Membership.objects.get(user=hr_lead)
    other = MembershipFactory(organisation=other_organisation)
    queryset = Membership.objects.all()
    assert get_object_for(_request(hr_lead), queryset, pk=membership.pk) == membership
    with pytest.raises(Http404):
        get_object_for(_request(hr_lead), queryset, pk=other.pk)


def test_membership_lookup_is_one_query_per_organisation(
    organisation, hr_lead, django_assert_num_queries
):
    with django_assert_num_queries(1):
        authorise(hr_lead, organisation)
        authorise(hr_lead, organisation, write=True)


def test_user_in_several_organisations_sees_each(organisation, other_organisation, hr_lead):
    MembershipFactory(user=hr_lead, organisation=other_organisation, role=Membership.Role.VIEWER)
    assert set(organisations_for(hr_lead)) == {organisation, other_organisation}
    authorise(hr_lead, other_organisation)
    with pytest.raises(PermissionDenied):
        authorise(hr_lead, other_organisation, write=True)


def test_one_membership_per_side_but_both_sides_allowed(organisation, hr_lead):
    from django.db import IntegrityError, transaction

    MembershipFactory(user=hr_lead, organisation=organisation, side=Membership.Side.STAFF_SIDE)
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(user=hr_lead, organisation=organisation, side=Membership.Side.STAFF_SIDE)


def test_ods_code_is_unique_and_upper_case():
    from django.db import IntegrityError, transaction

    org = OrganisationFactory(ods_code=" rxx ")
    assert Organisation.objects.get(pk=org.pk).ods_code == "RXX"
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(ods_code="RXX")
