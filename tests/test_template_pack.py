"""The crispy ``nhsuk`` template pack renders the markup of the NHS.UK components.

Each expected snippet is the component's rendered example from
node_modules/nhsuk-frontend/dist/nhsuk/components/<name>/fixtures.json, with Django's ids
and names in place of the example's.
"""

import datetime

import pytest
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset as CrispyFieldset
from crispy_forms.layout import Layout, Submit
from crispy_forms.utils import render_crispy_form
from django import forms
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.test import SimpleTestCase

from partnership.forms import DateInputField
from partnership.layout import Button, Field, Fieldset
from partnership.models import Organisation

_case = SimpleTestCase()
assert_html_equal = _case.assertHTMLEqual
assert_in_html = _case.assertInHTML

SIZES = [("s", "Small"), ("m", "Medium")]


def render_field(form, name):
    template = Template("{% load crispy_forms_filters %}{{ field|as_crispy_field }}")
    return template.render(Context({"field": form[name]}))


def render_form(form):
    return render_crispy_form(form)


def must_not_mention_nhs(value):
    if "nhs" in value.lower():
        raise ValidationError("Do not mention the NHS")


def must_be_short(value):
    if len(value) > 3:
        raise ValidationError("Keep it short")


class ExampleForm(forms.Form):
    full_name = forms.CharField(
        label="What is your full name?",
        max_length=50,
        help_text="As it appears on your payslip",
    )
    motto = forms.CharField(label="Motto", validators=[must_not_mention_nhs, must_be_short])
    detail = forms.CharField(label="Can you provide more detail?", widget=forms.Textarea)
    region = forms.ChoiceField(
        label="Choose region",
        choices=[("", "Choose region"), ("north", "North East"), ("london", "London")],
    )
    size = forms.ChoiceField(
        label="What size?", choices=SIZES, widget=forms.RadioSelect, help_text="Select 1 option"
    )
    contact = forms.MultipleChoiceField(
        label="How do you want to be contacted?",
        choices=[("email", "Email"), ("phone", "Phone")],
        widget=forms.CheckboxSelectMultiple,
    )
    agree = forms.BooleanField(label="I agree", help_text="Both sides must agree")
    evidence = forms.FileField(label="Upload a file")
    started = DateInputField(label="When did it start?", help_text="For example, 15 3 2024")


# --- Text input, textarea, select ---------------------------------------------------------


def test_text_input_with_hint():
    assert_html_equal(
        render_field(ExampleForm(), "full_name"),
        """
        <div class="nhsuk-form-group">
          <label class="nhsuk-label" for="id_full_name">What is your full name?</label>
          <div class="nhsuk-hint" id="id_full_name-hint">As it appears on your payslip</div>
          <input class="nhsuk-input" id="id_full_name" name="full_name" type="text"
            aria-describedby="id_full_name-hint">
        </div>
        """,
    )


def test_input_with_error_shows_first_error_only_and_describes_hint_and_error():
    form = ExampleForm(data={"full_name": "", "motto": "NHS rocks"})
    assert len(form["motto"].errors) == 2
    assert_html_equal(
        render_field(form, "full_name"),
        """
        <div class="nhsuk-form-group nhsuk-form-group--error">
          <label class="nhsuk-label" for="id_full_name">What is your full name?</label>
          <div class="nhsuk-hint" id="id_full_name-hint">As it appears on your payslip</div>
          <span class="nhsuk-error-message" id="id_full_name-error">
            <span class="nhsuk-u-visually-hidden">Error: </span>This field is required.
          </span>
          <input class="nhsuk-input nhsuk-input--error" id="id_full_name" name="full_name"
            type="text" aria-describedby="id_full_name-hint id_full_name-error">
        </div>
        """,
    )
    assert_html_equal(
        render_field(form, "motto"),
        """
        <div class="nhsuk-form-group nhsuk-form-group--error">
          <label class="nhsuk-label" for="id_motto">Motto</label>
          <span class="nhsuk-error-message" id="id_motto-error">
            <span class="nhsuk-u-visually-hidden">Error: </span>Do not mention the NHS
          </span>
          <input class="nhsuk-input nhsuk-input--error" id="id_motto" name="motto" type="text"
            value="NHS rocks" aria-describedby="id_motto-error">
        </div>
        """,
    )


