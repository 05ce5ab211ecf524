"""The API docs page (/api/v1/docs) is Swagger UI from Ombud's own static files: no CDN, no
inline script, so it works under Ombud's CSP (issue 8, item 9). The browser check that it
actually renders is ombud/tests/test_api_docs_browser.py."""

import hashlib
import re
from pathlib import Path

import pytest
from django.test import Client

from ombud.security import CSP

VENDOR = Path(__file__).resolve().parent.parent / "static" / "vendor"


def test_the_docs_page_loads_only_same_origin_static_files(db):
    r = Client().get("/api/v1/docs")
    assert r.status_code == 200
    assert r["Content-Security-Policy"] == CSP and "script-src 'self';" in CSP
    html = r.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>", html)
    sources = [m.group(1) for attrs in scripts if (m := re.search(r'src="([^"]+)"', attrs))]
    assert sources == ["/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/js/api-docs.js"]
    # Every other script element is data (the settings), which a CSP does not execute.
    assert [a for a in scripts if "src=" not in a] == [' id="swagger-settings" type="application/json"']
    links = re.findall(r'<link\b[^>]*href="([^"]+)"', html)
    assert links and all(href.startswith("/static/") for href in links)
    assert "cdn" not in html.lower() and "//" not in html.replace("<!DOCTYPE html>", "")


@pytest.mark.parametrize(
    "url",
    [
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/static/vendor/swagger-ui/swagger-ui.css",
        "/static/js/api-docs.js",
    ],
)
def test_the_docs_files_are_served(db, url):
    r = Client().get(url)
    assert r.status_code == 200
    body = b"".join(r.streaming_content) if r.streaming else r.content
    assert body == (VENDOR.parent / url.removeprefix("/static/")).read_bytes()


def test_the_vendored_files_are_the_ones_recorded_in_vendored_md():
    table = (VENDOR / "VENDORED.md").read_text()
    for name in ("swagger-ui/swagger-ui-bundle.js", "swagger-ui/swagger-ui.css"):
        digest = hashlib.sha256((VENDOR / name).read_bytes()).hexdigest()
        assert f"`{name}`" in table and digest in table, name
    for licence in ("LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt"):
        assert (VENDOR / "swagger-ui" / licence).exists()


def test_the_schema_the_page_reads_is_served(db):
    r = Client().get("/api/v1/openapi.json")
    assert r.status_code == 200 and "/api/v1/auth/token" in r.json()["paths"]
