"""Framework YAML files: complete validation, all-or-nothing loading, and export round trips."""

import datetime
import textwrap
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from assessments.frameworks import (
    FrameworkError,
    content_hash,
    content_to_yaml,
    export_framework,
    framework_content,
    load_framework_files,
    read_framework_file,
)
from assessments.models import Criterion, Framework, RatingLevel, Stage, Standard

pytestmark = pytest.mark.django_db

FIXTURES = sorted((Path(settings.BASE_DIR) / "fixtures" / "frameworks").glob("*.yaml"))
SAMPLES = Path(__file__).parent / "framework_samples"  # rich.yaml: every feature, awkward text

# Line numbers in the tests below refer to this file: line 1 is "slug: ...".
MINIMAL = textwrap.dedent(
    """\
    slug: test-framework
    version: "1.0"
    title: Test framework
    publication_date: 2000-10-01
    countries: [england]
    scale:
      met: 2
      levels:
        - value: 0
          label: Not in place
          rag: red
        - value: 1
          label: Partly in place
          rag: amber
        - value: 2
          label: In place
          rag: green
    stages:
      - slug: pledge
        name: Pledge
        rule:
          - tagged: policy
            at_least: 1
          - criteria: [HR1]
            at_least: 2
    standards:
      - ref: HR
        title: HR strategy and management
        criteria:
          - ref: HR1
            statement: The organisation has an HR strategy.
            tags: [policy]
          - ref: HR2
            statement: Staff are involved in decisions.
      - ref: FW
        title: Flexible working
        criteria:
          - ref: FW1
            statement: Flexible working is offered to all staff.
    """
)


def write(tmp_path, text, name="framework.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def mutate(old, new, text=MINIMAL):
    """MINIMAL with one exact piece replaced, failing loudly if the piece is not there."""
    assert text.count(old) == 1, f"{old!r} is not exactly once in the sample"
    return text.replace(old, new)


def counts():
    return tuple(
        model.objects.count() for model in (Framework, RatingLevel, Stage, Standard, Criterion)
    )


def errors_for(tmp_path, text):
    """Loading ``text`` fails: return its errors without the "path:" prefix, DB unchanged."""
    other = mutate("slug: test-framework", "slug: already-loaded")
    load_framework_files([write(tmp_path, other, "already-loaded.yaml")])
    path = write(tmp_path, text)
    before = counts()
    assert before == (1, 3, 1, 2, 3)
    with pytest.raises(FrameworkError) as caught:
        load_framework_files([path])
    assert counts() == before
    prefix = f"{path}:"
    assert all(error.startswith(prefix) for error in caught.value.errors)
    return [error.removeprefix(prefix) for error in caught.value.errors]


def framework_yaml(criteria_count, slug="big-framework"):
    """A valid framework with ``criteria_count`` criteria over five standards."""
    standards = [
        {
            "ref": f"S{number}",
            "title": f"Standard {number}",
            "criteria": [
                {"ref": f"S{number}C{index}", "statement": f"Criterion {index}", "weight": 1.5}
                for index in range(number, criteria_count, 5)
            ],
        }
        for number in range(5)
    ]
    data = yaml.safe_load(MINIMAL)
    data.update(slug=slug, stages=[], standards=[s for s in standards if s["criteria"]])
    return yaml.safe_dump(data, sort_keys=False)


# Loading


@pytest.mark.smoke
def test_loads_a_valid_framework(tmp_path):
    [result] = load_framework_files([write(tmp_path, MINIMAL)])

    framework = result.framework
    assert result.created
    assert result.message == "Loaded test-framework version 1.0: 2 standards, 3 criteria, 1 stage"
    framework.refresh_from_db()
    assert (framework.slug, framework.version, framework.title) == (
        "test-framework",
        "1.0",
        "Test framework",
    )
    assert framework.publication_date == datetime.date(2000, 10, 1)
    assert framework.countries == ["england"]
    assert framework.met_value == 2
    assert list(framework.levels.values_list("value", "label", "rag")) == [
        (0, "Not in place", "red"),
        (1, "Partly in place", "amber"),
        (2, "In place", "green"),
    ]
    [stage] = framework.stages.all()
    assert (stage.slug, stage.name, stage.position) == ("pledge", "Pledge", 0)
    assert stage.rule == [{"tagged": "policy", "at_least": 1}, {"criteria": ["HR1"], "at_least": 2}]
    assert list(framework.standards.values_list("ref", "position")) == [("HR", 0), ("FW", 1)]
    criteria = framework.criteria.order_by("standard__position", "position")
    assert [(c.standard.ref, c.ref, c.position) for c in criteria] == [
        ("HR", "HR1", 0),
        ("HR", "HR2", 1),
        ("FW", "FW1", 0),
    ]
    hr1 = criteria[0]
    assert hr1.weight == Decimal("1.00")
    assert (hr1.core, hr1.tags, hr1.examples, hr1.references, hr1.guidance) == (
        False,
        ["policy"],
        [],
        [],
        "",
    )
    assert framework.content_hash == content_hash(framework_content(framework))
    assert len(framework.content_hash) == 64


def test_command_prints_one_line_per_file(tmp_path):
    first = write(tmp_path, MINIMAL, "first.yaml")
    second = write(tmp_path, mutate("slug: test-framework", "slug: second"), "second.yaml")
    out = StringIO()

    call_command("load_framework", str(first), str(second), stdout=out)

    assert out.getvalue().splitlines() == [
        "Loaded test-framework version 1.0: 2 standards, 3 criteria, 1 stage",
        "Loaded second version 1.0: 2 standards, 3 criteria, 1 stage",
    ]
    assert Framework.objects.count() == 2


def test_command_fails_with_every_error_on_stderr_and_loads_nothing(tmp_path):
    path = write(tmp_path, mutate("title: Test framework", "titel: Test framework"))
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match="2 errors in the framework files: nothing was loaded"):
        call_command("load_framework", str(path), stdout=out, stderr=err)

    assert err.getvalue().splitlines() == [
        f'{path}:1: missing required key "title"',
        f'{path}:3: unknown key "titel" (did you mean "title"?)',
    ]
    assert out.getvalue() == ""
    assert Framework.objects.count() == 0


