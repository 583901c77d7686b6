"""NHS.UK form markup for the crispy ``nhsuk`` template pack.

``nhsuk_field`` is the one place that maps a Django bound field to an NHS.UK component: it
decides which component the widget becomes, builds the ids that tie the label, hint and
error message to the input (``<id>-hint``, ``<id>-error``, ``aria-describedby``) and renders
the input itself without the attributes that would hide our error messages.
``templates/nhsuk/field.html`` then includes ``templates/nhsuk/fields/<kind>.html``.

``nhsuk_error_summary_items`` lists a form's errors for the NHS.UK error summary: the first
error of each field, linked to the input it is about, after the errors of the whole form.
"""

import copy
from dataclasses import dataclass, field

from django import forms, template
from django.db.models import BLANK_CHOICE_DASH
from django.forms.formsets import BaseFormSet
from django.forms.utils import flatatt

from partnership.layout import SIZE_FOR_HEADING, SIZES
from partnership.widgets import DateInput

register = template.Library()

# The browser would enforce these before our server-side validation could explain the
# problem (`novalidate` stops the blocking, but `maxlength` still silently cuts text off).
HIDES_ERRORS = frozenset({"required", "maxlength", "minlength"})
# Set by Django, but not part of the NHS.UK markup (the error message and the form group
# already carry the error), or set by this module from the field instead of the widget.
NOT_COPIED = HIDES_ERRORS | {"aria-invalid", "id", "class", "aria-describedby", "checked"}

BLANK_LABEL = BLANK_CHOICE_DASH[0][1]
DJANGO_TEXTAREA_ROWS = forms.Textarea().attrs["rows"]


@dataclass
class Choice:
    """One radio or checkbox."""

    id: str
    name: str
    value: str
    label: str
    checked: bool
    attrs: str


@dataclass
class DatePart:
    """One of the day, month and year boxes of a date input."""

    id: str
    label: str
    error: bool
    input: str


@dataclass
class NhsukField:
    """What the pack's templates need to render one bound field as an NHS.UK component."""

    bound: forms.BoundField
    kind: str
    id: str
    label: str
    hint: str
    error: str
    label_size: str | None = None
    heading_level: int | None = None
    css_class: str = ""
    input: str = ""
    choices: list[Choice] = field(default_factory=list)
    parts: list[DatePart] = field(default_factory=list)

    @property
    def hint_id(self):
        return f"{self.id}-hint" if self.hint and self.id else ""

    @property
    def error_id(self):
        return f"{self.id}-error" if self.error and self.id else ""

    @property
    def describedby(self):
        return " ".join(i for i in (self.hint_id, self.error_id) if i)


def field_kind(bound):
    """The NHS.UK component a bound field renders as."""
    widget = bound.field.widget
    if widget.is_hidden:
        return "hidden"
    # Most specific first: CheckboxSelectMultiple is a RadioSelect, RadioSelect a Select,
    # ClearableFileInput a FileInput, PasswordInput an Input.
    kinds = (
        (forms.CheckboxSelectMultiple, "checkboxes"),
        (forms.RadioSelect, "radios"),
        (forms.CheckboxInput, "checkbox"),
        (forms.Select, "select"),
        (forms.Textarea, "textarea"),
        (forms.FileInput, "file"),
        (DateInput, "date"),
    )
    for widget_class, kind in kinds:
        if isinstance(widget, widget_class):
            return kind
    return "input"


def field_id(bound):
    return bound.field.widget.attrs.get("id") or bound.auto_id or ""


def target_id(bound):
    """The id the error summary links to: the input, or the first radio, checkbox or box."""
    kind = field_kind(bound)
    if kind in ("radios", "checkboxes"):
        choices = _choices(bound)
        return choices[0].id if choices else field_id(bound)
    if kind == "date":
        in_error = _error_parts(bound)
        first = next((name for name, _, _ in DateInput.parts if name in in_error), None)
        id_ = field_id(bound)
        return f"{id_}_{first}" if first and id_ else bound.field.widget.id_for_label(id_)
    return field_id(bound)


def _classes(*groups):
    words = []
    for group in groups:
        words.extend(str(group or "").split())
    return " ".join(dict.fromkeys(words))


def _copied_attrs(attrs):
    return {k: v for k, v in attrs.items() if k not in NOT_COPIED and v is not False}


def _render(bound, widget, value, attrs, name=None):
    """Renders a widget with exactly ``attrs``: its own attrs are filtered into them first."""
    widget = copy.copy(widget)
    widget.attrs = {}
    if bound.field.localize:
        widget.is_localized = True
    return widget.render(name or bound.html_name, value, attrs=attrs, renderer=bound.form.renderer)


def _input_attrs(bound, f, base_class, error_class=None, extra=None):
    widget_attrs = bound.field.widget.attrs
    attrs = {**(extra or {}), **_copied_attrs(widget_attrs)}
    attrs["class"] = _classes(
        base_class, error_class if f.error else None, widget_attrs.get("class")
    )
    if f.id:
        attrs["id"] = f.id
    describedby = _classes(widget_attrs.get("aria-describedby"), f.describedby)
    if describedby:
        attrs["aria-describedby"] = describedby
    if bound.field.disabled:
        attrs["disabled"] = True
    return attrs


def _choices(bound):
    # BoundField.subwidgets is cached, so the field and the error summary share one query
    # for a ModelChoiceField. Its attrs include the field's id, indexed per option.
    choices = []
    for subwidget in bound.subwidgets:
        option = subwidget.data
        # The "---------" choice Django adds for a blank model field is no answer to offer
        # as a radio; leaving every radio unchecked already means "no answer".
        if option["value"] in ("", None) and option["label"] == BLANK_LABEL:
            continue
        choices.append(
            Choice(
                id=option["attrs"].get("id", ""),
                name=option["name"],
                value=option["value"],
                label=option["label"],
                checked=option["selected"],
                attrs=flatatt(_copied_attrs(option["attrs"])),
            )
        )
    return choices


