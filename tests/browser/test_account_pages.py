"""The account pages around logging in, in Meshport's own style (not Django admin's), through the same
checks as every page (``check_open_page``: both widths, no overflow, no console error, no critical or
serious axe-core violation, screenshots): forgotten password (ask, sent, a dead link, the new
password's form, done), password change (form, done), logged out, and locked out after too many
failed log-ins."""
import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.browser.inspect import _collect_errors, check_open_page
from tests.browser.pages import DESKTOP, PHONE, log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
NEW_PASSWORD = "a-longer-secret-for-42-days"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_password_pages_and_logging_out(open_page, make_user, viewport):
    pat = make_user("pat", email="pat@example.org")
    width = viewport["width"]
    page = open_page(viewport=viewport)
    errors = _collect_errors(page)

    def look(name):
        check_open_page(page, name, width, errors)
        assert "Django" not in page.title(), name

    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    look("password-reset")
    page.get_by_label("Email").fill("pat@example.org")
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_url("**/accounts/password_reset/done/")
    look("password-reset-sent")
    page.goto("/accounts/reset/MQ/no-such-token/")
    assert "This link no longer works" in page.locator("main").inner_text()
    look("password-reset-dead-link")
    page.goto(f"/accounts/reset/{urlsafe_base64_encode(force_bytes(pat.pk))}/{default_token_generator.make_token(pat)}/")
    page.wait_for_url("**/set-password/")
    look("password-reset-new")
    page.goto("/accounts/reset/done/")
    look("password-reset-complete")

    log_in(page, "pat")
    page.goto("/accounts/password_change/")
    look("password-change")
    page.get_by_label("Old password").fill("pw")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    page.wait_for_url("**/accounts/password_change/done/")
    look("password-changed")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/logout/")
    look("logged-out")


def test_locked_out_after_too_many_failed_log_ins(open_page, make_user, settings):
    """The lock-out answers 429 (Chromium reports the document's own status as a console error,
    the point of the page; nothing else may fail)."""
    make_user("pat")
    for viewport in (DESKTOP, PHONE):
        page = open_page(viewport=viewport)
        errors = _collect_errors(page)
        statuses = []
        page.on("response", lambda r, statuses=statuses: statuses.append(r.status) if r.request.method == "POST" else None)
        for _ in range(settings.AXES_FAILURE_LIMIT + 1):
            page.goto("/accounts/login/")
            page.get_by_label("Username").fill("pat")
            page.get_by_label("Password").fill("wrong")
            page.get_by_role("button", name="Log in").click()
            page.wait_for_load_state()
            if statuses[-1] == 429:
                break
        assert statuses[-1] == 429
        assert "Too many failed log-ins" in page.get_by_role("alert").inner_text()
        errors[:] = [e for e in errors if "the server responded with a status of 429" not in e]
        check_open_page(page, "locked-out", viewport["width"], errors)
