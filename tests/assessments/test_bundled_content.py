"""The bundled content: every framework file loads, and every crosswalk file fits the frameworks.

The crosswalks are checked here with plain PyYAML against the loaded frameworks, independently of
any crosswalk loader: refs exist, relations are known, nothing is paired twice, nothing is both
mapped and unmapped, and every criterion of the smaller framework is mapped or marked unmapped.
"""

from collections import Counter
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from assessments.frameworks import load_framework_files
from assessments.models import Criterion, Framework

pytestmark = pytest.mark.django_db

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
FRAMEWORK_FILES = sorted((FIXTURES / "frameworks").glob("*.yaml"))
CROSSWALK_FILES = sorted((FIXTURES / "crosswalks").glob("*.yaml"))
ALL_COUNTRIES = ["england", "scotland", "wales", "northern_ireland"]
RELATIONS = {"equivalent", "partial", "broader", "narrower"}
SIDES = ("from", "to")

# slug: (at least this many criteria, countries, standard refs, stage slugs)
REQUIRED = {
    "staff-governance-standard": (
        25,
        ["scotland"],
        ["INF", "TRN", "INV", "FAIR", "SAFE"],
        ["foundations", "assured", "exemplary"],
    ),
    "wales-partnership-and-wellbeing": (
        25,
        ["wales"],
        ["LPF", "SPD", "HWC", "HWT", "HWE", "SUS"],
        ["bronze", "silver", "gold", "platinum"],
    ),
    "ni-working-lives": (
        20,
        ["northern_ireland"],
        ["ENV", "MGR", "PWB", "PTN"],
        ["foundations", "assured", "exemplary"],
    ),
    "learning-in-partnership": (
        20,
        ALL_COUNTRIES,
        ["AGR", "ULR", "DEV", "ACC", "APP", "LNG"],
        ["agreed", "working", "embedded"],
    ),
}

EXPECTED_CROSSWALKS = [
    "iwl-framework-2009--ni-working-lives.yaml",
    "iwl-framework-2009--learning-in-partnership.yaml",
    "iwl-framework-2009--staff-governance-standard.yaml",
    "iwl-framework-2009--wales-partnership-and-wellbeing.yaml",
    "iwl-standard-2000--iwl-framework-2009.yaml",
]


@pytest.fixture
def criteria_refs():
    """Load every bundled framework; map (slug, version) to the set of its criterion refs."""
    load_framework_files(FRAMEWORK_FILES)
    refs = {}
    for slug, version, ref in Criterion.objects.values_list(
        "framework__slug", "framework__version", "ref"
    ):
        refs.setdefault((slug, version), set()).add(ref)
    return refs


def crosswalk_problems(data, criteria_refs):
    """Every way a parsed crosswalk fails to fit the loaded frameworks, as readable messages."""
    if not isinstance(data, dict):
        return ["the file is not a mapping"]
    problems = [
        f"unknown key {key!r}"
        for key in data
        if key not in {*SIDES, "description", "pairs", "unmapped"}
    ]
    refs = {}
    for side in SIDES:
        end = data.get(side)
        if not isinstance(end, dict) or set(end) != {"framework", "version"}:
            problems.append(f"{side}: needs exactly framework and version")
            continue
        if not isinstance(end["version"], str):
            problems.append(f"{side}: the version must be quoted text")
        key = (end["framework"], str(end["version"]))
        if key not in criteria_refs:
            problems.append(f"{side}: no bundled framework {key[0]} version {key[1]}")
        refs[side] = criteria_refs.get(key, set())
    if not str(data.get("description") or "").strip():
        problems.append("description: missing")

    mapped = {side: set() for side in SIDES}
    seen = Counter()
    for index, pair in enumerate(data.get("pairs") or []):
        if not isinstance(pair, dict) or not {*SIDES, "relation"} <= set(pair) <= {
            *SIDES,
            "relation",
            "note",
        }:
            problems.append(f"pairs[{index}]: needs from, to and relation, and optionally a note")
            continue
        for side in SIDES:
            if side in refs and pair[side] not in refs[side]:
                problems.append(f"pairs[{index}].{side}: unknown criterion {pair[side]!r}")
            mapped[side].add(pair[side])
        if pair["relation"] not in RELATIONS:
            problems.append(f"pairs[{index}].relation: unknown relation {pair['relation']!r}")
        seen[pair["from"], pair["to"]] += 1
    problems += [f"duplicate pair {f} -> {t}" for (f, t), count in seen.items() if count > 1]

    unmapped = {side: set() for side in SIDES}
    for index, item in enumerate(data.get("unmapped") or []):
        if not isinstance(item, dict) or set(item) != {"framework", "ref", "reason"}:
            problems.append(f"unmapped[{index}]: needs exactly framework, ref and reason")
            continue
        side = item["framework"]
        if side not in SIDES:
            problems.append(f"unmapped[{index}].framework: must be from or to, not {side!r}")
            continue
        if side in refs and item["ref"] not in refs[side]:
            problems.append(f"unmapped[{index}].ref: unknown criterion {item['ref']!r}")
        if not str(item["reason"] or "").strip():
            problems.append(f"unmapped[{index}].reason: missing")
        if item["ref"] in unmapped[side]:
            problems.append(f"unmapped[{index}]: {item['ref']} is listed twice")
        unmapped[side].add(item["ref"])

    for side in SIDES:
        for ref in sorted(mapped[side] & unmapped[side]):
            problems.append(f"{side} criterion {ref} is both mapped and unmapped")
    if len(refs) == 2:
        smaller = [side for side in SIDES if len(refs[side]) == min(len(r) for r in refs.values())]
        for side in smaller:
            for ref in sorted(refs[side] - mapped[side] - unmapped[side]):
                problems.append(f"{side} criterion {ref} is neither mapped nor unmapped")
    return problems