def test_command_needs_at_least_one_file():
    with pytest.raises(CommandError, match="the following arguments are required: FILE"):
        call_command("load_framework")


def test_integer_version_becomes_text_and_weights_are_normalised(tmp_path):
    text = mutate('version: "1.0"', "version: 3")
    text = mutate(
        "statement: Staff are involved in decisions.", "statement: x\n        weight: 2", text
    )
    text = mutate("tags: [policy]", "tags: [policy]\n        weight: 0.25", text)
    text = mutate(
        "statement: Flexible working", "weight: 12.5\n        statement: Flexible working", text
    )

    [result] = load_framework_files([write(tmp_path, text)])

    assert result.framework.version == "3"
    weights = dict(result.framework.criteria.values_list("ref", "weight"))
    assert weights == {"HR1": Decimal("0.25"), "HR2": Decimal("2.00"), "FW1": Decimal("12.50")}
    content = read_framework_file(write(tmp_path, text)).content
    assert [c["weight"] for s in content["standards"] for c in s["criteria"]] == [
        "0.25",
        "2.00",
        "12.50",
    ]


def test_text_is_stripped_and_levels_are_ordered_by_value(tmp_path):
    text = mutate(
        "title: Test framework", 'title: "  Test framework  "\ndescription: |\n  Two\n  lines\n'
    )
    levels_reversed = textwrap.indent(
        "- value: 2\n  label: In place\n  rag: green\n"
        "- value: 0\n  label: Not in place\n  rag: red\n"
        "- value: 1\n  label: Partly in place\n  rag: amber\n",
        "    ",
    )
    original_levels = MINIMAL[MINIMAL.index("    - value: 0") : MINIMAL.index("stages:")]
    reordered = mutate(original_levels, levels_reversed, text)

    assert read_framework_file(write(tmp_path, reordered, "b.yaml")).content == (
        read_framework_file(write(tmp_path, text, "a.yaml")).content
    )
    content = read_framework_file(write(tmp_path, text, "a.yaml")).content
    assert content["title"] == "Test framework"
    assert content["description"] == "Two\nlines"


# One file, one kind of error: the message names the line and field, and nothing is written.


def test_bad_yaml(tmp_path):
    errors = errors_for(tmp_path, mutate("countries: [england]", "countries: [england"))
    assert errors == [
        "6: invalid YAML: while parsing a flow sequence (line 5): did not find expected ',' or ']'"
    ]


def test_tab_indentation_is_explained(tmp_path):
    errors = errors_for(tmp_path, mutate("  met: 2", "\tmet: 2"))
    assert errors == [
        "7: invalid YAML: while scanning for the next token: found character that cannot "
        "start any token (a tab: indent with spaces)"
    ]


def test_duplicate_mapping_key(tmp_path):
    errors = errors_for(tmp_path, mutate("title: Test framework", "title: A\ntitle: B"))
    assert errors == ['4: title: duplicate key "title" (first used on line 3)']


