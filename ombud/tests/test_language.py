"""Pages speak Simplified Chinese unless the user switches; the switch sticks."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_english_browser_still_gets_chinese_until_it_switches():
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert page.headers["Content-Language"] == "zh-hans"
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert client.get("/accounts/login/").headers["Content-Language"] == "en"


def test_an_unknown_language_cookie_falls_back_to_chinese():
    client = Client()
    client.cookies["django_language"] = "xx"
    assert client.get("/accounts/login/").headers["Content-Language"] == "zh-hans"
