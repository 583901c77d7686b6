import pytest

from assessments.demo import DEMO_PASSWORD, seed_demo
from tests.e2e.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.smoke
def test_hr_lead_signs_in_and_sees_only_their_trust(page, live_server, console_errors):
    # Given the demo trusts
    seed_demo()

    # When the Northshire HR lead signs in through the real sign-in page
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    assert_accessible(page)
    sign_in(page, live_server, "hr.lead@northshire.example", DEMO_PASSWORD)

    # Then the home page shows Northshire, its header and nothing of Southdale
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Your organisations").is_visible()
    assert page.get_by_role("link", name="Northshire Community NHS Trust").first.is_visible()
    assert "Southdale" not in page.content()
    assert (
        page.get_by_test_id("current-organisation").inner_text().strip()
        == "Northshire Community NHS Trust"
    )
    assert_accessible(page)

    # And the NHS.UK styles loaded (the header is NHS blue), with no CSP or script errors
    header_colour = page.eval_on_selector(
        ".nhsuk-header", "el => getComputedStyle(el).backgroundColor"
    )
    assert header_colour == "rgb(0, 94, 184)"
    assert console_errors == []

    # When they sign out, they are back at the sign-in page
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")


def test_wrong_password_shows_error_summary(page, live_server, console_errors):
    # Given the demo trusts
    seed_demo()

    # When someone signs in with the wrong password
    sign_in(page, live_server, "hr.lead@northshire.example", "not-the-password")

    # Then the page says there is a problem, in the title and the error summary
    assert page.title().startswith("Error: ")
    assert page.get_by_role("alert").get_by_text("There is a problem").is_visible()
    assert_accessible(page)
    assert console_errors == []