def test_unknown_top_level_key_with_suggestion(tmp_path):
    errors = errors_for(
        tmp_path, mutate("countries: [england]", "countries: [england]\ncountry: x")
    )
    assert errors == ['6: unknown key "country" (did you mean "countries"?)']


def test_unknown_criterion_key_with_suggestion(tmp_path):
    text = mutate("    statement: Staff", "    statment: Staff")
    assert errors_for(tmp_path, text) == [
        '33: standards[0].criteria[1]: missing required key "statement"',
        '34: standards[0].criteria[1]: unknown key "statment" (did you mean "statement"?)',
    ]


def test_unknown_key_far_from_any_known_key_has_no_suggestion(tmp_path):
    text = mutate("decisions.\n", "decisions.\n        banana: yellow\n        x: y\n")
    assert errors_for(tmp_path, text) == [
        '35: standards[0].criteria[1]: unknown key "banana"',
        '36: standards[0].criteria[1]: unknown key "x"',
    ]


def test_duplicate_criterion_ref_across_standards(tmp_path):
    errors = errors_for(tmp_path, mutate("- ref: FW1", "- ref: HR1"))
    assert errors == [
        '38: standards[1].criteria[0].ref: duplicate criterion ref "HR1" (first used on line 30)'
    ]


def test_duplicate_standard_ref(tmp_path):
    errors = errors_for(tmp_path, mutate("- ref: FW\n", "- ref: HR\n"))
    assert errors == ['35: standards[1].ref: duplicate standard ref "HR" (first used on line 27)']


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("title: Test framework\n", "", '1: missing required key "title"'),
        ("title: Test framework", "title:", "3: title: must not be empty"),
        ("title: Test framework", 'title: "  "', "3: title: must not be empty"),
        (
            "        statement: Staff are involved in decisions.\n",
            "",
            '33: standards[0].criteria[1]: missing required key "statement"',
        ),
        (
            "    title: Flexible working\n",
            "",
            '35: standards[1]: missing required key "title"',
        ),
        ("  met: 2\n", "", '6: scale: missing required key "met"'),
        (
            "    name: Pledge\n",
            "",
            '19: stages[0]: missing required key "name"',
        ),
    ],
    ids=["top-level", "null", "blank", "criterion", "standard", "scale", "stage"],
)
def test_missing_required_field(tmp_path, old, new, expected):
    assert errors_for(tmp_path, mutate(old, new)) == [expected]


def test_wrong_types(tmp_path):
    text = mutate("title: Test framework", "title: 2000")
    text = mutate("tags: [policy]", "tags: policy\n        core: yes please", text)
    text = mutate("  met: 2", "  met: two", text)
    text = mutate("statement: Flexible working is offered to all staff.", "statement: [a, b]", text)
    assert errors_for(tmp_path, text) == [
        "3: title: must be text, not the number 2000: put it in quotes",
        '7: scale.met: must be a whole number, not the text "two"',
        '22: stages[0].rule[0].tagged: no criterion is tagged "policy"',
        "32: standards[0].criteria[0].tags: must be a list of tags, not the text "
        '"policy", e.g. tags: [policy]',
        '33: standards[0].criteria[0].core: must be true or false, not the text "yes please"',
        "40: standards[1].criteria[0].statement: must be text, not a list",
    ]


@pytest.mark.parametrize(
    ("weight", "expected"),
    [
        ("0", "must be more than 0, not 0"),
        ("-1.5", "must be more than 0, not -1.5"),
        ("10000", "must be less than 10000, not 10000"),
        ("1.555", "may have at most 2 decimal places, not 1.555"),
        ('"2"', 'must be a number such as 1 or 1.5, not the text "2"'),
        (".inf", "must be a finite number"),
    ],
)
def test_bad_weight(tmp_path, weight, expected):
    text = mutate("tags: [policy]", f"tags: [policy]\n        weight: {weight}")
    assert errors_for(tmp_path, text) == [f"33: standards[0].criteria[0].weight: {expected}"]


def test_empty_scale(tmp_path):
    levels = MINIMAL[MINIMAL.index("  levels:") : MINIMAL.index("stages:")]
    text = mutate(levels, "  levels: []\n")
    assert errors_for(tmp_path, text) == [
        "8: scale.levels: a scale needs at least two levels, but this has none",
        # With no scale, stage rules cannot be checked against its values; nothing more is said.
    ]


