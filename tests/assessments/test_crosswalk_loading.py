"""Crosswalk YAML files: complete validation against the loaded frameworks, all-or-nothing
loading, a no-op reload, and export round trips."""

import textwrap
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from assessments.crosswalks.export import crosswalk_content, export_crosswalk
from assessments.crosswalks.loader import CrosswalkError, load_crosswalk_files
from assessments.frameworks import load_framework_files
from assessments.models import Crosswalk, CrosswalkPair, CrosswalkUnmapped, Framework

pytestmark = pytest.mark.django_db

FRAMEWORKS = Path(settings.BASE_DIR) / "fixtures" / "frameworks"
SAMPLE = Path(__file__).parent / "crosswalk_samples" / "iwl-2000-to-2009.yaml"

# Line numbers in the tests below refer to this text: line 1 is "from: ...".
MINIMAL = textwrap.dedent(
    """\
    from: {framework: iwl-standard-2000, version: "1.0"}
    to: {framework: iwl-framework-2009, version: "2009.1"}
    description: A test crosswalk.
    pairs:
      - from: HR1
        to: HR1
        relation: equivalent
      - from: HR2
        to: HR3
        relation: partial
        note: Only the planning part.
    unmapped:
      - framework: to
        ref: PW1
        reason: New in 2009.
    """
)


@pytest.fixture
def frameworks():
    load_framework_files(
        [FRAMEWORKS / "iwl-standard-2000.yaml", FRAMEWORKS / "iwl-framework-2009.yaml"]
    )


