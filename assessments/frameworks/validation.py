"""Checking a parsed framework file completely, and turning it into its normalised content.

Every error is collected (never only the first), each naming the line and the field path.
docs/framework-format.md describes the format; the key tuples below give its order.
"""

import datetime
import math
import re
from decimal import Decimal

from assessments.models import Criterion, Framework, RatingLevel, Stage, Standard
from partnership.models import Organisation

from .checks import MISSING, Checker, describe, quoted, suggestion
from .yamlio import INVALID

FRAMEWORK_KEYS = (
    "slug",
    "version",
    "title",
    "description",
    "publication_date",
    "countries",
    "survey",
    "scale",
    "stages",
    "standards",
)
SCALE_KEYS = ("met", "levels")
LEVEL_KEYS = ("value", "label", "description", "rag")
STAGE_KEYS = ("slug", "name", "description", "rule")
STANDARD_KEYS = ("ref", "title", "description", "criteria")
CRITERION_KEYS = (
    "ref",
    "statement",
    "guidance",
    "examples",
    "references",
    "weight",
    "core",
    "tags",
)
SELECTORS = ("all", "core", "tagged", "criteria", "standards")
STANDALONE_CONDITIONS = ("overall_percent_at_least", "actions_for_gaps")
CONDITION_KEYS = (*SELECTORS, "at_least", *STANDALONE_CONDITIONS)

COUNTRIES = tuple(Organisation.Country.values)
RAGS = tuple(RatingLevel.Rag.values)

