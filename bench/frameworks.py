"""The benchmark's frameworks, written as YAML and loaded as any framework is.

- ``national``: 100 criteria in 10 standards of 10, with IWL's scale and three stages; every
  organisation assesses against it each year.
- ``page-25`` and ``page-400``: 25 and 400 criteria, each in ONE standard, so the standard
  page measured (the largest standard's) shows every criterion of the framework.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

LEVELS = [
    {"value": 0, "label": "Not in place", "rag": "red"},
    {"value": 1, "label": "Partly in place", "rag": "amber"},
    {"value": 2, "label": "In place", "rag": "green"},
    {"value": 3, "label": "In place for all staff groups", "rag": "green"},
]
STAGES = [
    {"slug": "pledge", "name": "Pledge", "rule": [{"tagged": "policy", "at_least": 2}]},
    {
        "slug": "practice",
        "name": "Practice",
        "rule": [{"core": True, "at_least": 1}, {"actions_for_gaps": True}],
    },
    {"slug": "practice-plus", "name": "Practice Plus", "rule": [{"all": True, "at_least": 3}]},
]
TOPICS = (
    "flexible working",
    "training and development",
    "health and wellbeing",
    "childcare and carers",
    "equality and diversity",
    "staff involvement",
    "harassment and bullying",
    "pay and rewards",
    "recruitment and retention",
    "partnership working",
)


@dataclass(frozen=True)
class BenchFramework:
    slug: str
    title: str
    standards: int
    per_standard: int

    @property
    def criteria(self) -> int:
        return self.standards * self.per_standard


NATIONAL = BenchFramework("bench-national", "Benchmark national framework", 10, 10)
PAGE_25 = BenchFramework("bench-page-25", "Benchmark framework of 25 criteria", 1, 25)
PAGE_400 = BenchFramework("bench-page-400", "Benchmark framework of 400 criteria", 1, 400)
ALL = (NATIONAL, PAGE_25, PAGE_400)


def framework_content(spec: BenchFramework) -> dict:
    standards = []
    for s in range(spec.standards):
        topic = TOPICS[s % len(TOPICS)]
        criteria = [
            {
                "ref": f"S{s + 1}.{c + 1}",
                "statement": (
                    f"Criterion {c + 1} on {topic}: the organisation and its staff side have "
                    "agreed a policy, published it to every staff group and reviewed how it "
                    "works in practice in the last year."
                ),
                "guidance": f"Look for the agreed {topic} policy and the joint review's minutes.",
                "examples": [f"A {topic} policy signed by both sides, on the intranet"],
                "weight": 2 if c == 0 else 1,
                "core": c < 2,
                "tags": ["policy"] if c == 0 else [],
            }
            for c in range(spec.per_standard)
        ]
        standards.append(
            {
                "ref": f"S{s + 1}",
                "title": f"Standard {s + 1}: {topic.capitalize()}",
                "description": f"How the organisation supports {topic}.",
                "criteria": criteria,
            }
        )
    return {
        "slug": spec.slug,
        "version": "1",
        "title": spec.title,
        "description": "Generated for the benchmark (bench/frameworks.py).",
        "publication_date": "2025-04-01",
        "countries": ["england", "scotland", "wales", "northern_ireland"],
        "scale": {"met": 2, "levels": LEVELS},
        "stages": STAGES,
        "standards": standards,
    }


def load_frameworks(specs=ALL) -> dict:
    """Write each framework as YAML, load them all, and return {slug: Framework}."""
    from assessments.frameworks.loader import load_framework_files

    with tempfile.TemporaryDirectory(prefix="iwl-bench-") as folder:
        paths = []
        for spec in specs:
            path = Path(folder) / f"{spec.slug}.yaml"
            path.write_text(yaml.safe_dump(framework_content(spec), sort_keys=False))
            paths.append(path)
        return {result.framework.slug: result.framework for result in load_framework_files(paths)}