def test_scale_with_one_level(tmp_path):
    levels = MINIMAL[MINIMAL.index("    - value: 1") : MINIMAL.index("stages:")]
    text = mutate(levels, "")
    assert errors_for(tmp_path, text) == [
        "8: scale.levels: a scale needs at least two levels, but this has only one"
    ]


@pytest.mark.parametrize(
    ("met", "expected"),
    [
        ("5", "7: scale.met: 5 is not one of the level values (0, 1, 2)"),
        ("0", "7: scale.met: must be above the lowest level (0), so that some ratings are not met"),
    ],
)
def test_scale_met_must_be_a_level_above_the_lowest(tmp_path, met, expected):
    assert errors_for(tmp_path, mutate("  met: 2", f"  met: {met}")) == [expected]


def test_level_value_must_fit_the_database(tmp_path):
    assert errors_for(tmp_path, mutate("- value: 0", "- value: 99999999999")) == [
        "9: scale.levels[0].value: is too large: at most 2147483647 either side of 0"
    ]


def test_duplicate_level_values_and_labels(tmp_path):
    text = mutate("- value: 1\n      label: Partly in place", "- value: 0\n      label: In place")
    assert errors_for(tmp_path, text) == [
        "12: scale.levels[1].value: duplicate level value 0 (first used on line 9)",
        '16: scale.levels[2].label: duplicate level label "In place" (first used on line 13)',
        "23: stages[0].rule[0].at_least: 1 is not a value of the scale (0, 2)",
    ]


def test_inconsistent_rag(tmp_path):
    text = mutate("label: Not in place\n      rag: red", "label: Not in place\n      rag: green")
    text = mutate("label: In place\n      rag: green", "label: In place\n      rag: red", text)
    assert errors_for(tmp_path, text) == [
        '11: scale.levels[0].rag: level 0 ("Not in place") is below met (met: 2): not green',
        '17: scale.levels[2].rag: level 2 ("In place") counts as met (met: 2): not red',
    ]


def test_unknown_rag_colour(tmp_path):
    assert errors_for(tmp_path, mutate("rag: amber", "rag: yellow")) == [
        '14: scale.levels[1].rag: "yellow" is not a RAG colour: use "red", "amber" or "green"'
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "- criteria: [HR1]",
            "- criteria: [HR1, HR11]",
            '24: stages[0].rule[1].criteria[1]: unknown criterion ref "HR11" (did you mean "HR1"?)',
        ),
        (
            "- criteria: [HR1]",
            "- standards: [HR, ZZ]",
            '24: stages[0].rule[1].standards[1]: unknown standard ref "ZZ"',
        ),
        (
            "- tagged: policy",
            "- tagged: polcy",
            '22: stages[0].rule[0].tagged: no criterion is tagged "polcy" (did you mean "policy"?)',
        ),
        (
            "    at_least: 1\n",
            "    at_least: 3\n",
            "23: stages[0].rule[0].at_least: 3 is not a value of the scale (0, 1, 2)",
        ),
    ],
    ids=["criterion", "standard", "tag", "scale-value"],
)
def test_stage_rule_names_something_that_does_not_exist(tmp_path, old, new, expected):
    assert errors_for(tmp_path, mutate(old, new)) == [expected]


def test_condition_with_two_selectors(tmp_path):
    text = mutate("- tagged: policy", "- tagged: policy\n        all: true")
    assert errors_for(tmp_path, text) == [
        '22: stages[0].rule[0]: a condition has exactly one selector, but this one has "all" '
        'and "tagged": write one condition for each'
    ]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (
            "- overall_percent_at_least: 60\n        at_least: 1",
            '24: stages[0].rule[1]: "overall_percent_at_least" must be alone in its condition, '
            'but this one also has "at_least"',
        ),
        (
            "- overall_percent_at_least: 101",
            "24: stages[0].rule[1].overall_percent_at_least: must be from 0 to 100, not 101",
        ),
        (
            "- actions_for_gaps: false",
            "24: stages[0].rule[1].actions_for_gaps: must be true, not false (true/false)",
        ),
        (
            "- all: false\n        at_least: 1",
            "24: stages[0].rule[1].all: must be true, not false (true/false)",
        ),
        ("- core: true", '24: stages[0].rule[1]: missing required key "at_least"'),
        (
            "- core: true\n        at_least: 1",
            "24: stages[0].rule[1].core: no criterion is core: mark some with core: true",
        ),
        (
            "- at_least: 1",
            '24: stages[0].rule[1]: a condition needs one selector ("all", "core", "tagged", '
            '"criteria" or "standards") with at_least, or "overall_percent_at_least" or '
            '"actions_for_gaps"',
        ),
        (
            "- criteria: []\n        at_least: 1",
            "24: stages[0].rule[1].criteria: must not be empty: list at least one of the "
            "criterion refs",
        ),
        (
            "- tag: policy\n        at_least: 1",
            '24: stages[0].rule[1]: a condition needs one selector ("all", "core", "tagged", '
            '"criteria" or "standards") with at_least, or "overall_percent_at_least" or '
            '"actions_for_gaps"',
        ),
    ],
    ids=[
        "alone",
        "percent",
        "gaps",
        "all-false",
        "no-at-least",
        "no-core-criteria",
        "no-selector",
        "empty",
        "typo",
    ],
)
def test_bad_condition(tmp_path, condition, expected):
    text = mutate("- criteria: [HR1]\n        at_least: 2", condition)
    errors = errors_for(tmp_path, text)
    assert expected in errors
    if condition.startswith("- tag:"):
        assert '24: stages[0].rule[1]: unknown key "tag" (did you mean "tagged"?)' in errors


