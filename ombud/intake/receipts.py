"""What a receipt shows besides the visit: the tracking address and its QR code.

The code is drawn here, on the server, by segno (a maintained pure-Python QR library) as an
inline SVG: no image request leaves the page, nothing is fetched from a third party, and the
Content-Security-Policy (ombud/security.py) needs no exception. It encodes the tracking address
(`tracking.tracking_url`), which carries the tracking number but never the secret code: a
photo of the QR code alone opens nothing.
"""

from __future__ import annotations

import segno
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ombud.intake.tracking import format_tracking_no, tracking_url

PAPERS = ("a4", "80mm")  # A4 (a desk printer) or an 80 mm thermal roll


def qr_svg(text: str, *, title: str = "") -> SafeString:
    """`text` as a QR code (error correction M, the standard 4-module quiet zone): an inline
    SVG sized by CSS (a viewBox, no width or height), `title` its accessible name."""
    qr = segno.make(text, error="m", micro=False)
    svg = qr.svg_inline(
        scale=1, border=4, omitsize=True, svgclass="receipt-qr", lineclass=None, light="#fff", title=title or None
    )
    # segno escapes the title; everything else is its own markup.
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308


def receipt_context(tracking_no: str, code: str) -> dict[str, str]:
    """The variables `intake/_receipt.html` takes besides `visit`: tracking_no (formatted),
    code, tracking_url, qr_svg, hotline. The site's receipt and the online filing's use it."""
    url = tracking_url(tracking_no)
    return {
        "tracking_no": format_tracking_no(tracking_no),
        "code": code,
        "tracking_url": url,
        "qr_svg": qr_svg(url, title=_("QR code of the tracking address")),
        "hotline": settings.OMBUD_HOTLINE,
    }


def paper(value: str | None) -> str:
    """The paper a receipt is printed on: `?paper=80mm` for a thermal printer, else A4."""
    return value if value in PAPERS else "a4"
