"""Loading crosswalk files: every file is checked first, then all are written in one transaction.

A crosswalk is maintained data, unlike a framework version: a corrected file replaces the
loaded pairs. What a next cycle already carried is recorded in CarryOver, so it stays true.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from ..frameworks.loader import FrameworkError, FrameworkFile, content_hash, plural
from ..frameworks.yamlio import read_yaml
from ..models import Framework
from .models import Crosswalk, CrosswalkPair, CrosswalkUnmapped
from .validation import LoadedFrameworks, validate_crosswalk


class CrosswalkError(FrameworkError):
    """One or more crosswalk files are wrong; ``errors`` holds every message."""


def _name(end):
    return f"{end['framework']} {end['version']}"


class CrosswalkFile(FrameworkFile):
    """A checked crosswalk file: its normalised content and where each field was."""

    @property
    def key(self):
        ends = self.content["from"], self.content["to"]
        return tuple((end["framework"], end["version"]) for end in ends)

    @property
    def name(self):
        return f"{_name(self.content['from'])} to {_name(self.content['to'])}"


@dataclass(frozen=True)
class CrosswalkLoadResult:
    path: str
    crosswalk: Crosswalk
    status: str  # "created", "updated" or "unchanged"
    pairs: int
    unmapped: int
    name: str

    @property
    def message(self):
        if self.status == "unchanged":
            return f"Crosswalk {self.name} is already loaded and unchanged"
        counts = f"{plural(self.pairs, 'pair')}, {plural(self.unmapped, 'unmapped criterion', 'unmapped criteria')}"
        verb = "Loaded" if self.status == "created" else "Updated"
        return f"{verb} crosswalk {self.name}: {counts}"


def read_crosswalk_file(path, frameworks=None):
    data, lines, problems = read_yaml(path)
    content = validate_crosswalk(data, problems, frameworks)
    if problems:
        raise CrosswalkError(problems.messages())
    return CrosswalkFile(str(path), content, lines, content_hash(content))


def check_crosswalk_files(paths):
    """Check every file against the loaded frameworks and raise one error listing all faults."""
    files, errors, first_paths = [], [], {}
    frameworks = LoadedFrameworks()
    for path in paths:
        try:
            crosswalk_file = read_crosswalk_file(path, frameworks)
        except CrosswalkError as error:
            errors.extend(error.errors)
            continue
        if crosswalk_file.key in first_paths:
            line = crosswalk_file.lines.get(("from",), 1)
            errors.append(
                f"{crosswalk_file.path}:{line}: from: the crosswalk {crosswalk_file.name} is also "
                f"in {first_paths[crosswalk_file.key]}: give each crosswalk once"
            )
            continue
        first_paths[crosswalk_file.key] = crosswalk_file.path
        files.append(crosswalk_file)
    if errors:
        raise CrosswalkError(errors)
    return files, frameworks


def load_crosswalk_files(paths):
    """Load crosswalk YAML files, all or nothing; a file loaded unchanged is left alone."""
    files, frameworks = check_crosswalk_files(paths)
    try:
        with transaction.atomic():
            return [_load(crosswalk_file, frameworks) for crosswalk_file in files]
    except IntegrityError as error:
        raise CrosswalkError(
            [f"could not load the crosswalks ({error}); another load may have run at the same time"]
        ) from error


def _framework(end):
    return Framework.objects.get(slug=end["framework"], version=end["version"])


def _load(crosswalk_file, frameworks):
    content = crosswalk_file.content
    from_framework, to_framework = _framework(content["from"]), _framework(content["to"])
    crosswalk = (
        Crosswalk.objects.select_for_update()
        .filter(from_framework=from_framework, to_framework=to_framework)
        .first()
    )
    if crosswalk is not None and crosswalk.content_hash == crosswalk_file.hash:
        status = "unchanged"
    else:
        if crosswalk is None:
            status = "created"
            crosswalk = Crosswalk(from_framework=from_framework, to_framework=to_framework)
        else:
            status = "updated"
            crosswalk.pairs.all().delete()
            crosswalk.unmapped.all().delete()
        crosswalk.description = content["description"]
        crosswalk.content_hash = crosswalk_file.hash
        crosswalk.save()
        _create_rows(crosswalk, content, frameworks)
    return CrosswalkLoadResult(
        path=crosswalk_file.path,
        crosswalk=crosswalk,
        status=status,
        pairs=len(content["pairs"]),
        unmapped=len(content["unmapped"]),
        name=crosswalk_file.name,
    )


def _create_rows(crosswalk, content, frameworks):
    ids = {
        side: frameworks.refs(content[side]["framework"], content[side]["version"])
        for side in ("from", "to")
    }
    CrosswalkPair.objects.bulk_create(
        CrosswalkPair(
            crosswalk=crosswalk,
            from_criterion_id=ids["from"][pair["from"]],
            to_criterion_id=ids["to"][pair["to"]],
            relation=pair["relation"],
            note=pair["note"],
            position=position,
        )
        for position, pair in enumerate(content["pairs"])
    )
    CrosswalkUnmapped.objects.bulk_create(
        CrosswalkUnmapped(
            crosswalk=crosswalk,
            side=entry["framework"],
            criterion_id=ids[entry["framework"]][entry["ref"]],
            reason=entry["reason"],
            position=position,
        )
        for position, entry in enumerate(content["unmapped"])
    )
