"""Writes in the directory: API tokens (users and organizations are edited in the admin).

A token lives `OMBUD_API_TOKEN_TTL_HOURS` (12 by default) and dies earlier when its holder logs
out of a page session, changes password or is deactivated (`directory/signals.py`), or when
the client revokes it (`DELETE /api/v1/auth/token`). Only its SHA-256 is stored, so a revoked
token is simply a deleted row (docs/api.md).

The API looks a token up in a per-process cache first (`user_for_token(raw, generation=...)`),
valid under the cache generation the request read (directory/generation.py): deleting a token,
or changing its user or the user's organization in any way, changes the generation, so every
process asks the database again on its next request.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.directory.generation import ProcessCache
from ombud.directory.models import ApiToken, User
from ombud.errors import DomainError

# token digest → (the user with their organization, the token's expiry); never handed out as is
_tokens: ProcessCache[str, tuple[User, datetime]] = ProcessCache("api tokens")


class BadCredentials(DomainError):
    status = 401
    code = "bad_credentials"


def token_digest(raw: str) -> str:
    """What is stored of a bearer token: its SHA-256, never the token."""
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(request: HttpRequest, username: str, password: str) -> tuple[str, ApiToken]:
    """Check the password (with django-axes' lockout) and issue a bearer token."""
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        raise BadCredentials(_("Wrong username or password, or the account is locked."))
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        digest=token_digest(raw),
        expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
    )
    return raw, token


def user_for_token(raw: str, *, generation: int | None = None) -> User | None:
    """The active user a bearer token belongs to, in one query; None if unknown or expired.

    With the cache `generation` this request read (directory/generation.py), a token found
    before under the same generation costs no query; the user is a copy of its own each time,
    so that nothing a request sets on it reaches the next one."""
    if not raw or len(raw) > 200:
        return None
    digest = token_digest(raw)
    now = timezone.now()
    cached = _tokens.get(digest, generation)
    if cached is not None:
        user, expires_at = cached
        return _own_copy(user) if expires_at > now else None
    try:
        # .get() on the unique digest: .first() would add the model's ORDER BY for nothing.
        token = ApiToken.objects.select_related("user", "user__organization").get(
            digest=digest, expires_at__gt=now, user__is_active=True
        )
    except ApiToken.DoesNotExist:
        return None
    if generation is not None:
        _tokens.put(digest, (token.user, token.expires_at), generation)
        return _own_copy(token.user)
    return token.user


def _own_copy(user: User) -> User:
    """A copy of a cached user and of its organization (Django copies a model instance's
    fields and its cache of related objects, not the related objects themselves)."""
    clone = copy.copy(user)
    organization = user._state.fields_cache.get("organization")
    if organization is not None:
        clone._state.fields_cache["organization"] = copy.copy(organization)
    return clone


def revoke_token(raw: str) -> bool:
    """Revoke one bearer token (the client's own, on `DELETE /auth/token`); True if it existed."""
    if not raw or len(raw) > 200:
        return False
    deleted, _per_model = ApiToken.objects.filter(digest=token_digest(raw)).delete()
    return deleted > 0


def revoke_tokens(user: User) -> int:
    """Revoke every token of a user (logout, password change, deactivation); how many there were."""
    deleted, _per_model = ApiToken.objects.filter(user_id=user.pk).delete()
    return deleted