def test_textarea_and_textarea_with_error():
    assert_html_equal(
        render_field(ExampleForm(), "detail"),
        """
        <div class="nhsuk-form-group">
          <label class="nhsuk-label" for="id_detail">Can you provide more detail?</label>
          <textarea class="nhsuk-textarea" id="id_detail" name="detail" rows="5"></textarea>
        </div>
        """,
    )
    assert_html_equal(
        render_field(ExampleForm(data={}), "detail"),
        """
        <div class="nhsuk-form-group nhsuk-form-group--error">
          <label class="nhsuk-label" for="id_detail">Can you provide more detail?</label>
          <span class="nhsuk-error-message" id="id_detail-error">
            <span class="nhsuk-u-visually-hidden">Error: </span>This field is required.
          </span>
          <textarea class="nhsuk-textarea nhsuk-textarea--error" id="id_detail" name="detail"
            rows="5" aria-describedby="id_detail-error"></textarea>
        </div>
        """,
    )


def test_select_with_error_keeps_choice_and_marks_select():
    assert_html_equal(
        render_field(ExampleForm(data={"region": ""}), "region"),
        """
        <div class="nhsuk-form-group nhsuk-form-group--error">
          <label class="nhsuk-label" for="id_region">Choose region</label>
          <span class="nhsuk-error-message" id="id_region-error">
            <span class="nhsuk-u-visually-hidden">Error: </span>This field is required.
          </span>
          <select class="nhsuk-select nhsuk-select--error" id="id_region" name="region"
            aria-describedby="id_region-error">
            <option value="" selected>Choose region</option>
            <option value="north">North East</option>
            <option value="london">London</option>
          </select>
        </div>
        """,
    )
    assert_in_html(
        '<option value="london" selected>London</option>',
        render_field(ExampleForm(initial={"region": "london"}), "region"),
    )


# --- Radios, checkboxes, single checkbox -------------------------------------------------


def test_radios_in_a_fieldset_with_hint_and_checked_value():
    assert_html_equal(
        render_field(ExampleForm(initial={"size": "m"}), "size"),
        """
        <div class="nhsuk-form-group">
          <fieldset class="nhsuk-fieldset" aria-describedby="id_size-hint">
            <legend class="nhsuk-fieldset__legend">What size?</legend>
            <div class="nhsuk-hint" id="id_size-hint">Select 1 option</div>
            <div class="nhsuk-radios" data-module="nhsuk-radios">
              <div class="nhsuk-radios__item">
                <input class="nhsuk-radios__input" id="id_size_0" name="size" type="radio"
                  value="s">
                <label class="nhsuk-label nhsuk-radios__label" for="id_size_0">Small</label>
              </div>
              <div class="nhsuk-radios__item">
                <input class="nhsuk-radios__input" id="id_size_1" name="size" type="radio"
                  value="m" checked>
                <label class="nhsuk-label nhsuk-radios__label" for="id_size_1">Medium</label>
              </div>
            </div>
          </fieldset>
        </div>
        """,
    )


def test_radios_leave_out_django_blank_choice_and_take_group_classes():
    class SideForm(forms.Form):
        side = forms.ChoiceField(
            label="Which side are you on?",
            choices=[("", "---------"), ("management", "Management"), ("staff", "Staff side")],
            widget=forms.RadioSelect(attrs={"class": "nhsuk-radios--inline"}),
        )

    html = render_field(SideForm(), "side")
    assert "---------" not in html
    assert_in_html(
        '<input class="nhsuk-radios__input" id="id_side_1" name="side" type="radio" '
        'value="management">',
        html,
    )
    assert 'class="nhsuk-radios nhsuk-radios--inline" data-module="nhsuk-radios"' in html


