"""The main flow with a keyboard only: the HR lead rates and submits a criterion without
JavaScript, and the staff-side lead co-signs it. Every element reached shows that it has focus,
and after each save the success banner has focus."""

import re

import pytest

from assessments.demo import DEMO_PASSWORD, seed_demo
from assessments.models import Response

pytestmark = [pytest.mark.e2e, pytest.mark.a11y, pytest.mark.django_db(transaction=True)]

# The focused element, and whether it looks different from when it is not focused (for a radio
# or checkbox, whose input is hidden, its drawn circle or box: the label's ::before).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) {
    return {tag: "BODY", type: "", id: "", checked: false, testid: "", text: "", changed: false};
  }
  const box = el.type === "radio" || el.type === "checkbox";
  const target = box ? document.querySelector(`label[for="${el.id}"]`) : el;
  const look = () => {
    const s = getComputedStyle(target, box ? "::before" : null);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.backgroundColor,
            s.color, s.borderColor].join("|");
  };
  const focused = look();
  el.blur();
  const blurred = look();
  el.focus();
  const text = box ? target.innerText : (el.innerText || el.value || "");
  return {tag: el.tagName, type: el.type || "", id: el.id, checked: !!el.checked,
          testid: el.dataset.testid || "", text: text.trim(), changed: focused !== blurred};
}"""
MOST_TABS = 150


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def tab_to(page, wanted, describe) -> dict:
    """Presses Tab until ``wanted(element)`` and checks the element shows its focus."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        element = focused(page)
        if wanted(element):
            assert element["changed"], f"no visible focus on {describe}: {element}"
            return element
    pytest.fail(f"{describe} cannot be reached with the Tab key")


def press_enter_and_wait(page):
    with page.expect_navigation():
        page.keyboard.press("Enter")


def assert_success_banner_has_focus(page, message):
    element = focused(page)
    assert element["testid"] == "success-banner", element
    assert element["changed"], f"the focused banner does not look focused: {element}"
    assert message in element["text"]


def sign_in_with_keyboard(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    tab_to(page, lambda e: e["tag"] == "INPUT" and e["type"] == "email", "the email field")
    page.keyboard.type(email)
    tab_to(page, lambda e: e["type"] == "password", "the password field")
    page.keyboard.type(DEMO_PASSWORD)
    press_enter_and_wait(page)
    assert page.url == f"{live_server.url}/"


def open_criterion(page, ref):
    tab_to(
        page,
        lambda e: e["text"] == "Improving Working Lives self-assessment 2026/27",
        "the assessment on the home page",
    )
    press_enter_and_wait(page)
    tab_to(page, lambda e: e["text"].startswith(f"{ref} "), f"criterion {ref}")
    press_enter_and_wait(page)
    assert re.search(rf"Criterion {ref}\b", page.title())


def test_rate_save_submit_and_co_sign_with_the_keyboard_only(
    browser, live_server, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    seed_demo()

    # Given the HR lead, with a keyboard and no JavaScript, on a criterion not yet reviewed
    hr = browser.new_context(java_script_enabled=False).new_page()
    sign_in_with_keyboard(hr, live_server, "hr.lead@northshire.example")
    open_criterion(hr, "HR7")

    # When they move to the rating with Tab and choose "In place for all staff groups"
    first = tab_to(hr, lambda e: e["type"] == "radio", "the rating")
    assert first["id"].startswith("id_rating_")
    for _ in range(4):
        if focused(hr)["text"].startswith("In place for all staff groups"):
            break
        hr.keyboard.press("ArrowDown")
    rating = focused(hr)
    assert rating["checked"] and rating["text"].startswith("In place for all staff groups")
    assert rating["changed"], "no visible focus on the chosen rating"

    # And save with the Save button
    tab_to(hr, lambda e: e["tag"] == "BUTTON" and e["text"] == "Save", "the Save button")
    press_enter_and_wait(hr)

    # Then the success banner has focus, and the rating is saved
    assert_success_banner_has_focus(hr, "Saved")
    response = Response.objects.get(
        assessment__period="2026/27", criterion__ref="HR7", assessment__organisation__ods_code="Z9A"
    )
    assert response.rating == 3

    # When they submit it for the staff side's review
    tab_to(hr, lambda e: e["text"] == "Submit for staff-side review", "the Submit button")
    press_enter_and_wait(hr)
    assert_success_banner_has_focus(hr, "HR7 submitted for staff-side review")

    # Then the staff-side lead, with a keyboard (and JavaScript), co-signs it
    staff = browser.new_context().new_page()
    sign_in_with_keyboard(staff, live_server, "staff.rep@northshire.example")
    open_criterion(staff, "HR7")
    tab_to(staff, lambda e: e["type"] == "radio" and e["text"] == "Agree", "Agree")
    staff.keyboard.press("Space")
    assert focused(staff)["checked"]
    tab_to(staff, lambda e: e["text"] == "Sign for the staff side", "the Sign button")
    press_enter_and_wait(staff)
    assert_success_banner_has_focus(staff, "Signed HR7 for the staff side")
    response.refresh_from_db()
    assert response.state == Response.State.AGREED
