"""Guessing is slowed down: failed log-ins lock a username at an address, failed API tokens an address.

The probe that found this tried 30 wrong passwords and then the right one, and got in; these
tests replay it against the login page, the admin and the API.
"""
from datetime import timedelta

import pytest
from django.core.cache import caches
from rest_framework.authtoken.models import Token

from meshport import authentication

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture
def alice(make_user):
    return make_user("alice")  # password "pw"


def _log_in(client, username, password, *, url=LOGIN, ip="203.0.113.7"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _window_passes():
    from axes.models import AccessAttempt

    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= authentication.login_cooloff() + timedelta(seconds=1)
        attempt.save(update_fields=["attempt_time"])


def test_thirty_wrong_passwords_then_the_right_one_is_refused(client, alice, settings):
    for _ in range(30):
        _log_in(client, "alice", "wrong")
    response = _log_in(client, "alice", "pw")
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert f"{settings.AXES_COOLOFF_TIME.seconds // 60} minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_starts_at_the_limit_and_lifts_when_the_window_passes(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _log_in(client, "alice", "wrong").status_code == 200  # the form again, with its error
    assert _log_in(client, "alice", "pw").status_code == 302  # under the limit: the right password works
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _log_in(client, "alice", "wrong")
    assert _log_in(client, "alice", "pw").status_code == 429
    _window_passes()
    assert _log_in(client, "alice", "pw").status_code == 302
    assert "_auth_user_id" in client.session


def test_the_lock_is_for_that_username_at_that_address(client, alice, make_user, settings):
    make_user("bob")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _log_in(client, "alice", "wrong")
    assert _log_in(client, "bob", "pw").status_code == 302
    client.logout()
    assert _log_in(client, "alice", "pw", ip="198.51.100.2").status_code == 302


def test_the_admin_login_is_locked_too(client, make_user, settings):
    make_user("root", is_staff=True, is_superuser=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _log_in(client, "root", "wrong", url="/admin/login/")
    assert _log_in(client, "root", "pw", url="/admin/login/").status_code == 429
    assert client.get("/admin/").status_code == 302  # still not logged in


# --- API tokens ----------------------------------------------------------------------------------


@pytest.fixture
def token_cache(settings):
    """A real cache for the token counter (the suite's settings give it a dummy one)."""
    settings.CACHES = {**settings.CACHES, "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                                         "LOCATION": "token-throttle-tests"}}
    yield caches["throttle"]
    caches["throttle"].clear()


def _get(api, token, ip="203.0.113.7"):
    return api.get("/api/products/", HTTP_AUTHORIZATION=f"Token {token}", REMOTE_ADDR=ip)


def test_wrong_tokens_lock_the_address_even_for_the_right_token(api, alice, token_cache, settings):
    key = Token.objects.create(user=alice).key
    for _ in range(settings.MESHPORT_TOKEN_FAILURE_LIMIT):
        assert _get(api, "0" * 40).status_code == 401
    response = _get(api, key)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= settings.MESHPORT_TOKEN_FAILURE_WINDOW
    assert "Too many failed token attempts" in response.json()["detail"]
    assert _get(api, key, ip="198.51.100.2").status_code == 200  # another address is not locked


def test_bearer_tokens_count_the_same(api, alice, token_cache, settings):
    for _ in range(settings.MESHPORT_TOKEN_FAILURE_LIMIT):
        api.get("/api/products/", HTTP_AUTHORIZATION="Bearer nope", REMOTE_ADDR="203.0.113.7")
    assert _get(api, "nope").status_code == 429


def test_the_token_lock_lifts_when_the_window_passes(api, alice, token_cache, settings, monkeypatch):
    key = Token.objects.create(user=alice).key
    for _ in range(settings.MESHPORT_TOKEN_FAILURE_LIMIT):
        _get(api, "0" * 40)
    assert _get(api, key).status_code == 429
    later = authentication.now() + settings.MESHPORT_TOKEN_FAILURE_WINDOW
    monkeypatch.setattr(authentication, "now", lambda: later)
    assert _get(api, key).status_code == 200


def test_right_tokens_are_not_counted(api, alice, token_cache, settings):
    key = Token.objects.create(user=alice).key
    for _ in range(settings.MESHPORT_TOKEN_FAILURE_LIMIT + 5):
        assert _get(api, key).status_code == 200