def test_stage_needs_a_rule_and_a_unique_slug(tmp_path):
    stage = "  - slug: pledge\n    name: Pledge\n    rule: []\n"
    text = mutate("stages:\n", "stages:\n" + stage)
    assert errors_for(tmp_path, text) == [
        "21: stages[0].rule: must not be empty: list at least one of the conditions",
        '22: stages[1].slug: duplicate stage slug "pledge" (first used on line 19)',
    ]


@pytest.mark.parametrize(
    ("countries", "expected"),
    [
        (
            "[england, northern-ireland]",
            '5: countries[1]: "northern-ireland" is not a country: use "england", "scotland", '
            '"wales" or "northern_ireland" (did you mean "northern_ireland"?)',
        ),
        ("[england, england]", '5: countries[1]: "england" is listed twice (first on line 5)'),
        ("[]", "5: countries: must not be empty: list at least one of the countries"),
        (
            "england",
            'countries: must be a list of countries, not the text "england", '
            "e.g. countries: [england]",
        ),
    ],
    ids=["unknown", "twice", "empty", "not-a-list"],
)
def test_bad_country(tmp_path, countries, expected):
    errors = errors_for(tmp_path, mutate("countries: [england]", f"countries: {countries}"))
    assert [error.removeprefix("5: ") for error in errors] == [expected.removeprefix("5: ")]


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2000-13-01", '"2000-13-01" is not a valid date: month must be in 1..12'),
        ("2000-02-30", '"2000-02-30" is not a valid date: day is out of range for month'),
        ("1 October 2000", 'must be a date in the form YYYY-MM-DD, not the text "1 October 2000"'),
        ("2000-10-01 09:00:00", "must be a date without a time, e.g. 2000-10-01"),
    ],
)
def test_bad_date(tmp_path, date, expected):
    text = mutate("publication_date: 2000-10-01", f"publication_date: {date}")
    assert errors_for(tmp_path, text) == [f"4: publication_date: {expected}"]


def test_quoted_date_is_accepted(tmp_path):
    text = mutate("publication_date: 2000-10-01", 'publication_date: "2000-10-01"')
    assert read_framework_file(write(tmp_path, text)).content["publication_date"] == "2000-10-01"


def test_unquoted_float_version(tmp_path):
    errors = errors_for(tmp_path, mutate('version: "1.0"', "version: 1.0"))
    assert errors == [
        '2: version: quote the version, e.g. version: "1.0" (unquoted, it is read as a number, '
        "so 1.10 would become 1.1)"
    ]


def test_bad_slugs_and_refs(tmp_path):
    text = mutate("slug: test-framework", "slug: Test_Framework")
    text = mutate("- ref: HR2", "- ref: HR 2", text)
    text = mutate("tags: [policy]", "tags: [Policy Areas]", text)
    assert errors_for(tmp_path, text) == [
        '1: slug: "Test_Framework" is not valid here: use lowercase letters, digits and single '
        "hyphens, e.g. iwl-standard-2000",
        '22: stages[0].rule[0].tagged: no criterion is tagged "policy"',
        '32: standards[0].criteria[0].tags[0]: "Policy Areas" is not valid here: use lowercase '
        "letters, digits, hyphens and underscores, e.g. flexible-working",
        '33: standards[0].criteria[1].ref: "HR 2" is not valid here: use letters and digits, '
        "optionally joined by '.', '-' or '_', e.g. HR1 or FW-2.1",
    ]