def test_checkboxes_with_error():
    assert_html_equal(
        render_field(ExampleForm(data={}), "contact"),
        """
        <div class="nhsuk-form-group nhsuk-form-group--error">
          <fieldset class="nhsuk-fieldset" aria-describedby="id_contact-error">
            <legend class="nhsuk-fieldset__legend">How do you want to be contacted?</legend>
            <span class="nhsuk-error-message" id="id_contact-error">
              <span class="nhsuk-u-visually-hidden">Error: </span>This field is required.
            </span>
            <div class="nhsuk-checkboxes" data-module="nhsuk-checkboxes">
              <div class="nhsuk-checkboxes__item">
                <input class="nhsuk-checkboxes__input" id="id_contact_0" name="contact"
                  type="checkbox" value="email">
                <label class="nhsuk-label nhsuk-checkboxes__label" for="id_contact_0">Email</label>
              </div>
              <div class="nhsuk-checkboxes__item">
                <input class="nhsuk-checkboxes__input" id="id_contact_1" name="contact"
                  type="checkbox" value="phone">
                <label class="nhsuk-label nhsuk-checkboxes__label" for="id_contact_1">Phone</label>
              </div>
            </div>
          </fieldset>
        </div>
        """,
    )


def test_checkboxes_keep_what_was_ticked():
    html = render_field(ExampleForm(data={"contact": ["phone"]}), "contact")
    assert_in_html(
        '<input class="nhsuk-checkboxes__input" id="id_contact_1" name="contact" '
        'type="checkbox" value="phone" checked>',
        html,
    )


def test_single_checkbox_with_hint_and_error():
    assert_html_equal(
        render_field(ExampleForm(data={}), "agree"),
        """
        <div class="nhsuk-form-group nhsuk-form-group--error">
          <span class="nhsuk-error-message" id="id_agree-error">
            <span class="nhsuk-u-visually-hidden">Error: </span>This field is required.
          </span>
          <div class="nhsuk-checkboxes" data-module="nhsuk-checkboxes">
            <div class="nhsuk-checkboxes__item">
              <input class="nhsuk-checkboxes__input" id="id_agree" name="agree" type="checkbox"
                aria-describedby="id_agree-hint id_agree-error">
              <label class="nhsuk-label nhsuk-checkboxes__label" for="id_agree">I agree</label>
              <div class="nhsuk-hint nhsuk-checkboxes__hint" id="id_agree-hint">
                Both sides must agree
              </div>
            </div>
          </div>
        </div>
        """,
    )
    assert_in_html(
        '<input class="nhsuk-checkboxes__input" id="id_agree" name="agree" type="checkbox" '
        'aria-describedby="id_agree-hint" checked>',
        render_field(ExampleForm(initial={"agree": True}), "agree"),
    )


# --- File upload -------------------------------------------------------------------------


def test_file_input():
    assert_html_equal(
        render_field(ExampleForm(), "evidence"),
        """
        <div class="nhsuk-form-group">
          <label class="nhsuk-label" for="id_evidence">Upload a file</label>
          <input class="nhsuk-file-upload__input" id="id_evidence" name="evidence" type="file">
        </div>
        """,
    )


def test_file_input_with_error_leaves_out_clearable_extras():
    class EvidenceForm(forms.Form):
        evidence = forms.FileField(label="Upload a file", widget=forms.ClearableFileInput)

    form = EvidenceForm(data={}, files={}, initial={"evidence": "old.pdf"})
    form.add_error("evidence", "The selected file must be a PDF")
    assert_html_equal(
        render_field(form, "evidence"),
        """
        <div class="nhsuk-form-group nhsuk-form-group--error">
          <label class="nhsuk-label" for="id_evidence">Upload a file</label>
          <span class="nhsuk-error-message" id="id_evidence-error">
            <span class="nhsuk-u-visually-hidden">Error: </span>The selected file must be a PDF
          </span>
          <input class="nhsuk-file-upload__input" id="id_evidence" name="evidence" type="file"
            aria-describedby="id_evidence-error">
        </div>
        """,
    )


# --- Date input --------------------------------------------------------------------------