def write(tmp_path, text, name="crosswalk.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def snapshot():
    return (
        list(Crosswalk.objects.values_list("id", "content_hash", "description")),
        list(CrosswalkPair.objects.values_list("id", "relation", "note")),
        list(CrosswalkUnmapped.objects.values_list("id", "reason")),
    )


def test_the_sample_loads_with_every_pair_and_unmapped_criterion(frameworks):
    (result,) = load_crosswalk_files([SAMPLE])
    crosswalk = result.crosswalk
    assert result.status == "created"
    assert result.message == (
        "Loaded crosswalk iwl-standard-2000 1.0 to iwl-framework-2009 2009.1: "
        "10 pairs, 2 unmapped criteria"
    )
    assert crosswalk.from_framework.slug == "iwl-standard-2000"
    assert crosswalk.to_framework.version == "2009.1"
    hr3 = crosswalk.pairs.get(from_criterion__ref="HR3")
    assert (hr3.to_criterion.ref, hr3.relation) == ("HR3", "partial")
    assert hr3.to_criterion.framework == crosswalk.to_framework
    assert sorted(crosswalk.unmapped.values_list("side", "criterion__ref")) == [
        ("from", "HR7"),
        ("to", "PW1"),
    ]


def test_loading_an_unchanged_file_again_changes_nothing(frameworks):
    load_crosswalk_files([SAMPLE])
    before = snapshot()
    (result,) = load_crosswalk_files([SAMPLE])
    assert result.status == "unchanged"
    assert "already loaded and unchanged" in result.message
    assert snapshot() == before


def test_a_corrected_file_replaces_the_pairs(frameworks, tmp_path):
    load_crosswalk_files([write(tmp_path, MINIMAL)])
    corrected = MINIMAL.replace("relation: partial", "relation: narrower")
    (result,) = load_crosswalk_files([write(tmp_path, corrected)])
    assert result.status == "updated"
    assert Crosswalk.objects.count() == 1
    assert sorted(CrosswalkPair.objects.values_list("relation", flat=True)) == [
        "equivalent",
        "narrower",
    ]


def test_export_then_load_is_identical(frameworks, tmp_path):
    (loaded,) = load_crosswalk_files([SAMPLE])
    content = crosswalk_content(loaded.crosswalk)
    text = export_crosswalk(loaded.crosswalk)
    exported = write(tmp_path, text, "exported.yaml")
    (again,) = load_crosswalk_files([exported])
    assert again.status == "unchanged"  # same normalised content, same hash
    Crosswalk.objects.all().delete()
    (fresh,) = load_crosswalk_files([exported])
    assert fresh.status == "created"
    assert crosswalk_content(fresh.crosswalk) == content
    assert export_crosswalk(fresh.crosswalk) == text


def test_the_commands_load_and_export(frameworks, tmp_path):
    out = StringIO()
    call_command("load_crosswalk", str(SAMPLE), stdout=out)
    assert "Loaded crosswalk iwl-standard-2000 1.0 to iwl-framework-2009 2009.1" in out.getvalue()
    target = tmp_path / "out.yaml"
    call_command(
        "export_crosswalk",
        "iwl-standard-2000",
        "1.0",
        "iwl-framework-2009",
        "2009.1",
        "--output",
        str(target),
        stderr=StringIO(),
    )
    assert target.read_text().startswith("from:\n  framework: iwl-standard-2000\n")
    out = StringIO()
    call_command("load_crosswalk", str(target), stdout=out)
    assert "already loaded and unchanged" in out.getvalue()


def test_export_of_an_unknown_crosswalk_is_a_clear_error(frameworks):
    with pytest.raises(CommandError, match="No crosswalk iwl-standard-2000 1.0 to x 1 is loaded"):
        call_command("export_crosswalk", "iwl-standard-2000", "1.0", "x", "1")


MALFORMED = [
    pytest.param(
        MINIMAL.replace('version: "2009.1"', 'version: "2010"'),
        [
            ":2: to.framework: iwl-framework-2009 version 2010 is not loaded "
            "(loaded versions: 2009.1): load the framework first"
        ],
        id="unknown-version",
    ),
    pytest.param(
        MINIMAL.replace("framework: iwl-standard-2000", "framework: nhs-nowhere"),
        [":1: from.framework: nhs-nowhere version 1.0 is not loaded (no version of it is loaded)"],
        id="unknown-framework",
    ),
    pytest.param(
        MINIMAL.replace("  - from: HR1\n", "  - from: HR99\n"),
        [':5: pairs[0].from: no criterion "HR99" in the `from` framework version'],
        id="unknown-from-ref",
    ),
    pytest.param(
        MINIMAL.replace("to: HR3", "to: HX3"),
        [':9: pairs[1].to: no criterion "HX3" in the `to` framework version (did you mean "HW3"?)'],
        id="unknown-to-ref",
    ),
    pytest.param(
        MINIMAL.replace("relation: partial", "relation: similar"),
        [
            ':10: pairs[1].relation: "similar" is not a relation: use "equivalent", "partial", '
            '"broader" or "narrower"'
        ],
        id="unknown-relation",
    ),
    pytest.param(
        MINIMAL.replace(
            "unmapped:", "  - from: HR1\n    to: HR1\n    relation: partial\nunmapped:"
        ),
        [":12: pairs[2]: duplicate pair HR1 to HR1 (first on line 5)"],
        id="duplicate-pair",
    ),
    pytest.param(
        MINIMAL.replace("description: A test crosswalk.\n", ""),
        [':1: missing required key "description"'],
        id="missing-description",
    ),
    pytest.param(
        MINIMAL.replace("    relation: equivalent\n", "", 1),
        [':5: pairs[0]: missing required key "relation"'],
        id="missing-relation",
    ),
    pytest.param(
        MINIMAL.replace("ref: PW1", "ref: HR1"),
        [
            ":14: unmapped[0].ref: HR1 is mapped in `pairs`: a criterion is either mapped or unmapped"
        ],
        id="unmapped-also-mapped",
    ),
    pytest.param(
        MINIMAL.replace("ref: PW1", "ref: PW99"),
        [':14: unmapped[0].ref: no criterion "PW99" in the `to` framework version'],
        id="unmapped-unknown-ref",
    ),
    pytest.param(
        MINIMAL.replace("framework: to\n", "framework: both\n"),
        [':13: unmapped[0].framework: "both" is not a side of the crosswalk: use "from" or "to"'],
        id="unmapped-unknown-side",
    ),
    pytest.param(
        MINIMAL.replace("    reason: New in 2009.\n", ""),
        [':13: unmapped[0]: missing required key "reason"'],
        id="unmapped-without-reason",
    ),
    pytest.param(
        MINIMAL.replace(
            "    relation: equivalent\n", "    relation: equivalent\n    weight: 2\n", 1
        ),
        [':8: pairs[0]: unknown key "weight"'],
        id="unknown-key",
    ),
    pytest.param(
        MINIMAL.replace('version: "1.0"', "version: 1.0"),
        [':1: from.version: quote the version, e.g. version: "1.0"'],
        id="unquoted-version",
    ),
    pytest.param(
        MINIMAL.replace("iwl-standard-2000", "iwl-framework-2009").replace('"1.0"', '"2009.1"'),
        [":2: to: must be another framework version than `from`"],
        id="same-version-both-ends",
    ),
    pytest.param(
        "pairs: [\n",
        [":2: invalid YAML"],
        id="invalid-yaml",
    ),
    pytest.param(
        "- a list\n",
        [":1: the file must be a mapping"],
        id="not-a-mapping",
    ),
]


@pytest.mark.parametrize(("text", "messages"), MALFORMED)
def test_each_malformed_file_is_refused_with_its_message_and_nothing_changes(
    frameworks, tmp_path, text, messages
):
    load_crosswalk_files([SAMPLE])
    before = snapshot()
    path = write(tmp_path, text)
    with pytest.raises(CrosswalkError) as raised:
        load_crosswalk_files([SAMPLE, path])
    for message in messages:
        assert any(error.startswith(f"{path}{message}") for error in raised.value.errors), (
            raised.value.errors
        )
    assert snapshot() == before


def test_every_error_is_reported_at_once(frameworks, tmp_path):
    text = MINIMAL.replace("  - from: HR1\n", "  - from: HR99\n").replace(
        "relation: partial", "relation: similar"
    )
    with pytest.raises(CrosswalkError) as raised:
        load_crosswalk_files([write(tmp_path, text)])
    assert len(raised.value.errors) == 2


def test_the_same_crosswalk_in_two_files_is_refused(frameworks, tmp_path):
    with pytest.raises(CrosswalkError, match="is also in"):
        load_crosswalk_files(
            [write(tmp_path, MINIMAL, "a.yaml"), write(tmp_path, MINIMAL, "b.yaml")]
        )
    assert Crosswalk.objects.count() == 0


def test_the_command_reports_every_error_and_loads_nothing(frameworks, tmp_path):
    bad = write(tmp_path, MINIMAL.replace("relation: partial", "relation: similar"))
    err = StringIO()
    with pytest.raises(CommandError, match="1 error in the crosswalk files: nothing was loaded"):
        call_command("load_crosswalk", str(SAMPLE), str(bad), stderr=err)
    assert f"{bad}:10: pairs[1].relation" in err.getvalue()
    assert Crosswalk.objects.count() == 0


def test_frameworks_are_not_loaded_by_a_crosswalk(tmp_path):
    with pytest.raises(CrosswalkError):
        load_crosswalk_files([SAMPLE])
    assert Framework.objects.count() == 0
