"""Crispy layout objects for NHS.UK forms.

Use these instead of crispy's ``Field``, ``Fieldset`` and ``Submit`` when you need NHS.UK
options; crispy's own ``Div``, ``HTML``, ``ButtonHolder`` (an NHS.UK button group), ``Row``
and ``Column`` (NHS.UK grid) also render through the ``nhsuk`` pack.

    helper.layout = Layout(
        Fieldset("About the assessment", "title", Field("period", css_class="nhsuk-input--width-10")),
        Field("scope", heading_level=2),        # radios whose legend is an <h2>
        Button("Save and continue"),
    )
"""

from crispy_forms import layout as crispy
from crispy_forms.utils import TEMPLATE_PACK, flatatt
from django.template.loader import render_to_string

SIZES = ("s", "m", "l", "xl")
# The NHS.UK size that goes with each heading level when no size is given.
SIZE_FOR_HEADING = {1: "l", 2: "m", 3: "s"}


def _size_and_heading(size, heading_level):
    if size is not None and size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, not {size!r}")
    if heading_level is not None and heading_level not in SIZE_FOR_HEADING:
        raise ValueError(f"heading_level must be 1, 2 or 3, not {heading_level!r}")
    return size or SIZE_FOR_HEADING.get(heading_level), heading_level


class Field(crispy.Field):
    """A field with NHS.UK label options.

    ``label_size`` ("s", "m", "l", "xl") sizes the label, or the legend for radios,
    checkboxes and date inputs; ``heading_level`` (1, 2 or 3) wraps it in that heading, as
    for a question that is the page's heading. ``css_class`` goes on the input (for example
    ``nhsuk-input--width-10``) or, for radios and checkboxes, on the group (for example
    ``nhsuk-radios--inline``). Other keyword arguments become HTML attributes on the input.
    """

    def __init__(self, *fields, label_size=None, heading_level=None, **kwargs):
        super().__init__(*fields, **kwargs)
        self.label_size, self.heading_level = _size_and_heading(label_size, heading_level)

    def render(self, form, context, template_pack=TEMPLATE_PACK, extra_context=None, **kwargs):
        extra_context = {
            **(extra_context or {}),
            "label_size": self.label_size,
            "heading_level": self.heading_level,
        }
        return super().render(form, context, template_pack, extra_context=extra_context, **kwargs)


class Fieldset(crispy.Fieldset):
    """An NHS.UK fieldset: ``Fieldset("What is your address?", "line1", "town", legend_size="m")``.

    ``legend_size`` and ``heading_level`` work as ``Field``'s ``label_size`` and
    ``heading_level`` do.
    """

    def __init__(self, legend, *fields, legend_size=None, heading_level=None, **kwargs):
        super().__init__(legend, *fields, **kwargs)
        self.legend_size, self.heading_level = _size_and_heading(legend_size, heading_level)


class Button(crispy.TemplateNameMixin):
    """The NHS.UK button: ``<button class="nhsuk-button" data-module="nhsuk-button" ...>``.

    ``variant`` is None (primary), "secondary", "reverse", "warning" or "login". ``name`` and
    ``value`` are sent with the form when given, to tell two buttons apart. Other keyword
    arguments become HTML attributes (``data_prevent_double_click="true"``).
    """

    template = "%s/layout/button.html"
    VARIANTS = ("secondary", "reverse", "warning", "login")

    def __init__(
        self, text, *, variant=None, name=None, value=None, type="submit", css_class=None, **attrs
    ):
        if variant is not None and variant not in self.VARIANTS:
            raise ValueError(f"variant must be one of {self.VARIANTS}, not {variant!r}")
        if type not in ("submit", "button", "reset"):
            raise ValueError(f"type must be submit, button or reset, not {type!r}")
        self.text = text
        self.variant = variant
        self.name = name
        self.value = value
        self.type = type
        self.css_class = css_class
        self.flat_attrs = flatatt(attrs)

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        return render_to_string(self.get_template_name(template_pack), {"button": self})
