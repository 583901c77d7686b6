"""Writing a loaded framework back out as YAML that loads to the same content and hash."""

import datetime
from decimal import Decimal

from django.db.models import Prefetch

from assessments.models import Criterion, Standard

from .validation import (
    CRITERION_KEYS,
    DEFAULT_WEIGHT,
    LEVEL_KEYS,
    SELECTORS,
    STAGE_KEYS,
    STANDALONE_CONDITIONS,
    STANDARD_KEYS,
    normalise_percent,
    normalise_weight,
)
from .yamlio import FlowList, Quoted, dump_yaml


def framework_content(framework):
    """The normalised content of a loaded framework: what its YAML file validates to."""
    standards = framework.standards.order_by("position").prefetch_related(
        Prefetch("criteria", queryset=Criterion.objects.order_by("position"))
    )
    content = {
        "slug": framework.slug,
        "version": framework.version,
        "title": framework.title,
        "description": framework.description,
        "publication_date": framework.publication_date.isoformat(),
        "countries": list(framework.countries),
        "scale": {
            "met": framework.met_value,
            "levels": [
                {key: getattr(level, key) for key in LEVEL_KEYS}
                for level in framework.levels.order_by("value")
            ],
        },
        "stages": [
            {
                "slug": stage.slug,
                "name": stage.name,
                "description": stage.description,
                "rule": [normalise_condition(condition) for condition in stage.rule],
            }
            for stage in framework.stages.order_by("position")
        ],
        "standards": [_standard_content(standard) for standard in standards],
    }
    if framework.survey:
        content["survey"] = True
    return content


def _standard_content(standard: Standard):
    return {
        "ref": standard.ref,
        "title": standard.title,
        "description": standard.description,
        "criteria": [
            {
                **{key: getattr(criterion, key) for key in CRITERION_KEYS},
                "examples": list(criterion.examples),
                "references": list(criterion.references),
                "tags": list(criterion.tags),
                "weight": normalise_weight(criterion.weight),
            }
            for criterion in standard.criteria.all()
        ],
    }


def normalise_condition(condition):
    """A stored condition in the documented key order (JSON databases may reorder keys)."""
    result = {key: condition[key] for key in SELECTORS if key in condition}
    if "at_least" in condition:
        result["at_least"] = condition["at_least"]
    for key in STANDALONE_CONDITIONS:
        if key in condition:
            result[key] = condition[key]
    if "overall_percent_at_least" in result:
        result["overall_percent_at_least"] = normalise_percent(result["overall_percent_at_least"])
    return result


def export_framework(framework):
    """The framework as YAML text, in the documented key order, leaving out default values."""
    return content_to_yaml(framework_content(framework))


def content_to_yaml(content):
    document = {
        "slug": content["slug"],
        "version": Quoted(content["version"]),
        "title": content["title"],
        "description": content["description"],
        "publication_date": datetime.date.fromisoformat(content["publication_date"]),
        "countries": FlowList(content["countries"]),
        "survey": content.get("survey", False),
        "scale": {
            "met": content["scale"]["met"],
            "levels": [
                _without_defaults(level, LEVEL_KEYS) for level in content["scale"]["levels"]
            ],
        },
        "stages": [
            {
                **_without_defaults(stage, STAGE_KEYS),
                "rule": [_condition_document(condition) for condition in stage["rule"]],
            }
            for stage in content["stages"]
        ],
        "standards": [
            {
                **_without_defaults(standard, STANDARD_KEYS),
                "criteria": [_criterion_document(criterion) for criterion in standard["criteria"]],
            }
            for standard in content["standards"]
        ],
    }
    return dump_yaml(_without_defaults(document, document.keys()))


def _criterion_document(criterion):
    document = _without_defaults(criterion, CRITERION_KEYS)
    weight = Decimal(criterion["weight"])
    if weight == DEFAULT_WEIGHT:
        document.pop("weight")
    else:
        # A float with at most two decimal places reads back as the same Decimal.
        document["weight"] = int(weight) if weight == weight.to_integral_value() else float(weight)
    if criterion["tags"]:
        document["tags"] = FlowList(criterion["tags"])
    return document


def _condition_document(condition):
    return {
        key: FlowList(value) if isinstance(value, list) else value
        for key, value in normalise_condition(condition).items()
    }


def _without_defaults(mapping, keys):
    """Keys in order, leaving out empty text and lists and false flags (the loader's defaults)."""
    return {key: mapping[key] for key in keys if key in mapping and not _is_default(mapping[key])}


def _is_default(value):
    return value is None or value is False or (isinstance(value, str | list) and not value)
