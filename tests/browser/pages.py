"""What the browser tests share: viewports, the log-in steps, and checks run in the page."""

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
SELECTED_TEXT = "(t => t.value.slice(t.selectionStart, t.selectionEnd))(document.activeElement)"


def log_in(page, username: str, next_url: str = "/") -> None:
    """Log in through the login page, as a person would (every test user's password is "pw")."""
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: url.endswith(next_url) and "/accounts/login/" not in url)
