"""API tokens die with the reasons to trust them: logout, a new password, deactivation, an
explicit revocation, and their lifetime (issue 8, item 9)."""

from datetime import timedelta

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.test import Client
from django.utils import timezone

from ombud.directory.models import ApiToken, User
from ombud.testing import PASSWORD

pytestmark = pytest.mark.django_db


def _token(username: str = "officer", password: str = PASSWORD) -> str:
    r = Client().post(
        "/api/v1/auth/token", {"username": username, "password": password}, content_type="application/json"
    )
    assert r.status_code == 200, r.content
    return r.json()["token"]


def _status(token: str) -> int:
    return Client().get("/api/v1/campaigns", HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def test_a_token_lives_12_hours_by_default(world, settings):
    assert settings.API_TOKEN_TTL_HOURS == 12
    before = timezone.now()
    r = Client().post(
        "/api/v1/auth/token", {"username": "officer", "password": PASSWORD}, content_type="application/json"
    )
    token = ApiToken.objects.get(user=world.officer)
    assert timedelta(hours=12) <= token.expires_at - before <= timedelta(hours=12, seconds=5)
    assert r.json()["expires_at"] == token.expires_at.isoformat()


def test_the_lifetime_is_configurable_and_an_expired_token_is_refused(world, settings):
    settings.API_TOKEN_TTL_HOURS = 1
    token = _token()
    row = ApiToken.objects.get(user=world.officer)
    assert row.expires_at - timezone.now() <= timedelta(hours=1)
    assert _status(token) == 200
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _status(token) == 401


def test_delete_revokes_the_presented_token_only(world):
    first, second = _token(), _token()
    r = Client().delete("/api/v1/auth/token", HTTP_AUTHORIZATION=f"Bearer {first}")
    assert r.status_code == 204 and r.content == b""
    assert _status(first) == 401
    assert _status(second) == 200
    # The revoked token cannot revoke again: it no longer authenticates.
    again = Client().delete("/api/v1/auth/token", HTTP_AUTHORIZATION=f"Bearer {first}")
    assert again.status_code == 401 and again.json()["error"]["code"] == "unauthenticated"
    assert ApiToken.objects.filter(user=world.officer).count() == 1


def test_delete_without_a_token_is_401(world):
    r = Client().delete("/api/v1/auth/token")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"


def test_a_token_is_refused_after_the_user_logs_out_of_the_site(world):
    token = _token()
    page = Client()
    page.force_login(world.officer)
    assert _status(token) == 200
    assert page.post("/accounts/logout/").status_code == 302
    assert _status(token) == 401
    assert not ApiToken.objects.filter(user=world.officer).exists()


def test_logging_out_revokes_only_that_users_tokens(world):
    mine, theirs = _token("officer"), _token("sz_officer")
    page = Client()
    page.force_login(world.officer)
    page.post("/accounts/logout/")
    assert (_status(mine), _status(theirs)) == (401, 200)


def test_a_token_is_refused_after_a_password_change(world):
    token = _token()
    user = User.objects.get(pk=world.officer.pk)
    user.set_password("a brand new passphrase 42")
    user.save()
    assert _status(token) == 401
    assert _status(_token(password="a brand new passphrase 42")) == 200


def test_a_token_is_refused_after_a_password_change_through_the_form(world):
    """The form the admin's password page and the password-reset flow use."""
    token = _token()
    form = SetPasswordForm(
        User.objects.get(pk=world.officer.pk),
        {"new_password1": "another long passphrase 7", "new_password2": "another long passphrase 7"},
    )
    assert form.is_valid(), form.errors
    form.save()
    assert _status(token) == 401


def test_a_token_is_refused_after_an_unusable_password_is_set(world):
    token = _token()
    user = User.objects.get(pk=world.officer.pk)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    assert _status(token) == 401


def test_a_token_is_refused_after_deactivation_and_stays_dead_after_reactivation(world):
    token = _token()
    user = User.objects.get(pk=world.officer.pk)
    user.is_active = False
    user.save()
    assert _status(token) == 401
    assert not ApiToken.objects.filter(user=world.officer).exists()
    user.is_active = True
    user.save()
    assert _status(token) == 401


def test_an_unrelated_save_keeps_the_token(world, django_assert_num_queries):
    token = _token()
    user = User.objects.get(pk=world.officer.pk)
    user.first_name = "Wei"
    user.save()
    assert _status(token) == 200
    # The last_login update at every sign-in reads nothing more.
    with django_assert_num_queries(1):
        user.last_login = timezone.now()
        user.save(update_fields=["last_login"])
    assert _status(token) == 200


def test_a_session_login_keeps_the_users_tokens(world):
    token = _token()
    assert Client().post("/accounts/login/", {"username": "officer", "password": PASSWORD}).status_code == 302
    assert _status(token) == 200
