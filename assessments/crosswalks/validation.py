"""Checking a parsed crosswalk file completely against the loaded framework versions.

Every error is collected, each with its line and field path (docs/framework-format.md,
"Crosswalks"). The key tuples below give the documented order, which export follows.
"""

from ..frameworks.checks import MISSING, Checker, suggestion
from ..frameworks.validation import REF, REF_HINT, max_length
from ..models import Framework
from .models import CrosswalkUnmapped, Relation

CROSSWALK_KEYS = ("from", "to", "description", "pairs", "unmapped")
END_KEYS = ("framework", "version")
PAIR_KEYS = ("from", "to", "relation", "note")
UNMAPPED_KEYS = ("framework", "ref", "reason")
RELATIONS = tuple(Relation.values)
SIDES = tuple(CrosswalkUnmapped.Side.values)


class LoadedFrameworks:
    """The criteria refs of loaded framework versions, read once per version."""

    def __init__(self):
        self._refs = {}

    def refs(self, slug, version):
        """``{ref: criterion id}`` of a loaded version, or None when it is not loaded."""
        key = (slug, version)
        if key not in self._refs:
            framework = Framework.objects.filter(slug=slug, version=version).first()
            self._refs[key] = (
                None if framework is None else dict(framework.criteria.values_list("ref", "id"))
            )
        return self._refs[key]

    @staticmethod
    def versions(slug):
        return list(
            Framework.objects.filter(slug=slug)
            .order_by("version")
            .values_list("version", flat=True)
        )


def validate_crosswalk(data, problems, frameworks=None):
    """Return the normalised content of a parsed file, or ``None`` if ``problems`` has any."""
    content = _Validator(problems, frameworks or LoadedFrameworks()).crosswalk(data)
    return None if problems else content


class _Validator(Checker):
    def __init__(self, problems, frameworks):
        super().__init__(problems)
        self.frameworks = frameworks

    def crosswalk(self, data):
        if data is None:
            return None
        root = self.mapping(data, (), CROSSWALK_KEYS)
        if root is None:
            return None
        ends = {side: self.end(root, side) for side in SIDES}
        refs = {side: self.known_refs(ends[side], side) for side in SIDES}
        if ends["from"] and ends["from"] == ends["to"]:
            self.error(("to",), "must be another framework version than `from`")
        pairs = self.pairs(root, refs)
        return {
            "from": ends["from"],
            "to": ends["to"],
            "description": self.text(root, (), "description"),
            "pairs": pairs,
            "unmapped": self.unmapped(root, refs, pairs),
        }

    def end(self, root, side):
        value = self.value(root, (), side, required=True)
        if value is MISSING:
            return None
        path = (side,)
        end = self.mapping(value, path, END_KEYS)
        if end is None:
            return None
        slug = self.text(end, path, "framework", limit=max_length(Framework, "slug"))
        version = self.version_text(end, path, limit=max_length(Framework, "version"))
        if slug is None or version is None:
            return None
        return {"framework": slug, "version": version}

    def known_refs(self, end, side):
        """The refs of the named version, or None (reported) when it is not loaded."""
        if end is None:
            return None
        slug, version = end["framework"], end["version"]
        refs = self.frameworks.refs(slug, version)
        if refs is None:
            versions = self.frameworks.versions(slug)
            loaded = (
                f"loaded versions: {', '.join(versions)}"
                if versions
                else "no version of it is loaded"
            )
            self.error(
                (side, "framework"),
                f"{slug} version {version} is not loaded ({loaded}): load the framework first",
            )
        return refs

    def ref(self, mapping, path, key, refs, side):
        ref = self.text(mapping, path, key, pattern=REF, hint=REF_HINT)
        if ref is not None and refs is not None and ref not in refs:
            self.error(
                (*path, key),
                f'no criterion "{ref}" in the `{side}` framework version'
                f"{suggestion(ref, sorted(refs))}",
            )
            return None
        return ref

    def pairs(self, root, refs):
        items = self.items(root, (), "pairs", "pairs", "pairs: [{from: HR1, to: SG1, ...}]", 1)
        pairs, seen = [], {}
        for path, item in items or ():
            pair = self.mapping(item, path, PAIR_KEYS)
            if pair is None:
                continue
            from_ref = self.ref(pair, path, "from", refs["from"], "from")
            to_ref = self.ref(pair, path, "to", refs["to"], "to")
            relation = self.choice(pair, path, "relation", RELATIONS, "relation")
            note = self.text(pair, path, "note", required=False)
            if from_ref is None or to_ref is None:
                continue
            key = (from_ref, to_ref)
            if key in seen:
                self.error(
                    path, f"duplicate pair {from_ref} to {to_ref} (first on line {seen[key]})"
                )
                continue
            seen[key] = self.line(path)
            pairs.append({"from": from_ref, "to": to_ref, "relation": relation, "note": note})
        return pairs

    def unmapped(self, root, refs, pairs):
        items = self.items(root, (), "unmapped", "criteria", "unmapped: [{framework: to, ...}]")
        mapped = {side: {pair[side] for pair in pairs} for side in SIDES}
        result, seen = [], {}
        for path, item in items or ():
            entry = self.mapping(item, path, UNMAPPED_KEYS)
            if entry is None:
                continue
            side = self.choice(entry, path, "framework", SIDES, "side of the crosswalk")
            ref = self.ref(entry, path, "ref", refs[side] if side else None, side or "named")
            reason = self.text(entry, path, "reason")
            if side is None or ref is None:
                continue
            if ref in mapped[side]:
                self.error(
                    (*path, "ref"),
                    f"{ref} is mapped in `pairs`: a criterion is either mapped or unmapped",
                )
                continue
            if (side, ref) in seen:
                self.error(
                    (*path, "ref"),
                    f"{ref} is listed as unmapped twice (first on line {seen[side, ref]})",
                )
                continue
            seen[side, ref] = self.line(path)
            result.append({"framework": side, "ref": ref, "reason": reason})
        return result
