"""Widgets for NHS.UK components that Django has no widget for.

The crispy template pack (``templates/nhsuk/``) renders these; outside it they fall back to
Django's own templates, so the admin and ``form.as_div`` still work.
"""

import datetime

from django import forms


class DateInput(forms.MultiWidget):
    """The NHS.UK date input: separate day, month and year boxes.

    Use it through ``partnership.forms.DateInputField``, which turns the three boxes into a
    ``datetime.date`` with NHS.UK error messages. The boxes are named ``<name>_day``,
    ``<name>_month`` and ``<name>_year`` and their ids are ``<field id>_day`` and so on.
    """

    # (name, label, width in characters): the order and widths of the NHS.UK component.
    parts = (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4))
    use_fieldset = True

    def __init__(self, attrs=None):
        widgets = {
            name: forms.TextInput(attrs={"inputmode": "numeric"}) for name, _, _ in self.parts
        }
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [str(value.day), str(value.month), str(value.year)]
        return [None, None, None]

    def id_for_label(self, id_):
        # The error summary links here: the first box, as the NHS.UK component does.
        return f"{id_}_{self.parts[0][0]}" if id_ else ""
