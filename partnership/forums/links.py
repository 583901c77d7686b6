"""What an agenda item or a forum action may link to, without importing the upper layer.

Each linkable kind is named by its model label and the lookup from it to its organisation; a
link is accepted only when the object exists *and* belongs to the forum's organisation.
"""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

# model label -> (lookup to the organisation, what to call it, how to label one)
LINKABLE = {
    "assessments.assessment": ("organisation", "Assessment"),
    "assessments.action": ("plan__assessment__organisation", "Action of a joint action plan"),
}
LINK_MESSAGE = "Choose something of this organisation's to link to"


def _model(label):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def choices_for(organisation, limit=200) -> list[tuple[str, str]]:
    """``("label:pk", "Kind: name")`` pairs of the organisation's linkable things."""
    choices = []
    for label, (path, kind) in LINKABLE.items():
        model = _model(label)
        if model is None:
            continue
        for obj in model.objects.filter(**{path: organisation})[:limit]:
            choices.append((f"{label}:{obj.pk}", f"{kind}: {obj}"))
    return choices


def resolve(organisation, value: str):
    """``(content type, object id)`` for a ``"label:pk"`` value of this organisation, or
    ``(None, "")`` when empty; ``ValidationError`` when unknown or another organisation's."""
    if not value:
        return None, ""
    label, _, pk = value.partition(":")
    if label not in LINKABLE or not pk:
        raise ValidationError(LINK_MESSAGE)
    model = _model(label)
    if model is None:
        raise ValidationError(LINK_MESSAGE)
    try:
        exists = model.objects.filter(pk=pk, **{LINKABLE[label][0]: organisation}).exists()
    except (ValidationError, ValueError, TypeError):
        exists = False
    if not exists:
        raise ValidationError(LINK_MESSAGE)
    return ContentType.objects.get_for_model(model), str(pk)


def describe(item) -> str:
    """A short description of an item's link, or empty."""
    if not item.link_type_id:
        return ""
    obj = item.link
    if obj is None:
        return ""
    label = f"{item.link_type.app_label}.{item.link_type.model}"
    kind = LINKABLE.get(label, ("", "Linked"))[1]
    return f"{kind}: {obj}"
