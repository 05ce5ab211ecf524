"""The API docs page renders in headless Chromium under Ombud's own CSP: Swagger UI draws every
operation, calls the API from the page, and nothing is refused or fetched from elsewhere
(issue 8, item 9). A transactional test (live server), alone in its file."""

import pytest

from ombud.testing import SHOTS

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_swagger_ui_renders_every_operation_under_the_csp(live_server, browser_page):
    from django.test import Client

    page, errors = browser_page
    base = live_server.url
    foreign: list[str] = []
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(base) else None)

    spec = Client().get("/api/v1/openapi.json").json()
    operations = sum(
        1 for item in spec["paths"].values() for method in item if method in {"get", "post", "put", "delete"}
    )
    page.goto(base + "/api/v1/docs")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Ombud API" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() == operations
    assert page.locator('.opblock-delete [data-path="/api/v1/auth/token"]').count() == 1

    # Try one call from the page (a public route): Swagger UI's fetch is allowed by connect-src.
    op = page.locator('.opblock-get:has([data-path="/api/v1/public/typical-cases"])').first
    op.locator(".opblock-summary").click()
    op.get_by_role("button", name="Try it out").click()
    op.get_by_role("button", name="Execute").click()
    status = op.locator(".live-responses-table tr.response .response-col_status")
    status.wait_for()
    assert status.inner_text().strip() == "200"
    page.screenshot(path=str(SHOTS / "api-docs.png"), full_page=False)

    assert errors == []  # no CSP refusal (a console error), no script error, no 4xx/5xx
    assert foreign == []  # no CDN, no validator badge
