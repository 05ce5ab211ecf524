"""The public home at `/`: anonymous visitors and accounts without a role get it; staff keep
their start page."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_an_anonymous_visitor_gets_the_public_home():
    response = Client().get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="home-offers"' in html and 'id="home-track"' in html
    assert 'href="tel:12378"' in html


def test_the_hotline_is_the_configured_one(settings):
    settings.OMBUD_HOTLINE = "95511"
    assert 'href="tel:95511"' in Client().get("/").content.decode()


def test_the_home_links_every_offer_and_public_page(client):
    client.cookies["django_language"] = "en"
    html = client.get("/").content.decode()
    for kind in ("complaint", "consultation", "suggestion"):
        assert f"/file/?kind={kind}" in html
    assert reverse("portal:track") in html
    assert reverse("oversight:typical-public-list") in html
    assert reverse("publication:public-list") in html
    assert "/consultations/" in html
    assert "File a complaint" in html and "Coming later" in html
    # The director's reception day is not built yet: said plainly, with no link.
    assert (
        'id="home-reception-day"' in html
        and "<a" not in html.split('id="home-reception-day"')[1].split("</article>")[0]
    )


def test_the_public_home_shows_no_staff_navigation(client, world):
    for c in (Client(), world.browser_client(world.nobody)):
        html = c.get("/").content.decode()
        assert reverse("intake:new") not in html and reverse("cases:queue") not in html
        assert "publicnav" in html


def test_a_signed_in_user_without_a_role_gets_the_public_home(world):
    response = world.browser_client(world.nobody).get("/")
    assert response.status_code == 200 and 'id="home-offers"' in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "start"),
    [
        ("staff_mm", "intake:new"),
        ("handler_a", "cases:queue"),
        ("handler_b", "cases:queue"),
        ("officer", "reports:campaigns"),
        ("admin", "reports:campaigns"),
        ("officer_no_bureau", "reports:campaigns"),
    ],
)
def test_staff_keep_their_start_page(world, persona, start):
    response = world.browser_client(getattr(world, persona)).get("/")
    assert response.status_code == 302 and response["Location"] == reverse(start)


def test_a_post_to_the_public_home_is_refused():
    assert Client().post("/").status_code == 405


def test_staff_can_find_the_sign_in_page_from_the_home():
    assert reverse("login") in Client().get("/").content.decode()