def _error_parts(bound):
    """The date boxes an error is about (from the error's params), else all of them."""
    everything = [name for name, _, _ in DateInput.parts]
    errors = bound.errors.as_data()
    if not errors:
        return []
    params = errors[0].params or {}
    return params.get("parts") or everything


def _date_parts(bound, f):
    widget = bound.field.widget
    values = bound.value()
    if not isinstance(values, list | tuple):
        values = widget.decompress(values)
    in_error = _error_parts(bound) if f.error else []
    parts = []
    for (name, label, width), subwidget, value in zip(
        DateInput.parts, widget.widgets, values, strict=True
    ):
        part_id = f"{f.id}_{name}" if f.id else ""
        error = name in in_error
        attrs = _copied_attrs(subwidget.attrs)
        attrs["class"] = _classes(
            "nhsuk-input",
            "nhsuk-input--error" if error else None,
            f"nhsuk-input--width-{width}",
            "nhsuk-date-input__input",
            subwidget.attrs.get("class"),
        )
        if part_id:
            attrs["id"] = part_id
        if bound.field.disabled:
            attrs["disabled"] = True
        html = _render(bound, subwidget, value, attrs, name=f"{bound.html_name}_{name}")
        parts.append(DatePart(id=part_id, label=label, error=error, input=html))
    return parts


@register.simple_tag
def nhsuk_field(bound, show_errors=True, label_size=None, heading_level=None):
    """Everything ``nhsuk/fields/<kind>.html`` needs to render ``bound``."""
    kind = field_kind(bound)
    errors = bound.errors if show_errors is not False else []
    heading_level = heading_level or None
    f = NhsukField(
        bound=bound,
        kind=kind,
        id=field_id(bound),
        label=bound.label or "",
        hint=bound.help_text or "",
        # NHS.UK shows one message per field: the first is the most basic problem.
        error=errors[0] if errors else "",
        label_size=(label_size if label_size in SIZES else None)
        or SIZE_FOR_HEADING.get(heading_level),
        heading_level=heading_level,
        css_class=bound.field.widget.attrs.get("class", ""),
    )
    if kind == "hidden":
        attrs = _copied_attrs(bound.field.widget.attrs)
        if f.id:
            attrs["id"] = f.id
        f.input = _render(bound, bound.field.widget, bound.value(), attrs)
    elif kind in ("radios", "checkboxes"):
        f.choices = _choices(bound)
    elif kind == "date":
        f.parts = _date_parts(bound, f)
    elif kind == "checkbox":
        attrs = _input_attrs(bound, f, "nhsuk-checkboxes__input")
        f.input = _render(bound, bound.field.widget, bound.value(), attrs)
    elif kind == "file":
        attrs = _input_attrs(bound, f, "nhsuk-file-upload__input")
        # A plain file input: the "Currently: … Clear" extras of ClearableFileInput are not
        # part of the NHS.UK component.
        f.input = _render(bound, forms.FileInput(), None, attrs)
    else:
        base = {"select": "nhsuk-select", "textarea": "nhsuk-textarea"}.get(kind, "nhsuk-input")
        # Spell-check underlines in an email address or a password only distract.
        no_spellcheck = isinstance(bound.field.widget, forms.EmailInput | forms.PasswordInput)
        extra = {"spellcheck": "false"} if no_spellcheck else {}
        attrs = _input_attrs(bound, f, base, f"{base}--error", extra)
        if kind == "textarea":
            attrs.pop("cols", None)
            if attrs.get("rows") == DJANGO_TEXTAREA_ROWS:
                # Django's default height, not one the form chose: use NHS.UK's.
                attrs["rows"] = 5
        f.input = _render(bound, bound.field.widget, bound.value(), attrs)
    return f


@dataclass
class SummaryItem:
    message: str
    href: str = ""


def _form_items(form):
    items = [SummaryItem(message=error) for error in form.non_field_errors()]
    for name in form.fields:
        bound = form[name]
        if not bound.errors:
            continue
        if bound.is_hidden:
            items.append(SummaryItem(message=f"(Hidden field {name}) {bound.errors[0]}"))
        else:
            target = target_id(bound)
            items.append(SummaryItem(message=bound.errors[0], href=f"#{target}" if target else ""))
    return items


@register.simple_tag
def nhsuk_error_summary_items(form_or_formset):
    """The error summary's items: the form's own errors, then each field's first error."""
    if not form_or_formset:
        return []
    if isinstance(form_or_formset, BaseFormSet):
        items = [SummaryItem(message=error) for error in form_or_formset.non_form_errors()]
        for form in form_or_formset:
            items.extend(_form_items(form))
        return items
    return _form_items(form_or_formset)


@register.inclusion_tag("nhsuk/errors.html")
def nhsuk_error_summary(form):
    """The error summary on its own, for the top of the page above the ``<h1>``.

    The form then leaves it out when rendered with ``{% crispy %}`` or ``|crispy``.
    """
    if form:
        form.nhsuk_error_summary_shown = True
    return {"form": form}


@register.filter
def nhsuk_button_classes(crispy_classes):
    """Crispy's own Submit/Button/Reset carry Bootstrap classes; keep only the others."""
    return " ".join(c for c in str(crispy_classes or "").split() if c.split("-")[0] != "btn")
