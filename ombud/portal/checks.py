"""`ombud check --deploy`: the public side's deployment warnings."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def sms_backend_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """The console and file SMS backends send nothing: they log or store the one-time codes and
    tracking codes in clear (for development and the demo, /dev/sms/ shows them)."""
    backend = settings.OMBUD_SMS_BACKEND
    if backend in ("console", "file"):
        return [
            checks.Warning(
                f"OMBUD_SMS_BACKEND is {backend!r}: text messages are not sent, and their one-time codes are "
                "written to the log or a file and shown on /dev/sms/.",
                hint="Set OMBUD_SMS_BACKEND=gateway with OMBUD_SMS_GATEWAY_URL and OMBUD_SMS_GATEWAY_KEY.",
                id="portal.W001",
            )
        ]
    return []