def test_date_input_shows_initial_date():
    html = render_field(ExampleForm(initial={"started": datetime.date(2024, 8, 5)}), "started")
    assert_in_html(
        '<input class="nhsuk-input nhsuk-input--width-2 nhsuk-date-input__input" '
        'id="id_started_day" name="started_day" type="text" value="5" inputmode="numeric">',
        html,
    )
    assert_in_html(
        '<input class="nhsuk-input nhsuk-input--width-4 nhsuk-date-input__input" '
        'id="id_started_year" name="started_year" type="text" value="2024" inputmode="numeric">',
        html,
    )


def test_date_input_with_error_on_one_part():
    form = ExampleForm(data={"started_day": "", "started_month": "3", "started_year": "2024"})
    assert_html_equal(
        render_field(form, "started"),
        """
        <div class="nhsuk-form-group nhsuk-form-group--error">
          <fieldset class="nhsuk-fieldset" role="group"
            aria-describedby="id_started-hint id_started-error">
            <legend class="nhsuk-fieldset__legend">When did it start?</legend>
            <div class="nhsuk-hint" id="id_started-hint">For example, 15 3 2024</div>
            <span class="nhsuk-error-message" id="id_started-error">
              <span class="nhsuk-u-visually-hidden">Error: </span>Date must include a day
            </span>
            <div class="nhsuk-date-input" id="id_started">
              <div class="nhsuk-date-input__item">
                <div class="nhsuk-form-group nhsuk-form-group--error">
                  <label class="nhsuk-label nhsuk-date-input__label" for="id_started_day">
                    Day
                  </label>
                  <input class="nhsuk-input nhsuk-input--error nhsuk-input--width-2
                    nhsuk-date-input__input" id="id_started_day" name="started_day" type="text"
                    inputmode="numeric">
                </div>
              </div>
              <div class="nhsuk-date-input__item">
                <div class="nhsuk-form-group">
                  <label class="nhsuk-label nhsuk-date-input__label" for="id_started_month">
                    Month
                  </label>
                  <input class="nhsuk-input nhsuk-input--width-2 nhsuk-date-input__input"
                    id="id_started_month" name="started_month" type="text" value="3"
                    inputmode="numeric">
                </div>
              </div>
              <div class="nhsuk-date-input__item">
                <div class="nhsuk-form-group">
                  <label class="nhsuk-label nhsuk-date-input__label" for="id_started_year">
                    Year
                  </label>
                  <input class="nhsuk-input nhsuk-input--width-4 nhsuk-date-input__input"
                    id="id_started_year" name="started_year" type="text" value="2024"
                    inputmode="numeric">
                </div>
              </div>
            </div>
          </fieldset>
        </div>
        """,
    )


def test_date_input_without_any_part_marks_every_box():
    html = render_field(ExampleForm(data={}), "started")
    assert html.count("nhsuk-input--error") == 3
    assert "Enter a date" in html


@pytest.mark.parametrize(
    ("day", "month", "year", "expected"),
    [
        ("5", "8", "2024", datetime.date(2024, 8, 5)),
        (" 05 ", "08", "2024", datetime.date(2024, 8, 5)),
        ("", "", "", "Enter a date"),
        ("31", "", "", "Date must include a month and year"),
        ("31", "2", "2024", "Date must be a real date"),
        ("x", "2", "2024", "Date must be a real date"),
        ("1", "2", "24", "Year must include 4 numbers"),
    ],
)
def test_date_input_field_cleans_to_a_date_or_says_what_is_wrong(day, month, year, expected):
    form = ExampleForm(data={"started_day": day, "started_month": month, "started_year": year})
    form.is_valid()
    if isinstance(expected, datetime.date):
        assert form.cleaned_data["started"] == expected
    else:
        assert form.errors["started"] == [expected]


# --- Fieldset, label sizes, buttons ------------------------------------------------------


class AddressForm(forms.Form):
    line1 = forms.CharField(label="Address line 1")
    town = forms.CharField(label="Town or city")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                "What is your address?",
                "line1",
                Field("town", css_class="nhsuk-u-width-two-thirds"),
                legend_size="l",
                heading_level=1,
            )
        )