def test_control_characters_are_refused_and_line_breaks_normalised(tmp_path):
    text = mutate("title: Test framework", 'title: "Test\\0framework"')
    text = mutate("statement: The organisation", 'statement: "\\e[31m The organisation', text)
    text = mutate("an HR strategy.", 'an HR strategy."', text)
    text = mutate("- tagged: policy", '- tagged: "bad\\ntag"', text)
    assert errors_for(tmp_path, text) == [
        "3: title: contains the control character U+0000: remove it",
        '22: stages[0].rule[0].tagged: "bad\\u000atag" is not valid here: use lowercase letters, '
        "digits, hyphens and underscores, e.g. flexible-working",
        "31: standards[0].criteria[0].statement: contains the control character U+001B: remove it",
    ]
    breaks = mutate("title: Test framework", 'title: "One\\r\\nTwo\\rThree\\NFour\\LFive\\tSix"')
    content = read_framework_file(write(tmp_path, breaks)).content
    assert content["title"] == "One\nTwo\nThree\nFour\u2028Five\tSix"


def test_text_longer_than_the_database_allows(tmp_path):
    text = mutate("- ref: FW1", "- ref: " + "F" * 21)
    assert errors_for(tmp_path, text) == [
        "38: standards[1].criteria[0].ref: is too long: 21 characters, at most 20"
    ]


def test_several_errors_in_one_file_are_all_reported(tmp_path):
    text = mutate('version: "1.0"', "version: 1.0")
    text = mutate("countries: [england]", "countries: [france]", text)
    text = mutate("  met: 2", "  met: 9", text)
    text = mutate("- tagged: policy", "- tagged: nothing", text)
    text = mutate("- ref: FW1", "- ref: HR2", text)
    text = mutate("    statement: Staff", "    statment: Staff", text)
    text = mutate("title: Flexible working", "titl: Flexible working", text)
    assert errors_for(tmp_path, text) == [
        '2: version: quote the version, e.g. version: "1.0" (unquoted, it is read as a number, '
        "so 1.10 would become 1.1)",
        '5: countries[0]: "france" is not a country: use "england", "scotland", "wales" or '
        '"northern_ireland"',
        "7: scale.met: 9 is not one of the level values (0, 1, 2)",
        '22: stages[0].rule[0].tagged: no criterion is tagged "nothing"',
        '33: standards[0].criteria[1]: missing required key "statement"',
        '34: standards[0].criteria[1]: unknown key "statment" (did you mean "statement"?)',
        '35: standards[1]: missing required key "title"',
        '36: standards[1]: unknown key "titl" (did you mean "title"?)',
        '38: standards[1].criteria[0].ref: duplicate criterion ref "HR2" (first used on line 33)',
    ]


def test_the_documented_example_loads(tmp_path):
    docs = (Path(settings.BASE_DIR) / "docs" / "framework-format.md").read_text(encoding="utf-8")
    example = docs.split("## A complete example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    [result] = load_framework_files([write(tmp_path, example)])
    assert (
        result.message == "Loaded iwl-standard-2000 version 1.0: 1 standard, 2 criteria, 3 stages"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "1: the file is empty: expected a framework (slug, version, title, ...)"),
        ("- a\n- b\n", "1: the file must be a mapping (key: value lines), not a list"),
        ("slug: &s x\ntitle: *s\n", "2: title: YAML aliases (*name) are not supported"),
        ("slug: !custom x\n", "1: slug: cannot read this value: could not determine a constructor"),
        ("slug: a\n---\nslug: b\n", "2: invalid YAML: expected a single document in the stream"),
    ],
    ids=["empty", "list", "alias", "tag", "two-documents"],
)
def test_files_that_are_not_a_framework(tmp_path, text, expected):
    assert any(error.startswith(expected) for error in errors_for(tmp_path, text))


def test_unreadable_files(tmp_path):
    missing = tmp_path / "missing.yaml"
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("title: Caf\xe9\n".encode("latin-1"))
    with pytest.raises(FrameworkError) as caught:
        load_framework_files([missing, latin1])
    assert caught.value.errors == [
        f"{missing}:1: cannot read the file: No such file or directory",
        f"{latin1}:1: the file is not UTF-8 text (byte 10); save it as UTF-8",
    ]


# Several files, reloading and versions


@pytest.mark.smoke
def test_second_file_bad_means_nothing_from_the_first_is_written(tmp_path):
    good = write(tmp_path, MINIMAL, "good.yaml")
    bad = write(tmp_path, mutate("slug: test-framework", "slug: other\nslug: again"), "bad.yaml")

    with pytest.raises(FrameworkError) as caught:
        load_framework_files([good, bad])

    assert caught.value.errors == [f'{bad}:2: slug: duplicate key "slug" (first used on line 1)']
    assert counts() == (0, 0, 0, 0, 0)


