"""The signature mechanism, tested as an attacker with write access to the database would try it:
every tamper below is one an SQL user could make, and each must be reported."""

import base64
import hashlib
import shutil

import pytest
from django.core.management import CommandError, call_command

from partnership.models import (
    LedgerEntry,
    Membership,
    Network,
    NetworkConsent,
    NetworkOrganisation,
)
from partnership.networks.models import consent_subject
from partnership.signing import keys, ledger
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(organisation, hr_lead):
    network = Network.objects.create(name="North", slug="north", kind=Network.Kind.NHS_REGION)
    return NetworkOrganisation.objects.create(
        network=network, organisation=organisation, invited_by=hr_lead
    )


def consent(invitation, user, side=Membership.Side.MANAGEMENT, sharing="summary", seen=None):
    return ledger.sign(
        NetworkConsent,
        organisation=invitation.organisation,
        signer=user,
        side=side,
        subject=consent_subject(invitation, sharing),
        seen=seen,
        membership=invitation,
        sharing=sharing,
    )


def fresh(record):
    return (
        type(record)
        .objects.select_related("ledger_entry", "void_entry", "signer")
        .get(pk=record.pk)
    )


def test_a_signature_verifies_and_extends_the_chain(invitation, hr_lead, staff_rep):
    first = consent(invitation, hr_lead)
    second = consent(invitation, staff_rep, side=Membership.Side.STAFF_SIDE)

    assert ledger.verify(fresh(first)).status == "verified"
    assert ledger.verify(fresh(second)).matches
    entries = list(LedgerEntry.objects.filter(organisation=invitation.organisation))
    assert [e.sequence for e in entries] == [1, 2]
    assert entries[0].previous_digest == ledger.GENESIS
    assert entries[1].previous_digest == entries[0].digest
    assert ledger.head(invitation.organisation) == (2, entries[1].digest)
    assert ledger.verify_chain(invitation.organisation) == []


def test_what_was_signed_names_the_signer_side_time_fields_and_subject(invitation, hr_lead):
    record = fresh(consent(invitation, hr_lead, sharing="detail"))

    content = record.content
    assert content["signer"] == {
        "id": str(hr_lead.pk),
        "name": hr_lead.get_full_name(),
        "email": hr_lead.email,
    }
    assert content["side"] == "management"
    assert content["fields"] == {"membership_id": str(invitation.pk), "sharing": "detail"}
    assert content["subject"]["organisation"] == invitation.organisation.ods_code
    assert content["signed_at"].startswith(record.created_at.strftime("%Y-%m-%dT"))


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("sharing", "detail"),
        ("side", "staff_side"),
    ],
)
def test_changing_a_signed_column_is_reported(invitation, hr_lead, column, value):
    record = consent(invitation, hr_lead)
    NetworkConsent.objects.filter(pk=record.pk).update(**{column: value})

    result = ledger.verify(fresh(record))
    assert result.status == "altered"
    assert not result.matches
    assert ledger.verify_chain(invitation.organisation)


def test_changing_the_signer_is_reported(invitation, hr_lead, viewer):
    record = consent(invitation, hr_lead)
    NetworkConsent.objects.filter(pk=record.pk).update(signer=viewer)

    assert ledger.verify(fresh(record)).status == "altered"


def test_recomputing_the_hash_as_the_old_scheme_did_is_reported(invitation, hr_lead):
    record = consent(invitation, hr_lead)
    content = dict(record.content, fields={**record.content["fields"], "sharing": "detail"})
    NetworkConsent.objects.filter(pk=record.pk).update(
        sharing="detail", content=content, content_hash=ledger.canonical_hash(content)
    )

    result = ledger.verify(fresh(record))
    assert result.status == "altered"
    assert "ledger" in result.message


def test_rewriting_the_ledger_entry_too_is_reported_without_the_key(invitation, hr_lead):
    record = consent(invitation, hr_lead)
    content = dict(record.content, fields={**record.content["fields"], "sharing": "detail"})
    new_hash = ledger.canonical_hash(content)
    NetworkConsent.objects.filter(pk=record.pk).update(
        sharing="detail", content=content, content_hash=new_hash
    )
    entry = LedgerEntry.objects.get(pk=record.ledger_entry_id)
    entry.content_hash = new_hash
    entry.digest = hashlib.sha256(ledger.canonical_bytes(ledger.entry_payload(entry))).hexdigest()
    entry.save()

    result = ledger.verify(fresh(record))
    assert result.status == "altered"
    assert "key" in result.message
    breaks = ledger.verify_chain(invitation.organisation)
    assert any("entry 1" in line and "key" in line for line in breaks)


def test_a_forged_signature_from_another_key_is_reported(invitation, hr_lead, tmp_path):
    record = consent(invitation, hr_lead)
    # The attacker makes a key of their own and signs the entry with it.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    forged = Ed25519PrivateKey.generate()
    entry = LedgerEntry.objects.get(pk=record.ledger_entry_id)
    entry.key_id = keys.key_id_of(forged.public_key())
    entry.signature = base64.b64encode(
        forged.sign(ledger.canonical_bytes(ledger.entry_payload(entry)))
    ).decode()
    entry.save()

    assert ledger.verify(fresh(record)).status == "altered"