FRAMEWORK_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
NAME = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
REF = re.compile(r"[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
SLUG_HINT = "use lowercase letters, digits and single hyphens, e.g. iwl-standard-2000"
NAME_HINT = "use lowercase letters, digits, hyphens and underscores, e.g. flexible-working"
REF_HINT = "use letters and digits, optionally joined by '.', '-' or '_', e.g. HR1 or FW-2.1"

DEFAULT_WEIGHT = Decimal("1.00")
MAX_WEIGHT = Decimal("10000")
CENTS = Decimal("0.01")


def max_length(model, field):
    return model._meta.get_field(field).max_length


def normalise_weight(value):
    """Any accepted weight (1, 1.5, Decimal("1.50")) -> the text "1.00" / "1.50"."""
    return str(Decimal(value).quantize(CENTS))


def normalise_percent(value):
    """60.0 -> 60, so that equal numbers hash equally."""
    return int(value) if float(value).is_integer() else float(value)


def validate_framework(data, problems):
    """Return the normalised content of a parsed file, or ``None`` if ``problems`` has any."""
    content = _Validator(problems).framework(data)
    return None if problems else content


class _Validator(Checker):
    def framework(self, data):
        if data is None:
            return None
        root = self.mapping(data, (), FRAMEWORK_KEYS)
        if root is None:
            return None
        slug = self.text(
            root,
            (),
            "slug",
            limit=max_length(Framework, "slug"),
            pattern=FRAMEWORK_SLUG,
            hint=SLUG_HINT,
        )
        countries = self.names(
            root,
            (),
            "countries",
            "countries",
            "countries: [england, wales]",
            minimum=1,
            check=_check_country,
        )
        survey = self.boolean(root, (), "survey", default=False)
        scale, values = self.scale(root)
        standards, known = self.standards(root)
        content = {
            "slug": slug,
            "version": self.version(root),
            "title": self.text(root, (), "title", limit=max_length(Framework, "title")),
            "description": self.text(root, (), "description", required=False),
            "publication_date": self.date(root, "publication_date"),
            "countries": _values(countries),
            "scale": scale,
            "stages": self.stages(root, values, known),
            "standards": standards,
        }
        if survey:
            # Only when set, so that the hashes of frameworks without the flag stay as they were.
            content["survey"] = True
        return content

    def version(self, root):
        return self.version_text(root, (), limit=max_length(Framework, "version"))

    def date(self, root, key):
        value = self.value(root, (), key, required=True)
        if value is MISSING:
            return None
        if isinstance(value, datetime.datetime):
            self.error((key,), "must be a date without a time, e.g. 2000-10-01")
            return None
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
            try:
                return datetime.date.fromisoformat(value.strip()).isoformat()
            except ValueError as error:
                self.error((key,), f'"{value.strip()}" is not a valid date: {error}')
                return None
        self.error((key,), f"must be a date in the form YYYY-MM-DD, not {describe(value)}")
        return None

    def scale(self, root):
        """``(scale, values)``: the normalised scale, and its level values for stage rules.

        Either is None when unusable; the values alone are enough to check ``at_least``.
        """
        path = ("scale",)
        value = self.value(root, (), "scale", required=True)
        scale = None if value is MISSING else self.mapping(value, path, SCALE_KEYS)
        if scale is None:
            return None, None
        errors_before = len(self.problems)
        met = self.integer(scale, path, "met")
        if scale.get("levels") is None or scale.get("levels") is INVALID:
            self.value(scale, path, "levels", required=True)
            return None, None
        items = self.items(scale, path, "levels", "levels", "levels: [{value: 0, ...}]")
        if items is None:
            return None, None
        levels, values, labels = [], {}, {}
        for item_path, item in items:
            level = self.mapping(item, item_path, LEVEL_KEYS)
            if level is None:
                values = None
                continue
            level = {
                "value": self.integer(level, item_path, "value"),
                "label": self.text(
                    level, item_path, "label", limit=max_length(RatingLevel, "label")
                ),
                "description": self.text(level, item_path, "description", required=False),
                "rag": self.choice(level, item_path, "rag", RAGS, "RAG colour"),
            }
            if level["value"] is None:
                values = None
            elif values is not None:
                self.unique(values, level["value"], (*item_path, "value"), "level value")
            self.unique(labels, level["label"], (*item_path, "label"), "level label")
            levels.append((item_path, level))
        if len(items) < 2:
            count = "none" if not items else "only one"
            self.error(
                ("scale", "levels"), f"a scale needs at least two levels, but this has {count}"
            )
            return None, None
        if met is not None and values is not None:
            self.scale_consistency(met, sorted(values), levels)
        if len(self.problems) > errors_before:
            return None, values
        return {
            "met": met,
            "levels": sorted((level for _, level in levels), key=_level_value),
        }, values

    def scale_consistency(self, met, values, levels):
        listed = ", ".join(str(value) for value in values)
        if met not in values:
            self.error(("scale", "met"), f"{met} is not one of the level values ({listed})")
            return
        if met == values[0]:
            self.error(
                ("scale", "met"),
                f"must be above the lowest level ({values[0]}), so that some ratings are not met",
            )
            return
        for item_path, level in levels:
            name = f'level {level["value"]} ("{level["label"]}")'
            if level["value"] >= met and level["rag"] == RatingLevel.Rag.RED:
                self.error((*item_path, "rag"), f"{name} counts as met (met: {met}): not red")
            elif level["value"] < met and level["rag"] == RatingLevel.Rag.GREEN:
                self.error((*item_path, "rag"), f"{name} is below met (met: {met}): not green")

    def standards(self, root):
        known = {"criteria": {}, "standards": {}, "tags": set(), "core": False}
        items = self.items(root, (), "standards", "standards", "standards: [{ref: HR, ...}]", 1)
        standards = []
        for item_path, item in items or ():
            standard = self.mapping(item, item_path, STANDARD_KEYS)
            if standard is None:
                continue
            ref = self.text(
                standard,
                item_path,
                "ref",
                limit=max_length(Standard, "ref"),
                pattern=REF,
                hint=REF_HINT,
            )
            self.unique(known["standards"], ref, (*item_path, "ref"), "standard ref")
            standards.append(
                {
                    "ref": ref,
                    "title": self.text(
                        standard, item_path, "title", limit=max_length(Standard, "title")
                    ),
                    "description": self.text(standard, item_path, "description", required=False),
                    "criteria": self.criteria(standard, item_path, known),
                }
            )
        return standards, known

    def criteria(self, standard, path, known):
        items = self.items(standard, path, "criteria", "criteria", "criteria: [{ref: HR1}]", 1)
        criteria = []
        for item_path, item in items or ():
            criterion = self.mapping(item, item_path, CRITERION_KEYS)
            if criterion is None:
                continue
            ref = self.text(
                criterion,
                item_path,
                "ref",
                limit=max_length(Criterion, "ref"),
                pattern=REF,
                hint=REF_HINT,
            )
            self.unique(known["criteria"], ref, (*item_path, "ref"), "criterion ref")
            examples = self.names(criterion, item_path, "examples", "texts", 'examples: ["..."]')
            references = self.names(
                criterion, item_path, "references", "texts", 'references: ["..."]'
            )
            tags = self.names(
                criterion, item_path, "tags", "tags", "tags: [policy]", pattern=NAME, hint=NAME_HINT
            )
            known["tags"].update(_values(tags))
            core = self.boolean(criterion, item_path, "core", default=False)
            known["core"] = known["core"] or bool(core)
            criteria.append(
                {
                    "ref": ref,
                    "statement": self.text(criterion, item_path, "statement"),
                    "guidance": self.text(criterion, item_path, "guidance", required=False),
                    "examples": _values(examples),
                    "references": _values(references),
                    "weight": self.weight(criterion, item_path),
                    "core": core,
                    "tags": _values(tags),
                }
            )
        return criteria

    def weight(self, criterion, path):
        value = self.value(criterion, path, "weight", required=False)
        if value is MISSING:
            return normalise_weight(DEFAULT_WEIGHT)
        path = (*path, "weight")
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(path, f"must be a number such as 1 or 1.5, not {describe(value)}")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.error(path, "must be a finite number")
            return None
        # repr() is the shortest text that reads back as the same float: 0.1 -> "0.1".
        weight = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if weight <= 0:
            self.error(path, f"must be more than 0, not {value}")
        elif weight >= MAX_WEIGHT:
            self.error(path, f"must be less than {MAX_WEIGHT}, not {value}")
        elif weight != weight.quantize(CENTS):
            self.error(path, f"may have at most 2 decimal places, not {value}")
        else:
            return normalise_weight(weight)
        return None

    def stages(self, root, values, known):
        items = self.items(root, (), "stages", "stages", "stages: [{slug: pledge, ...}]")
        stages, slugs = [], {}
        for item_path, item in items or ():
            stage = self.mapping(item, item_path, STAGE_KEYS)
            if stage is None:
                continue
            slug = self.text(
                stage,
                item_path,
                "slug",
                limit=max_length(Stage, "slug"),
                pattern=NAME,
                hint=NAME_HINT,
            )
            self.unique(slugs, slug, (*item_path, "slug"), "stage slug")
            name = self.text(stage, item_path, "name", limit=max_length(Stage, "name"))
            description = self.text(stage, item_path, "description", required=False)
            conditions = self.items(
                stage, item_path, "rule", "conditions", "rule: [{all: true, at_least: 2}]", 1
            )
            rule = [
                self.condition(cond, cond_path, values, known)
                for cond_path, cond in conditions or ()
            ]
            stages.append({"slug": slug, "name": name, "description": description, "rule": rule})
        return stages

    def condition(self, value, path, values, known):
        if not isinstance(value, dict):
            example = "{all: true, at_least: 2}"
            self.error(
                path, f"a condition must be a mapping such as {example}, not {describe(value)}"
            )
            return None
        self.mapping(value, path, CONDITION_KEYS)
        selectors = [key for key in SELECTORS if key in value]
        standalone = [key for key in STANDALONE_CONDITIONS if key in value]
        if standalone:
            others = [key for key in CONDITION_KEYS if key in value and key != standalone[0]]
            if others:
                self.error(
                    path,
                    f'"{standalone[0]}" must be alone in its condition, but this one also has '
                    f"{quoted(others)}",
                )
        elif len(selectors) > 1:
            self.error(
                path,
                f"a condition has exactly one selector, but this one has {quoted(selectors)}: "
                "write one condition for each",
            )
        elif not selectors:
            self.error(
                path,
                f"a condition needs one selector ({quoted(SELECTORS, 'or')}) with at_least, "
                f"or {quoted(STANDALONE_CONDITIONS, 'or')}",
            )
        elif "at_least" not in value:
            self.error(path, 'missing required key "at_least"')
        errors_before = len(self.problems)
        condition = {}
        for key in selectors:
            condition[key] = self.selector(value, path, key, known)
        if "at_least" in value:
            at_least = self.integer(value, path, "at_least")
            if at_least is not None and values is not None and at_least not in values:
                listed = ", ".join(str(level) for level in sorted(values))
                self.error(
                    (*path, "at_least"), f"{at_least} is not a value of the scale ({listed})"
                )
            condition["at_least"] = at_least
        if "overall_percent_at_least" in value:
            condition["overall_percent_at_least"] = self.percent(value, path)
        gaps = value.get("actions_for_gaps", True)
        if gaps is not True and gaps is not INVALID:
            self.error(
                (*path, "actions_for_gaps"),
                f"must be true, not {describe(value['actions_for_gaps'])}",
            )
        elif "actions_for_gaps" in value:
            condition["actions_for_gaps"] = True
        return condition if len(self.problems) == errors_before else None

    def selector(self, condition, path, key, known):
        if key in ("all", "core"):
            if condition[key] is not True and condition[key] is not INVALID:
                self.error((*path, key), f"must be true, not {describe(condition[key])}")
            elif key == "core" and not known["core"]:
                self.error((*path, key), "no criterion is core: mark some with core: true")
            return True
        if key == "tagged":
            tag = self.text(condition, path, key, pattern=NAME, hint=NAME_HINT)
            if tag is not None and tag not in known["tags"]:
                self.error(
                    (*path, key),
                    f'no criterion is tagged "{tag}"{suggestion(tag, sorted(known["tags"]))}',
                )
            return tag
        what = "criterion" if key == "criteria" else "standard"

        def check(ref):
            if ref not in known[key]:
                return f'unknown {what} ref "{ref}"{suggestion(ref, list(known[key]))}'
            return None

        return _values(
            self.names(
                condition, path, key, f"{what} refs", f"{key}: [HR1, HR2]", minimum=1, check=check
            )
        )

    def percent(self, condition, path):
        value = self.value(condition, path, "overall_percent_at_least", required=True)
        if value is MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            message = f"must be a number from 0 to 100, not {describe(value)}"
        elif not 0 <= value <= 100:
            message = f"must be from 0 to 100, not {value}"
        else:
            return normalise_percent(value)
        self.error((*path, "overall_percent_at_least"), message)
        return None


def _check_country(country):
    if country not in COUNTRIES:
        return (
            f'"{country}" is not a country: use {quoted(COUNTRIES, "or")}'
            f"{suggestion(country, COUNTRIES)}"
        )
    return None


def _values(pairs):
    """The names from :meth:`Checker.names`' ``[(path, name)]``, or [] when it gave None."""
    return [name for _, name in pairs or ()]


def _level_value(level):
    return level["value"]