def test_the_same_version_twice_in_one_load_is_refused(tmp_path):
    first = write(tmp_path, MINIMAL, "a.yaml")
    second = write(tmp_path, MINIMAL, "b.yaml")
    with pytest.raises(FrameworkError) as caught:
        load_framework_files([first, second])
    assert caught.value.errors == [
        f"{second}:2: version: test-framework version 1.0 is also in {first}: "
        "give each framework version once"
    ]
    assert counts() == (0, 0, 0, 0, 0)


def test_reloading_unchanged_changes_nothing(tmp_path, django_assert_max_num_queries):
    path = write(tmp_path, MINIMAL)
    [first] = load_framework_files([path])
    before = counts()
    out = StringIO()

    with django_assert_max_num_queries(3):  # savepoint, one look-up, release
        call_command("load_framework", str(path), stdout=out)

    assert out.getvalue() == "test-framework version 1.0 is already loaded and unchanged\n"
    [framework] = Framework.objects.all()
    assert framework.pk == first.framework.pk
    assert framework.updated_at == first.framework.updated_at
    assert counts() == before


def test_changed_content_with_the_same_version_is_refused(tmp_path):
    load_framework_files([write(tmp_path, MINIMAL)])
    before = counts()
    changed = write(tmp_path, mutate("title: HR strategy", "title: HR plan"), "changed.yaml")
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("load_framework", str(changed), stderr=err)

    assert err.getvalue() == (
        f"{changed}:2: version: test-framework version 1.0 is already loaded with different "
        "content: raise the version to load the changed file\n"
    )
    assert counts() == before
    assert Standard.objects.filter(title="HR strategy and management").exists()


def test_changed_content_with_a_new_version_loads_alongside(tmp_path):
    load_framework_files([write(tmp_path, MINIMAL)])
    text = mutate(
        'version: "1.0"', 'version: "1.1"', mutate("title: HR strategy", "title: HR plan")
    )
    [result] = load_framework_files([write(tmp_path, text, "new.yaml")])
    assert result.created
    assert sorted(Framework.objects.values_list("version", flat=True)) == ["1.0", "1.1"]


def test_a_default_written_out_does_not_change_the_hash(tmp_path):
    explicit = mutate(
        "tags: [policy]",
        'tags: [policy]\n        weight: 1.00\n        core: false\n        guidance: ""\n'
        "        examples: []\n        references: []",
    )
    assert read_framework_file(write(tmp_path, explicit, "a.yaml")).hash == (
        read_framework_file(write(tmp_path, MINIMAL, "b.yaml")).hash
    )


@pytest.mark.parametrize("size", [5, 100])
def test_query_count_does_not_grow_with_the_number_of_criteria(
    tmp_path, size, django_assert_num_queries
):
    path = write(tmp_path, framework_yaml(size))
    # savepoint, look-up, framework, levels, standards, criteria, release (no stages here)
    with django_assert_num_queries(7):
        [result] = load_framework_files([path])
    assert result.framework.criteria.count() == size


# Export


@pytest.mark.smoke
def test_export_then_load_into_an_empty_database_is_identical(tmp_path):
    [loaded] = load_framework_files([SAMPLES / "rich.yaml"])
    original = framework_content(loaded.framework)
    original_hash = loaded.framework.content_hash

    exported = export_framework(loaded.framework)
    Framework.objects.all().delete()
    [reloaded] = load_framework_files([write(tmp_path, exported, "exported.yaml")])

    assert framework_content(reloaded.framework) == original
    assert reloaded.framework.content_hash == original_hash
    assert original == read_framework_file(SAMPLES / "rich.yaml").content
    assert original["stages"][1]["rule"][-1] == {"overall_percent_at_least": 62.5}
    assert original["standards"][0]["criteria"][0]["weight"] == "2.50"


def test_export_is_readable_block_yaml_in_documented_order(tmp_path):
    [loaded] = load_framework_files([write(tmp_path, MINIMAL)])
    assert export_framework(loaded.framework) == textwrap.dedent(
        """\
        slug: test-framework
        version: "1.0"
        title: Test framework
        publication_date: 2000-10-01
        countries: [england]
        scale:
          met: 2
          levels:
            - value: 0
              label: Not in place
              rag: red
            - value: 1
              label: Partly in place
              rag: amber
            - value: 2
              label: In place
              rag: green
        stages:
          - slug: pledge
            name: Pledge
            rule:
              - tagged: policy
                at_least: 1
              - criteria: [HR1]
                at_least: 2
        standards:
          - ref: HR
            title: HR strategy and management
            criteria:
              - ref: HR1
                statement: The organisation has an HR strategy.
                tags: [policy]
              - ref: HR2
                statement: Staff are involved in decisions.
          - ref: FW
            title: Flexible working
            criteria:
              - ref: FW1
                statement: Flexible working is offered to all staff.
        """
    )


