"""The receipt leads somewhere: the tracking address in words and as a QR code (drawn on the
server, no request elsewhere), the hotline, only true promises; printable on A4 and 80 mm."""

import re

import pytest
from django.urls import reverse

from ombud.intake import receipts
from ombud.intake.models import Visit
from ombud.intake.services import VisitInput, record_visit
from ombud.intake.tracking import tracking_url

pytestmark = pytest.mark.django_db


def a_visit(world, **overrides) -> Visit:
    fields = {
        "site_id": world.site_mm.pk,
        "kind": "complaint",
        "visitor_name": "李秀英",
        "visitor_phone": "13812345678",
        "company_id": world.company_a_maoming.pk,
        "product_line": "health_illness",
        "summary": "重疾险理赔被拒。",
        "outcome": "resolved_on_site",
    }
    fields.update(overrides)
    return record_visit(world.staff_mm, VisitInput(**fields)).visit


def english(client):
    client.cookies["django_language"] = "en"
    return client


def test_the_qr_code_is_an_inline_svg_of_the_text():
    svg = receipts.qr_svg("https://ombud.example/track/?no=2612071234567890", title="QR <code>")
    assert svg.startswith('<svg role="img" viewBox="0 0 ') and svg.endswith("</svg>")
    assert "<title>QR &lt;code&gt;</title>" in svg
    assert "http" not in svg.replace("<title>QR &lt;code&gt;</title>", "")  # nothing to fetch: one path
    # The same text gives the same code, another text another one.
    assert receipts.qr_svg("a") == receipts.qr_svg("a") != receipts.qr_svg("b")


def test_the_receipt_shows_the_tracking_address_its_qr_code_and_the_hotline(world, settings):
    settings.OMBUD_PUBLIC_URL = "https://ombud.example"
    v = a_visit(world)
    html = english(world.browser_client(world.staff_mm)).get(reverse("intake:receipt", args=[v.pk])).content.decode()
    url = tracking_url(v.tracking_no)
    assert url == f"https://ombud.example/track/?no={v.tracking_no}"
    assert f'<a href="{url}">{url}</a>' in html
    svg = re.search(r'<svg role="img".*?</svg>', html, re.S).group(0)
    assert svg == receipts.qr_svg(url, title="QR code of the tracking address")
    # The secret code is printed, but neither in the address nor in the code.
    assert v.secret_code in html and v.secret_code not in url and v.secret_code not in svg
    assert svg != receipts.qr_svg(f"{url}&code={v.secret_code}", title="QR code of the tracking address")
    assert "hotline 12378" in html
    # Promises only what Ombud does: follow, read the decision, rate, ask for a review.
    assert "rate the outcome" in html and "ask for a review" in html


def test_a_consultation_receipt_promises_no_decision(world):
    v = a_visit(world, kind="consultation", company_id=None, product_line="", outcome="")
    html = english(world.browser_client(world.staff_mm)).get(reverse("intake:receipt", args=[v.pk])).content.decode()
    assert tracking_url(v.tracking_no) in html and "rate the outcome" not in html


@pytest.mark.parametrize(
    ("query", "paper"), [("", "a4"), ("?paper=a4", "a4"), ("?paper=80mm", "80mm"), ("?paper=x", "a4")]
)
def test_the_receipt_prints_on_a4_or_an_80mm_roll(world, query, paper):
    v = a_visit(world)
    response = world.browser_client(world.staff_mm).get(reverse("intake:receipt", args=[v.pk]) + query)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(rf'<body class="[^"]*\bpaper-{paper}\b', html)
    assert 'href="?paper=80mm"' in html and 'href="?paper=a4"' in html
