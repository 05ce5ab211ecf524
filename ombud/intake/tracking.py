"""Public identifiers of a visit: a tracking number and a secret code.

The tracking number is the local date plus ten random digits: it cannot be enumerated and is
easy to read out on the phone. It alone reveals nothing: the public tracking page also asks
for the secret code, eight characters from an alphabet without look-alikes (no 0/O, 1/I/L).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.utils import timezone

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_tracking_no(received_at: datetime) -> str:
    day = timezone.localtime(received_at).strftime("%y%m%d")
    return day + "".join(secrets.choice("0123456789") for _ in range(10))


def new_secret_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def format_tracking_no(tracking_no: str) -> str:
    """2403241234567890 → 240324 1234 5678 90, as printed on the receipt."""
    return " ".join([tracking_no[:6], tracking_no[6:10], tracking_no[10:14], tracking_no[14:]]).strip()


def tracking_url(tracking_no: str) -> str:
    """The public address where a consumer follows a visit: printed on the receipt, encoded in
    its QR code and sent by SMS. It carries the number, never the secret code (asked on the
    page)."""
    from django.conf import settings

    return f"{settings.OMBUD_PUBLIC_URL}/track/?no={tracking_no}"