@pytest.mark.parametrize("path", FIXTURES, ids=[path.name for path in FIXTURES])
def test_every_fixture_framework_loads_and_round_trips(tmp_path, path):
    [loaded] = load_framework_files([path])
    original = framework_content(loaded.framework)
    exported = export_framework(loaded.framework)
    Framework.objects.all().delete()

    [reloaded] = load_framework_files([write(tmp_path, exported, path.name)])

    assert framework_content(reloaded.framework) == original
    assert reloaded.framework.content_hash == loaded.framework.content_hash
    assert export_framework(reloaded.framework) == exported


def test_export_command_writes_stdout_or_a_file(tmp_path):
    load_framework_files([write(tmp_path, MINIMAL)])
    out = StringIO()
    call_command("export_framework", "test-framework", "1.0", stdout=out)
    output = tmp_path / "out.yaml"
    call_command(
        "export_framework", "test-framework", "1.0", "--output", str(output), stderr=StringIO()
    )

    assert out.getvalue() == output.read_text(encoding="utf-8")
    assert (
        read_framework_file(output).content
        == read_framework_file(tmp_path / "framework.yaml").content
    )


@pytest.mark.parametrize(
    ("slug", "version", "message"),
    [
        (
            "test-framework",
            "9.9",
            r"No framework test-framework version 9\.9 is loaded "
            r"\(loaded versions of test-framework: 1\.0\)",
        ),
        (
            "nothing",
            "1.0",
            r"No framework nothing version 1\.0 is loaded \(no version of nothing is loaded\)",
        ),
    ],
)
def test_export_command_unknown_framework(tmp_path, slug, version, message):
    load_framework_files([write(tmp_path, MINIMAL)])
    with pytest.raises(CommandError, match=message):
        call_command("export_framework", slug, version, stdout=StringIO())


# Bad input on purpose: whatever the file holds, the answer is FrameworkError, never a crash.

yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.dates(),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["ref", "value", "at_least", "all", "x"]), children, max_size=3
        )
    ),
    max_leaves=8,
)


@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(
        [
            ("title",),
            ("countries",),
            ("scale",),
            ("scale", "met"),
            ("scale", "levels", 1),
            ("scale", "levels", 0, "value"),
            ("stages", 0, "rule"),
            ("stages", 0, "rule", 0),
            ("stages", 0, "rule", 1, "criteria"),
            ("standards", 0, "criteria", 0),
            ("standards", 0, "criteria", 0, "weight"),
            ("standards", 1, "criteria", 0, "tags"),
        ]
    ),
    value=yaml_values,
)
def test_any_value_anywhere_gives_errors_not_a_crash(tmp_path, path, value):
    data = yaml.safe_load(MINIMAL)
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    file = write(tmp_path, yaml.safe_dump(data, allow_unicode=True))
    try:
        read_framework_file(file)
    except FrameworkError as error:
        assert error.errors
        assert all(message.startswith(f"{file}:") for message in error.errors)


@hypothesis_settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=200))
def test_any_text_gives_errors_not_a_crash(tmp_path, text):
    with pytest.raises(FrameworkError):
        read_framework_file(write(tmp_path, text))


@hypothesis_settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=st.text(min_size=1, max_size=200), statement=st.text(min_size=1))
@example(title="NEL\x85line", statement="a\nb\x85c\r\nd\u2028e")
@example(title="- looks: [like, yaml]\n# comment", statement="yes")
def test_any_text_survives_an_export_round_trip(tmp_path, title, statement):
    data = yaml.safe_load(MINIMAL)
    data["description"] = title
    data["standards"][0]["criteria"][0]["statement"] = statement
    try:
        framework_file = read_framework_file(
            write(tmp_path, yaml.safe_dump(data, allow_unicode=True))
        )
    except FrameworkError:
        return  # blank text, or a character YAML cannot hold: refused, which is fine
    again = read_framework_file(
        write(tmp_path, content_to_yaml(framework_file.content), "again.yaml")
    )
    assert again.content == framework_file.content
    assert again.hash == framework_file.hash
