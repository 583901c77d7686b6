"""A national data set, bulk-loaded with COPY in chunks of organisations.

2,000 organisations by default across the four countries (NHS trusts and boards, primary
care, independent and voluntary providers), five people each (HR lead and contributor,
staff-side lead and rep, a board member who reads), and three yearly assessments each of the
100-criterion framework: 2023/24 and 2024/25 signed off, 2025/26 in progress. The first
organisation (B0000) also assesses the 25- and 400-criterion frameworks, for the page
measurements and the largest report. Random but repeatable: every organisation has its own
seeded generator, and ids come from it too.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from types import SimpleNamespace

from .bulk import Loader, check_foreign_keys, plain_indexes_dropped
from .frameworks import ALL, NATIONAL, PAGE_25, PAGE_400, load_frameworks
from .records import AssessmentRows, Chain, new_id

PASSWORD = "bench-password"  # noqa: S105 (every bench user's, on a throwaway database)
PERIODS = (("2023/24", 0, True), ("2024/25", 1, True), ("2025/26", 2, False))
PEOPLE = (
    ("hr_lead", "hr.lead", "management", "lead", "Helen Roberts"),
    ("hr_contributor", "hr.contributor", "management", "contributor", "Omar Hussain"),
    ("staff_lead", "staff.lead", "staff_side", "lead", "Sam Patel"),
    ("staff_rep", "staff.rep", "staff_side", "contributor", "Gwen Davies"),
    ("board", "board", "management", "viewer", "Fiona Campbell"),
)
COUNTRIES = ("england", "scotland", "wales", "northern_ireland")
COUNTRY_WEIGHTS = (82, 8, 5, 5)
SECTORS = {
    "nhs_trust_or_board": "NHS Trust",
    "primary_care": "Primary Care Network",
    "independent_or_voluntary": "Care Partnership",
}
SECTOR_WEIGHTS = (15, 60, 25)
PLACES = (
    "Northshire", "Southdale", "Eastmoor", "Westford", "Kingsbridge", "Riverside", "Ashbury",
    "Highfield", "Lakeland", "Millbrook", "Oakhurst", "Stonehaven", "Glenmore", "Ynys Fawr",
    "Carrickvale", "Bramley", "Fenwick", "Harrowgate", "Marshfield", "Thornbury",
)  # fmt: skip
CHUNK = 50  # organisations per COPY round: bounded memory, a few tens of MB


def ods_code(index: int) -> str:
    return f"B{index:04d}"


def email(index: int, prefix: str) -> str:
    return f"{prefix}@{ods_code(index).lower()}.bench.example"


def _tables() -> Loader:
    from assessments import models as a
    from partnership import models as p
    from partnership.signing.models import LedgerEntry

    loader = Loader(skip_triggers=True)
    for name, model, columns in (
        ("organisations", p.Organisation, "id name ods_code country region sector created_at updated_at"),
        ("ledger", LedgerEntry, "id organisation_id sequence kind record_id content_hash previous_digest digest key_id signature created_at"),
        ("users", p.User, "id password last_login is_superuser email full_name is_staff is_active date_joined"),
        ("memberships", p.Membership, "user_id organisation_id side role created_at updated_at"),
        ("assessments", a.Assessment, "id organisation_id framework_id period title status previous_id created_by_id reopen_requested_by_id reopen_reason created_at updated_at"),
        ("responses", a.Response, "id assessment_id criterion_id status rating not_applicable not_applicable_reason narrative barrier barrier_detail version state staff_rating criterion_text_changed updated_by_id created_at updated_at"),
        ("history", a.ResponseChange, "response_id kind user_id changes version created_at"),
        ("files", a.EvidenceFile, "id response_id file original_name content_type size sha256 uploaded_by_id created_at"),
        ("links", a.EvidenceLink, "id response_id url title added_by_id created_at"),
        ("signatures", a.Signature, "id assessment_id response_id signer_id side decision comment response_version content content_hash created_at voided_at void_reason ledger_entry_id void_entry_id"),
        ("comments", a.Comment, "id response_id author_id side body created_at"),
        ("sign_offs", a.SignOff, "id assessment_id signer_id side joint_statement side_statement content content_hash created_at voided_at void_reason ledger_entry_id void_entry_id"),
        ("events", a.AssessmentEvent, "assessment_id kind user_id detail created_at"),
        ("plans", a.ActionPlan, "id assessment_id created_at updated_at"),
        ("actions", a.Action, "id plan_id description management_owner_id staff_owner_id target_date status carried_from_id created_at updated_at"),
        ("action_responses", a.Action.responses.through, "action_id response_id"),
        ("updates", a.ActionUpdate, "id action_id author_id side text status created_at"),
        ("plan_signatures", a.PlanSignature, "id plan_id signer_id side content content_hash created_at voided_at void_reason ledger_entry_id void_entry_id"),
    ):  # fmt: skip
        loader.table(name, model, columns.split())
    return loader


def _criteria(framework) -> list:
    return [
        SimpleNamespace(pk=pk, ref=ref, statement=statement)
        for pk, ref, statement in framework.criteria.order_by(
            "standard__position", "position"
        ).values_list("pk", "ref", "statement")
    ]


def _organisation(t, index, rng, password, joined):
    sector = rng.choices(tuple(SECTORS), weights=SECTOR_WEIGHTS)[0]
    organisation = SimpleNamespace(id=new_id(rng), ods_code=ods_code(index))
    name = f"{PLACES[index % len(PLACES)]} {SECTORS[sector]} {index:04d}"
    country = rng.choices(COUNTRIES, weights=COUNTRY_WEIGHTS)[0]
    t["organisations"].add(
        organisation.id, name, organisation.ods_code, country, f"Region {index % 42 + 1}",
        sector, joined, joined,
    )  # fmt: skip
    people = SimpleNamespace(emails={}, signers={})
    people.signer = people.signers.__getitem__
    for attribute, prefix, side, role, full_name in PEOPLE:
        user_id = new_id(rng)
        setattr(people, attribute, user_id)
        people.emails[user_id] = email(index, prefix)
        # What ledger.envelope reads of a signer.
        people.signers[user_id] = SimpleNamespace(
            pk=user_id, email=email(index, prefix), get_full_name=lambda name=full_name: name
        )
        t["users"].add(
            user_id, password, None, False, email(index, prefix), full_name, False, True, joined
        )
        t["memberships"].add(user_id, organisation.id, side, role, joined, joined)
    return organisation, people


def _organisation_rows(t, index, seed, password, joined, frameworks, criteria) -> None:
    rng = random.Random(seed * 100_000 + index)
    organisation, people = _organisation(t, index, rng, password, joined)
    chain = Chain(t["ledger"], organisation.id, rng)
    for spec in (NATIONAL, PAGE_25, PAGE_400) if index == 0 else (NATIONAL,):
        rows = AssessmentRows(
            t, rng, organisation, people, frameworks[spec.slug], criteria[spec.slug], chain,
            store_files=index == 0,  # the organisation whose reports are measured
        )  # fmt: skip
        previous = None
        for period, year, signed_off in PERIODS:
            previous = rows.add(
                period=period,
                year=year,
                signed_off=signed_off,
                previous_id=previous,
                progress=0.7 if index == 0 else rng.uniform(0.05, 0.95),
            )


def _check_signatures(organisations: int) -> None:
    """The service's own verifiers accept what was generated: one signed-off assessment's
    signatures, sign-offs and plan signatures, and the last organisation's whole ledger."""
    from assessments.models import Assessment, PlanSignature, Signature, SignOff
    from assessments.signing import verify_plan_signature, verify_sign_off, verify_signature
    from partnership.models import Organisation
    from partnership.signing.ledger import verify_chain

    assessment = Assessment.objects.get(
        organisation__ods_code=ods_code(0), framework__slug=NATIONAL.slug, period=PERIODS[1][0]
    )
    records = [
        *(verify_signature(s) for s in Signature.objects.filter(assessment=assessment)[:10]),
        *(verify_sign_off(s) for s in SignOff.objects.filter(assessment=assessment)),
        *(
            verify_plan_signature(s)
            for s in PlanSignature.objects.filter(plan__assessment=assessment)
        ),
    ]
    failed = [record.message for record in records if not record.matches]
    failed += verify_chain(Organisation.objects.get(ods_code=ods_code(organisations - 1)))
    if failed:
        raise RuntimeError(
            "Generated signatures no longer verify (what is signed changed in "
            f"assessments/signing.py or partnership/signing; update bench/records.py): {failed[0]}"
        )