def test_a_changed_subject_no_longer_matches(invitation, hr_lead):
    record = consent(invitation, hr_lead)
    Network.objects.filter(pk=invitation.network_id).update(slug="elsewhere")

    result = ledger.verify(fresh(record))
    assert result.status == "changed"
    assert ledger.verify_chain(invitation.organisation) == [
        f"partnership.networkconsent {record.pk}: an active signature no longer matches its content"
    ]


def test_voiding_is_on_the_ledger_and_cannot_be_undone_by_sql(invitation, hr_lead):
    record = consent(invitation, hr_lead)
    ledger.void(record, "The terms changed")

    assert ledger.verify(fresh(record)).status == "void_matches"
    assert ledger.verify_chain(invitation.organisation) == []

    NetworkConsent.objects.filter(pk=record.pk).update(
        voided_at=None, void_reason="", void_entry=None
    )
    result = ledger.verify(fresh(record))
    assert result.status == "altered"
    assert "voided" in result.message


def test_a_void_without_its_ledger_entry_is_reported(invitation, hr_lead):
    record = consent(invitation, hr_lead)
    NetworkConsent.objects.filter(pk=record.pk).update(voided_at=record.created_at)

    assert ledger.verify(fresh(record)).status == "altered"


def test_deleting_a_record_and_its_entry_breaks_the_chain(invitation, hr_lead, staff_rep):
    first = consent(invitation, hr_lead)
    consent(invitation, staff_rep, side=Membership.Side.STAFF_SIDE)
    entry_id = first.ledger_entry_id
    NetworkConsent.objects.filter(pk=first.pk).delete()
    LedgerEntry.objects.filter(pk=entry_id).delete()

    breaks = ledger.verify_chain(invitation.organisation)
    assert any("expected entry 1" in line for line in breaks)
    assert any("does not follow" in line for line in breaks)


def test_deleting_only_the_record_is_reported(invitation, hr_lead):
    record = consent(invitation, hr_lead)
    NetworkConsent.objects.filter(pk=record.pk).delete()

    assert ledger.verify_chain(invitation.organisation) == [
        f"entry 1 (partnership.networkconsent {record.pk}): its record is missing"
    ]


def test_signing_what_was_not_seen_is_refused_and_writes_nothing(invitation, hr_lead):
    seen = ledger.digest_of(consent_subject(invitation, "summary"))
    Network.objects.filter(pk=invitation.network_id).update(slug="renamed")
    invitation.network.refresh_from_db()

    with pytest.raises(ledger.ContentChanged):
        consent(invitation, hr_lead, seen=seen)
    assert not NetworkConsent.objects.exists()
    assert not LedgerEntry.objects.exists()

    record = consent(
        invitation, hr_lead, seen=ledger.digest_of(consent_subject(invitation, "summary"))
    )
    assert ledger.verify(fresh(record)).matches


def test_each_organisation_has_its_own_chain(invitation, hr_lead):
    other = OrganisationFactory(ods_code="Z9C")
    other_invitation = NetworkOrganisation.objects.create(
        network=invitation.network, organisation=other, invited_by=hr_lead
    )
    consent(invitation, hr_lead)
    consent(other_invitation, UserFactory())

    assert ledger.head(invitation.organisation)[0] == 1
    assert ledger.head(other)[0] == 1


def test_rotation_keeps_old_signatures_verifiable(
    invitation, hr_lead, staff_rep, settings, tmp_path
):
    settings.SIGNING_KEY_DIR = str(tmp_path / "keys")
    keys.clear_cache()
    try:
        keys.create_key()
        before = consent(invitation, hr_lead)
        old_id = keys.current_key_id()
        call_command("rotate_signing_key", stdout=open("/dev/null", "w"))  # noqa: SIM115
        after = consent(invitation, staff_rep, side=Membership.Side.STAFF_SIDE)

        assert fresh(before).ledger_entry.key_id == old_id
        assert fresh(after).ledger_entry.key_id != old_id
        assert ledger.verify(fresh(before)).matches
        assert ledger.verify(fresh(after)).matches

        shutil.rmtree(tmp_path / "keys" / "public")
        keys.clear_cache()
        assert ledger.verify(fresh(before)).status == "altered"
    finally:
        keys.clear_cache()


def test_verify_ledger_command_names_breaks_and_exits_non_zero(invitation, hr_lead, capsys):
    record = consent(invitation, hr_lead)
    call_command("verify_ledger", "--organisation", invitation.organisation.ods_code.lower())
    assert "is intact: 1 entries" in capsys.readouterr().out

    NetworkConsent.objects.filter(pk=record.pk).update(sharing="detail")
    with pytest.raises(CommandError, match="1 break"):
        call_command("verify_ledger", "--organisation", invitation.organisation.ods_code)
    assert str(record.pk) in capsys.readouterr().err


def test_verify_ledger_refuses_an_unknown_organisation():
    with pytest.raises(CommandError, match="No organisation"):
        call_command("verify_ledger", "--organisation", "NOPE")
