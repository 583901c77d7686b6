"""The demo region: made through the services, so every signature verifies; idempotent."""

import pytest
from django.core.management import call_command

from assessments.demo_network import NETWORK_SLUG
from assessments.rollup import queries
from assessments.rollup.models import AssessmentSummary
from assessments.signing import verify_sign_off
from partnership.models import (
    LedgerEntry,
    Membership,
    Network,
    NetworkMember,
    NetworkOrganisation,
    Organisation,
)
from partnership.signing import ledger

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_the_region_once(settings, capsys, tmp_path):
    settings.DEBUG = True
    settings.DEMO_SEED_NETWORK = True
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "regional.officer@network.example" in out and "workforce.lead@network.example" in out
    region = Network.objects.get(slug=NETWORK_SLUG)
    assert region.kind == Network.Kind.NHS_REGION
    officer = NetworkMember.objects.get(
        user__email="regional.officer@network.example", network=region
    )
    viewer = NetworkMember.objects.get(user__email="workforce.lead@network.example", network=region)
    assert (officer.side, officer.role) == (Membership.Side.STAFF_SIDE, "lead")
    assert (viewer.side, viewer.role) == (Membership.Side.MANAGEMENT, "viewer")

    joined = region.organisations.filter(status=NetworkOrganisation.Status.JOINED)
    codes = set(joined.values_list("organisation__ods_code", flat=True))
    assert "Z9A" in codes and "Z9B" not in codes and len(codes) >= 11
    assert set(joined.values_list("organisation__sector", flat=True)) == set(
        Organisation.Sector.values
    )
    invited = region.organisations.get(status=NetworkOrganisation.Status.INVITED)
    assert invited.consents.filter(voided_at__isnull=True).count() == 1  # one lead only

    for place in joined.select_related("organisation"):
        periods = set(
            AssessmentSummary.objects.filter(organisation=place.organisation).values_list(
                "period", flat=True
            )
        )
        assert {"2023/24", "2024/25", "2025/26"} <= periods
        assert ledger.verify_chain(place.organisation) == []
    for summary in AssessmentSummary.objects.filter(period="2023/24")[:3]:
        sign_offs = summary.assessment.sign_offs.filter(voided_at__isnull=True)
        assert len(sign_offs) == 2 and all(verify_sign_off(s).matches for s in sign_offs)
    gaps = queries.gap_map(region, "iwl-standard-2000", "2025/26")
    assert gaps.organisations == len(codes)
    assert gaps.most_common_gaps(1) and any(row.reasons for row in gaps.rows)

    before = (LedgerEntry.objects.count(), AssessmentSummary.objects.count())
    call_command("seed_demo")
    assert (LedgerEntry.objects.count(), AssessmentSummary.objects.count()) == before