def test_fieldset_with_legend_as_page_heading():
    assert_html_equal(
        render_form(AddressForm()),
        """
        <fieldset class="nhsuk-fieldset">
          <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--l">
            <h1 class="nhsuk-fieldset__heading">What is your address?</h1>
          </legend>
          <div class="nhsuk-form-group">
            <label class="nhsuk-label" for="id_line1">Address line 1</label>
            <input class="nhsuk-input" id="id_line1" name="line1" type="text">
          </div>
          <div class="nhsuk-form-group">
            <label class="nhsuk-label" for="id_town">Town or city</label>
            <input class="nhsuk-input nhsuk-u-width-two-thirds" id="id_town" name="town"
              type="text">
          </div>
        </fieldset>
        """,
    )


def test_crispy_fieldset_renders_a_plain_legend():
    form = AddressForm()
    form.helper.layout = Layout(CrispyFieldset("Address", "line1", "town"))
    assert_in_html('<legend class="nhsuk-fieldset__legend">Address</legend>', render_form(form))


def test_field_label_as_page_heading():
    form = AddressForm()
    form.helper.layout = Layout(Field("line1", heading_level=1), "town")
    assert_in_html(
        """
        <div class="nhsuk-form-group">
          <h1 class="nhsuk-label-wrapper">
            <label class="nhsuk-label nhsuk-label--l" for="id_line1">Address line 1</label>
          </h1>
          <input class="nhsuk-input" id="id_line1" name="line1" type="text">
        </div>
        """,
        render_form(form),
    )


def test_radios_legend_size_and_heading_from_layout_field():
    class SizeForm(forms.Form):
        size = forms.ChoiceField(label="What size?", choices=SIZES, widget=forms.RadioSelect)

    form = SizeForm()
    form.helper = FormHelper()
    form.helper.form_tag = False
    form.helper.layout = Layout(Field("size", heading_level=2))
    assert_in_html(
        """
        <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">
          <h2 class="nhsuk-fieldset__heading">What size?</h2>
        </legend>
        """,
        render_form(form),
    )


def test_button_and_its_variants():
    form = AddressForm()
    form.helper.layout = Layout(
        Button("Save and continue"),
        Button("Delete", variant="warning", name="action", value="delete"),
    )
    assert_html_equal(
        render_form(form),
        """
        <button class="nhsuk-button" data-module="nhsuk-button" type="submit">
          Save and continue
        </button>
        <button class="nhsuk-button nhsuk-button--warning" data-module="nhsuk-button"
          type="submit" name="action" value="delete">
          Delete
        </button>
        """,
    )
    with pytest.raises(ValueError):
        Button("Go", variant="danger")


def test_crispy_submit_becomes_an_nhsuk_button():
    form = AddressForm()
    form.helper.layout = Layout(Submit("save", "Save", css_class="nhsuk-button--secondary"))
    assert_html_equal(
        render_form(form),
        """
        <button class="nhsuk-button nhsuk-button--secondary" data-module="nhsuk-button"
          type="submit" name="save" value="Save" id="submit-id-save">
          Save
        </button>
        """,
    )


# --- Error summary and the whole form ----------------------------------------------------


class SignUpForm(forms.Form):
    email = forms.EmailField(label="Email address")
    size = forms.ChoiceField(label="What size?", choices=SIZES, widget=forms.RadioSelect)
    started = DateInputField(label="When did it start?")
    token = forms.CharField(widget=forms.HiddenInput)

    def clean(self):
        raise ValidationError("Your organisation is closed")


def test_error_summary_links_each_field_to_its_input():
    form = SignUpForm(data={"email": "nope", "started_day": "1", "started_year": "2024"})
    assert_in_html(
        """
        <div class="nhsuk-error-summary" data-module="nhsuk-error-summary">
          <div role="alert">
            <h2 class="nhsuk-error-summary__heading">There is a problem</h2>
            <div class="nhsuk-error-summary__body">
              <ul class="nhsuk-list nhsuk-error-summary__list">
                <li>Your organisation is closed</li>
                <li><a href="#id_email">Enter a valid email address.</a></li>
                <li><a href="#id_size_0">This field is required.</a></li>
                <li><a href="#id_started_month">Date must include a month</a></li>
                <li>(Hidden field token) This field is required.</li>
              </ul>
            </div>
          </div>
        </div>
        """,
        render_form(form),
    )