def generate(organisations: int = 2000, *, seed: int = 2026, log=None) -> dict:
    """Load the frameworks and the national data set; return counts and seconds taken."""
    from django.contrib.auth.hashers import make_password

    from partnership.signing import keys

    keys.create_key()  # the bench's own, once (settings.SIGNING_KEY_DIR)
    started = time.perf_counter()
    frameworks = load_frameworks(ALL)
    criteria = {spec.slug: _criteria(frameworks[spec.slug]) for spec in ALL}
    password = make_password(PASSWORD)
    joined = datetime(2023, 1, 9, 9, tzinfo=UTC)
    loader = _tables()
    t = loader.tables
    with plain_indexes_dropped(table.model._meta.db_table for table in t.values()):
        try:
            for first in range(0, organisations, CHUNK):
                for index in range(first, min(first + CHUNK, organisations)):
                    _organisation_rows(t, index, seed, password, joined, frameworks, criteria)
                loader.flush()
                if log and (first // CHUNK) % 10 == 9:
                    log(f"  {min(first + CHUNK, organisations)} organisations made")
        finally:
            loader.close()
    loaded = time.perf_counter()
    broken = check_foreign_keys([table.model for table in loader.tables.values()])
    if broken:
        raise RuntimeError(f"{broken} generated rows point at nothing: bench/records.py is wrong")
    _check_signatures(organisations)
    return {
        "organisations": organisations,
        "rows": loader.counts(),
        "load_s": round(loaded - started, 1),
        "check_s": round(time.perf_counter() - loaded, 1),
    }
