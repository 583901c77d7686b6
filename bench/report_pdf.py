"""How long the board report PDF takes, and how much of that is WeasyPrint.

Builds a 100-criterion assessment with evidence, both sides' signatures (some dissent) and a
joint sign-off in a throwaway database, then times, interleaved, several runs of:

- ``pipeline``: our rendering function end to end (``board_report_pdf``: the queries,
  scoring, signature checks, the template and WeasyPrint);
- ``weasyprint``: WeasyPrint alone on the same final HTML with the same stylesheet files,
  ``HTML(string=html, base_url=...).write_pdf(stylesheets=[files])``, which parses the
  stylesheets on every run as WeasyPrint does by default;
- ``weasyprint_preparsed``: WeasyPrint alone with the stylesheets already parsed, as our
  rendering function keeps them: the floor, pure layout and PDF writing;
- ``ours``: our code alone, without WeasyPrint: the queries, scoring, signature checks and
  the template.

``ratio`` is pipeline / weasyprint (target at most 1.15); ``overhead_ratio`` is
pipeline / weasyprint_preparsed, what our own code adds to the floor.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import logging
import statistics
import time
from contextlib import nullcontext


def build_assessment(criteria: int = 100, standards: int = 10):
    """A signed-off assessment of ``criteria`` criteria, made through the services."""
    from assessments.models import Assessment, Framework, RatingLevel, Stage
    from assessments.services import (
        add_comment,
        add_evidence_file,
        add_evidence_link,
        save_response,
        sign_off,
        staff_side_sign,
        start_assessment,
        submit_response,
    )
    from partnership.models import Membership, Organisation, User
    from partnership.signing import keys

    from .records import evidence_bytes, store_evidence

    keys.create_key()  # the bench's own signing key, once (settings.SIGNING_KEY_DIR)
    framework = Framework.objects.create(
        slug="bench-framework",
        version="1",
        title="Benchmark framework",
        publication_date="2026-01-01",
        countries=["england"],
        met_value=2,
        content_hash="0" * 64,
    )
    for value, label, rag in (
        (0, "Not in place", "red"),
        (1, "Partly in place", "amber"),
        (2, "In place", "green"),
        (3, "In place for all staff groups", "green"),
    ):
        RatingLevel.objects.create(framework=framework, value=value, label=label, rag=rag)
    for position, (slug, name, rule) in enumerate(
        (
            ("pledge", "Pledge", [{"tagged": "policy", "at_least": 2}]),
            ("practice", "Practice", [{"core": True, "at_least": 1}, {"actions_for_gaps": True}]),
            ("practice-plus", "Practice Plus", [{"all": True, "at_least": 3}]),
        )
    ):
        Stage.objects.create(
            framework=framework, slug=slug, name=name, position=position, rule=rule
        )
    per_standard = criteria // standards
    for s in range(standards):
        standard = framework.standards.create(
            ref=f"S{s + 1}", title=f"Standard number {s + 1} of the benchmark", position=s
        )
        for c in range(per_standard):
            framework.criteria.create(
                standard=standard,
                ref=f"S{s + 1}.{c + 1}",
                statement=(
                    f"Criterion {c + 1} of standard {s + 1}: the organisation has agreed, "
                    "published and put into practice a policy, reviewed with the staff side."
                ),
                weight=2 if c == 0 else 1,
                core=c < 2,
                tags=["policy"] if c == 0 else [],
                position=c,
            )

    organisation = Organisation.objects.create(
        name="Benchmark Community NHS Trust", ods_code="BENCH", country="england"
    )
    hr_lead = User.objects.create_user(
        "hr.lead@bench.example", "bench-password", full_name="Helen Roberts"
    )
    staff_rep = User.objects.create_user(
        "staff.rep@bench.example", "bench-password", full_name="Sam Patel"
    )
    for user, side in ((hr_lead, "management"), (staff_rep, "staff_side")):
        Membership.objects.create(user=user, organisation=organisation, side=side, role="lead")

    assessment = start_assessment(
        organisation=organisation,
        framework=framework,
        period="2025/26",
        title="Benchmark 2025/26",
        user=hr_lead,
    )
    responses = assessment.responses.select_related("criterion").order_by(
        "criterion__standard__position", "criterion__position"
    )
    for index, response in enumerate(responses):
        rating = (2, 3, 1, 2, 0, 3, 2)[index % 7]
        save_response(
            response.pk,
            data={
                "rating": rating,
                "not_applicable": False,
                "not_applicable_reason": "",
                "narrative": f"How {response.criterion.ref} is met. " * 8,
                "barrier": "funding" if rating < 2 else "",
                "barrier_detail": "No budget this year; a bid is in next year's plan."
                if rating < 2
                else "",
            },
            expected_version=1,
            user=hr_lead,
        )
        if index % 3 == 0:
            add_evidence_link(
                response.pk, url=f"https://intranet.example/{index}", title="Policy", user=hr_lead
            )
            stored_name, data = f"evidence/BENCH/{index}.pdf", evidence_bytes(str(index))
            store_evidence(stored_name, data)
            add_evidence_file(
                response.pk,
                stored_name=stored_name,
                original_name=f"Board paper {index}.pdf",
                content_type="application/pdf",
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                user=hr_lead,
            )
        submit_response(response.pk, user=hr_lead)
        if index % 10 == 4:
            add_comment(
                response.pk, user=staff_rep, body="We do not think this covers night staff."
            )
            decision, comment = "disagreed", "Night staff are not covered, so this is not in place."
        elif index % 10 == 7:
            decision, comment = (
                "agreed_with_reservations",
                "Agreed, but community staff were not asked.",
            )
        else:
            decision, comment = "agreed", ""
        staff_side_sign(
            response.pk,
            user=staff_rep,
            decision=decision,
            comment=comment,
            staff_rating=max(rating - (index % 2), 0),
        )
    statement = "Both sides agree this is a fair account, with the dissent recorded."
    sign_off(assessment.pk, user=hr_lead, side="management", joint_statement=statement)
    sign_off(
        assessment.pk,
        user=staff_rep,
        side="staff_side",
        joint_statement=statement,
        side_statement="The staff side stands by its recorded disagreements.",
    )
    # As a view has it: fetched with its framework and organisation.
    return Assessment.objects.select_related("framework", "organisation").get(pk=assessment.pk)


def measure_report_pdf(
    *,
    criteria: int = 100,
    runs: int = 5,
    warmup: int = 1,
    throwaway: bool = True,
    save_to=None,
    assessment=None,
) -> dict:
    """Median times (seconds) of the board report PDF, ours against WeasyPrint alone.

    With ``throwaway`` (the default) the data lives in a database created for the run and
    dropped after it; without, the caller provides the database (for example a test). Given
    an ``assessment`` (the national benchmark passes one of its own), that one is measured
    instead of one built here.
    """
    from pypdf import PdfReader
    from weasyprint import HTML

    from assessments.reports.pdf import (
        PDF_OPTIONS,
        base_url,
        board_report_pdf,
        report_html,
        stylesheet_paths,
        stylesheets,
    )
    from assessments.reports.presenters import BoardReport

    from . import throwaway_database

    # NHS.UK's CSS has rules for browsers that WeasyPrint skips, with a warning each: quiet
    # them, for every contender alike.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    with throwaway_database() if throwaway and assessment is None else nullcontext():
        if assessment is None:
            assessment = build_assessment(criteria)
        criteria = assessment.responses.count()
        for _ in range(warmup):  # parses the stylesheets once and compiles the templates
            board_report_pdf(assessment)
        html = report_html(BoardReport.build(assessment))
        files = [str(path) for path in stylesheet_paths()]
        timings = {"pipeline": [], "weasyprint": [], "weasyprint_preparsed": [], "ours": []}
        pdf = b""
        for _ in range(runs):
            started = time.perf_counter()
            pdf = board_report_pdf(assessment)
            timings["pipeline"].append(time.perf_counter() - started)

            started = time.perf_counter()
            HTML(string=html, base_url=base_url()).write_pdf(stylesheets=files, **PDF_OPTIONS)
            timings["weasyprint"].append(time.perf_counter() - started)

            started = time.perf_counter()
            HTML(string=html, base_url=base_url()).write_pdf(
                stylesheets=stylesheets(), **PDF_OPTIONS
            )
            timings["weasyprint_preparsed"].append(time.perf_counter() - started)

            started = time.perf_counter()
            report_html(BoardReport.build(assessment))
            timings["ours"].append(time.perf_counter() - started)
        if save_to:
            with open(save_to, "wb") as file:
                file.write(pdf)
        medians = {name: statistics.median(values) for name, values in timings.items()}
        return {
            "criteria": criteria,
            "runs": runs,
            "pages": len(PdfReader(io.BytesIO(pdf)).pages),
            "pdf_bytes": len(pdf),
            "pipeline_median_s": round(medians["pipeline"], 4),
            "weasyprint_median_s": round(medians["weasyprint"], 4),
            "weasyprint_preparsed_median_s": round(medians["weasyprint_preparsed"], 4),
            "ours_median_s": round(medians["ours"], 4),
            "ratio": round(medians["pipeline"] / medians["weasyprint"], 3),
            "overhead_ratio": round(medians["pipeline"] / medians["weasyprint_preparsed"], 3),
            "target_ratio": 1.15,
        }


def main(argv=(), *, quiet=False) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench report-pdf")
    parser.add_argument("--criteria", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--save", metavar="FILE", help="also write the PDF to FILE, to look at")
    args = parser.parse_args(list(argv))
    result = measure_report_pdf(criteria=args.criteria, runs=args.runs, save_to=args.save)
    if not quiet:
        print(
            f"Board report PDF of a {result['criteria']}-criterion assessment "
            f"({result['pages']} pages, {result['pdf_bytes'] // 1024} KB), median of {result['runs']} runs:\n"
            f"  our rendering function, end to end        {result['pipeline_median_s']:.3f} s\n"
            f"  WeasyPrint alone, same HTML and CSS files {result['weasyprint_median_s']:.3f} s"
            f"  ratio {result['ratio']:.2f} (target at most {result['target_ratio']})\n"
            f"  WeasyPrint alone, CSS already parsed      {result['weasyprint_preparsed_median_s']:.3f} s"
            f"  ratio {result['overhead_ratio']:.2f} (what our code adds)\n"
            f"  of which our code alone (queries, scoring, signature checks, template) "
            f"{result['ours_median_s']:.3f} s"
        )
    return result