def test_no_error_summary_without_errors():
    assert "nhsuk-error-summary" not in render_form(SignUpForm())
    assert "nhsuk-error-summary" not in render_form(SignUpForm(initial={"email": "a@b.example"}))


def test_whole_form_is_novalidate_with_csrf_and_no_attributes_that_hide_errors():
    class LimitsForm(forms.Form):
        name = forms.CharField(max_length=10, min_length=2)
        notes = forms.CharField(max_length=100, widget=forms.Textarea)
        size = forms.ChoiceField(choices=SIZES, widget=forms.RadioSelect)
        started = DateInputField()

    template = Template("{% load crispy_forms_tags %}{% crispy form %}")
    html = template.render(Context({"form": LimitsForm(), "csrf_token": "t0k3n"}))
    assert "novalidate" in html
    assert_in_html('<input type="hidden" name="csrfmiddlewaretoken" value="t0k3n">', html)
    for attribute in ("maxlength", "minlength", "required", "aria-invalid"):
        assert attribute not in html


def test_crispy_filter_renders_error_summary_and_fields():
    template = Template("{% load crispy_forms_tags %}{{ form|crispy }}")
    html = template.render(Context({"form": SignUpForm(data={})}))
    assert html.count('role="alert"') == 1
    assert 'id="id_email-error"' in html
    assert "<form" not in html


def test_error_summary_tag_above_the_heading_is_not_repeated_in_the_form():
    template = Template(
        "{% load crispy_forms_tags nhsuk %}{% nhsuk_error_summary form %}<h1>Sign up</h1>"
        "{% crispy form %}"
    )
    html = template.render(Context({"form": SignUpForm(data={})}))
    assert html.count('role="alert"') == 1
    assert html.index('role="alert"') < html.index("<h1>")


def test_formset_error_summary_lists_every_form():
    AddressFormSet = forms.formset_factory(AddressForm, extra=0)
    formset = AddressFormSet(
        data={
            "form-TOTAL_FORMS": "2",
            "form-INITIAL_FORMS": "0",
            "form-0-line1": "1 High Street",
            "form-0-town": "Leeds",
            "form-1-line1": "2 Low Road",
        }
    )
    template = Template("{% load crispy_forms_tags %}{{ formset|crispy }}")
    html = template.render(Context({"formset": formset}))
    assert html.count('role="alert"') == 1
    assert_in_html('<li><a href="#id_form-1-town">This field is required.</a></li>', html)
    assert 'id="id_form-1-town-error"' in html


def test_user_input_is_escaped():
    class ChoiceForm(forms.Form):
        name = forms.CharField()
        size = forms.ChoiceField(choices=SIZES)

    script = "<script>alert(1)</script>"
    form = ChoiceForm(data={"name": script, "size": script})
    html = render_form(form)
    assert script not in html
    assert_in_html(
        '<input class="nhsuk-input" id="id_name" name="name" type="text" '
        'value="&lt;script&gt;alert(1)&lt;/script&gt;">',
        html,
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt; is not one of the available choices" in html


def test_hidden_field_renders_just_the_input():
    class TokenForm(forms.Form):
        token = forms.CharField(widget=forms.HiddenInput, max_length=5)

    assert_html_equal(
        render_field(TokenForm(initial={"token": "abc"}), "token"),
        '<input type="hidden" name="token" value="abc" id="id_token">',
    )


def test_model_choice_radios_query_once_for_field_and_error_summary(
    django_assert_num_queries, organisation, other_organisation
):
    class PickForm(forms.Form):
        organisation = forms.ModelChoiceField(
            queryset=Organisation.objects.order_by("name"), widget=forms.RadioSelect
        )

    form = PickForm(data={})
    form.is_valid()
    with django_assert_num_queries(1):
        html = render_form(form)
    assert "---------" not in html
    assert_in_html('<li><a href="#id_organisation_0">This field is required.</a></li>', html)
    assert_in_html(
        f'<input class="nhsuk-radios__input" id="id_organisation_0" name="organisation" '
        f'type="radio" value="{organisation.pk}">',
        html,
    )
