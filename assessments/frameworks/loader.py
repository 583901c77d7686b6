"""Loading framework files: every file is checked first, then all are written in one transaction."""

import datetime
import functools
import hashlib
import json
import operator
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q

from assessments.models import Criterion, Framework, RatingLevel, Stage, Standard

from .validation import validate_framework
from .yamlio import read_yaml


class FrameworkError(Exception):
    """One or more framework files are wrong; ``errors`` holds every message."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


def content_hash(content):
    """SHA-256 of the normalised content as JSON with sorted keys."""
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def plural(count, singular, plural_form=None):
    return f"{count} {singular if count == 1 else plural_form or singular + 's'}"


@dataclass(frozen=True)
class FrameworkFile:
    """A checked framework file: its normalised content and where each field was."""

    path: str
    content: dict
    lines: dict
    hash: str

    @property
    def key(self):
        return self.content["slug"], self.content["version"]

    def error(self, message):
        return f"{self.path}:{self.lines.get(('version',), 1)}: version: {message}"


@dataclass(frozen=True)
class LoadResult:
    path: str
    framework: Framework
    created: bool
    standards: int
    criteria: int
    stages: int

    @property
    def message(self):
        name = f"{self.framework.slug} version {self.framework.version}"
        if not self.created:
            return f"{name} is already loaded and unchanged"
        counts = (
            plural(self.standards, "standard"),
            plural(self.criteria, "criterion", "criteria"),
            plural(self.stages, "stage"),
        )
        return f"Loaded {name}: {', '.join(counts)}"


def read_framework_file(path):
    """Read and check one file; return a :class:`FrameworkFile` or raise :class:`FrameworkError`."""
    data, lines, problems = read_yaml(path)
    content = validate_framework(data, problems)
    if problems:
        raise FrameworkError(problems.messages())
    return FrameworkFile(str(path), content, lines, content_hash(content))


def check_framework_files(paths):
    """Check every file (without touching the database) and raise one error listing all faults."""
    files, errors, first_paths = [], [], {}
    for path in paths:
        try:
            framework_file = read_framework_file(path)
        except FrameworkError as error:
            errors.extend(error.errors)
            continue
        slug, version = framework_file.key
        if framework_file.key in first_paths:
            errors.append(
                framework_file.error(
                    f"{slug} version {version} is also in {first_paths[framework_file.key]}: "
                    "give each framework version once"
                )
            )
            continue
        first_paths[framework_file.key] = framework_file.path
        files.append(framework_file)
    if errors:
        raise FrameworkError(errors)
    return files


def load_framework_files(paths):
    """Load framework YAML files, all or nothing, and return a :class:`LoadResult` for each.

    A version already loaded with the same content is left alone; with different content it
    is an error, because assessments point at the version they were made against.
    """
    files = check_framework_files(paths)
    if not files:
        return []
    try:
        with transaction.atomic():
            existing = _existing(files)
            errors = []
            for framework_file in files:
                framework = existing.get(framework_file.key)
                if framework is not None and framework.content_hash != framework_file.hash:
                    slug, version = framework_file.key
                    errors.append(
                        framework_file.error(
                            f"{slug} version {version} is already loaded with different content: "
                            "raise the version to load the changed file"
                        )
                    )
            if errors:
                raise FrameworkError(errors)
            return [
                _load(framework_file, existing.get(framework_file.key)) for framework_file in files
            ]
    except IntegrityError as error:
        raise FrameworkError(
            [f"could not load the frameworks ({error}); another load may have run at the same time"]
        ) from error


def _existing(files):
    query = functools.reduce(
        operator.or_,
        (Q(slug=slug, version=version) for slug, version in (file.key for file in files)),
    )
    return {
        (framework.slug, framework.version): framework
        for framework in Framework.objects.filter(query)
    }


def _load(framework_file, framework):
    content = framework_file.content
    created = framework is None
    return LoadResult(
        path=framework_file.path,
        framework=_create(framework_file) if created else framework,
        created=created,
        standards=len(content["standards"]),
        criteria=sum(len(standard["criteria"]) for standard in content["standards"]),
        stages=len(content["stages"]),
    )


def _create(framework_file):
    content = framework_file.content
    framework = Framework.objects.create(
        slug=content["slug"],
        version=content["version"],
        title=content["title"],
        description=content["description"],
        publication_date=datetime.date.fromisoformat(content["publication_date"]),
        countries=content["countries"],
        survey=content.get("survey", False),
        met_value=content["scale"]["met"],
        content_hash=framework_file.hash,
    )
    RatingLevel.objects.bulk_create(
        RatingLevel(framework=framework, **level) for level in content["scale"]["levels"]
    )
    Stage.objects.bulk_create(
        Stage(framework=framework, position=position, **stage)
        for position, stage in enumerate(content["stages"])
    )
    standards, criteria = [], []
    for position, data in enumerate(content["standards"]):
        standard = Standard(
            framework=framework,
            ref=data["ref"],
            title=data["title"],
            description=data["description"],
            position=position,
        )
        standards.append(standard)
        criteria.extend(
            Criterion(
                framework=framework,
                standard=standard,
                position=criterion_position,
                **{**criterion, "weight": Decimal(criterion["weight"])},
            )
            for criterion_position, criterion in enumerate(data["criteria"])
        )
    Standard.objects.bulk_create(standards)
    Criterion.objects.bulk_create(criteria)
    return framework
