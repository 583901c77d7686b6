"""Writing a loaded crosswalk back out as YAML that loads to the same content and hash."""

from ..frameworks.yamlio import Quoted, dump_yaml
from .validation import PAIR_KEYS, UNMAPPED_KEYS


def crosswalk_content(crosswalk):
    """The normalised content of a loaded crosswalk: what its YAML file validates to."""
    pairs = crosswalk.pairs.order_by("position").select_related("from_criterion", "to_criterion")
    unmapped = crosswalk.unmapped.order_by("position").select_related("criterion")
    return {
        "from": _end(crosswalk.from_framework),
        "to": _end(crosswalk.to_framework),
        "description": crosswalk.description,
        "pairs": [
            {
                "from": pair.from_criterion.ref,
                "to": pair.to_criterion.ref,
                "relation": pair.relation,
                "note": pair.note,
            }
            for pair in pairs
        ],
        "unmapped": [
            {"framework": entry.side, "ref": entry.criterion.ref, "reason": entry.reason}
            for entry in unmapped
        ],
    }


def _end(framework):
    return {"framework": framework.slug, "version": framework.version}


def export_crosswalk(crosswalk):
    content = crosswalk_content(crosswalk)
    document = {
        "from": {**content["from"], "version": Quoted(content["from"]["version"])},
        "to": {**content["to"], "version": Quoted(content["to"]["version"])},
        "description": content["description"],
        "pairs": [{key: pair[key] for key in PAIR_KEYS if pair[key]} for pair in content["pairs"]],
    }
    if content["unmapped"]:
        document["unmapped"] = [
            {key: entry[key] for key in UNMAPPED_KEYS} for entry in content["unmapped"]
        ]
    return dump_yaml(document)