def test_every_bundled_framework_loads_with_its_required_content(criteria_refs):
    slugs = set(Framework.objects.values_list("slug", flat=True))
    assert set(REQUIRED) <= slugs
    assert len(criteria_refs) == len(FRAMEWORK_FILES)
    for slug, (minimum, countries, standards, stages) in REQUIRED.items():
        framework = Framework.objects.get(slug=slug)
        assert framework.version == "1.0"
        assert framework.countries == countries
        assert framework.criteria.count() >= minimum, slug
        assert list(framework.standards.values_list("ref", flat=True)) == standards
        assert list(framework.stages.values_list("slug", flat=True)) == stages
        assert framework.levels.count() == 4
        assert framework.criteria.filter(core=True).exists()
        assert "our own" in framework.description


def test_every_staff_governance_strand_has_at_least_five_criteria(criteria_refs):
    framework = Framework.objects.get(slug="staff-governance-standard")
    for standard in framework.standards.all():
        assert standard.criteria.count() >= 5, standard.ref


def test_the_expected_crosswalks_are_bundled():
    assert sorted(path.name for path in CROSSWALK_FILES) == sorted(EXPECTED_CROSSWALKS)


@pytest.mark.parametrize("path", CROSSWALK_FILES, ids=lambda path: path.name)
def test_bundled_crosswalk_fits_its_frameworks(criteria_refs, path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert crosswalk_problems(data, criteria_refs) == []
    assert path.name == f"{data['from']['framework']}--{data['to']['framework']}.yaml"
    assert any(pair["relation"] == "equivalent" for pair in data["pairs"])


SMALL_FRAMEWORKS = {("a", "1"): {"A1", "A2", "A3"}, ("b", "1"): {"B1", "B2"}}
GOOD = {
    "from": {"framework": "a", "version": "1"},
    "to": {"framework": "b", "version": "1"},
    "description": "A test crosswalk.",
    "pairs": [
        {"from": "A1", "to": "B1", "relation": "equivalent"},
        {"from": "A2", "to": "B1", "relation": "partial", "note": "Only part."},
    ],
    "unmapped": [{"framework": "to", "ref": "B2", "reason": "Nothing like it in a."}],
}


def test_the_checker_accepts_a_good_crosswalk():
    assert crosswalk_problems(GOOD, SMALL_FRAMEWORKS) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["pairs"].append({"from": "A9", "to": "B1", "relation": "partial"}),
            "pairs[2].from: unknown criterion 'A9'",
        ),
        (
            lambda d: d["pairs"].append({"from": "A3", "to": "B1", "relation": "similar"}),
            "pairs[2].relation: unknown relation 'similar'",
        ),
        (
            lambda d: d["pairs"].append({"from": "A1", "to": "B1", "relation": "partial"}),
            "duplicate pair A1 -> B1",
        ),
        (
            lambda d: d["unmapped"].append({"framework": "from", "ref": "A1", "reason": "x"}),
            "from criterion A1 is both mapped and unmapped",
        ),
        (lambda d: d["unmapped"].clear(), "to criterion B2 is neither mapped nor unmapped"),
        (
            lambda d: d.update(to={"framework": "b", "version": 1}),
            "to: the version must be quoted text",
        ),
        (
            lambda d: d.update(to={"framework": "c", "version": "1"}),
            "to: no bundled framework c version 1",
        ),
        (
            lambda d: d["unmapped"].append({"framework": "both", "ref": "A3", "reason": "x"}),
            "unmapped[1].framework: must be from or to, not 'both'",
        ),
        (lambda d: d.update(pair=[]), "unknown key 'pair'"),
    ],
)
def test_the_checker_reports_each_kind_of_problem(change, expected):
    data = yaml.safe_load(yaml.safe_dump(GOOD))  # a deep copy
    change(data)
    assert expected in crosswalk_problems(data, SMALL_FRAMEWORKS)
