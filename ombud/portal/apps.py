from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _forget_company_index(sender: Any, **kwargs: Any) -> None:
    """A company added, renamed or removed in this process: the search index is rebuilt on the
    next search (other processes notice within a minute, portal/filing/queries.py)."""
    from ombud.portal.filing.queries import forget_company_index

    forget_company_index()


class PortalConfig(AppConfig):
    name = "ombud.portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ombud.directory.models import Organization
        from ombud.portal import checks, limits  # noqa: F401 (checks registers the deploy check)

        limits.trusted_proxies()  # a bad OMBUD_TRUSTED_PROXIES stops the start, with its message
        # Strong references: the receiver is a module-level function.
        post_save.connect(_forget_company_index, sender=Organization, dispatch_uid="portal.company_index.save")
        post_delete.connect(_forget_company_index, sender=Organization, dispatch_uid="portal.company_index.delete")
