"""API tokens die with the reasons to trust them: a logout, a new password, a deactivation.

Wired in `DirectoryConfig.ready()`. The hooks are Django's own signals, so every path is
covered: the logout view (`user_logged_out`), and any save of a user whose stored password
hash or `is_active` changed (`pre_save` reads the stored row, `post_save` revokes): the
password-change page, the admin, `createsuperuser`/`changepassword`, `set_password()` or
`set_unusable_password()` followed by `save()`. As with Django's own sessions, a password hash
upgraded at login (a new hasher or new Argon2 parameters) is a changed hash too.

Not covered, because no signal is sent: `User.objects.filter(...).update(...)`. A token of a
user deactivated that way is still refused (`user_for_token` requires an active user) and is
revoked at the user's next save.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from ombud.directory.models import User
from ombud.directory.services import revoke_tokens

_WATCHED = {"password", "is_active"}


@receiver(user_logged_out, dispatch_uid="ombud.directory.revoke_tokens_on_logout")
def _revoke_on_logout(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None and user.pk is not None:
        revoke_tokens(user)


@receiver(pre_save, sender=User, dispatch_uid="ombud.directory.note_credential_change")
def _note_credential_change(sender: Any, instance: User, raw: bool = False, update_fields=None, **kwargs: Any) -> None:
    instance._ombud_revoke_tokens = False
    if raw or instance.pk is None or instance._state.adding:
        return
    if update_fields is not None and not _WATCHED & set(update_fields):
        return  # e.g. the last_login update at every sign-in: no extra query
    stored = sender._default_manager.filter(pk=instance.pk).values("password", "is_active").first()
    if stored is None:
        return
    password_changed = stored["password"] != instance.password
    deactivated = stored["is_active"] and not instance.is_active
    instance._ombud_revoke_tokens = password_changed or deactivated


@receiver(post_save, sender=User, dispatch_uid="ombud.directory.revoke_tokens_on_credential_change")
def _revoke_on_credential_change(sender: Any, instance: User, created: bool = False, **kwargs: Any) -> None:
    if getattr(instance, "_ombud_revoke_tokens", False):
        instance._ombud_revoke_tokens = False
        revoke_tokens(instance)
