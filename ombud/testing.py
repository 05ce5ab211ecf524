"""Personas and a small world for tests: regulator, site staff, company A, company B, public.

Every test that touches access uses these, so that "a company never sees another company's
visits" is checked the same way everywhere (in the manner of healthchecks' hc/test.py).
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from ombud.campaigns.models import Campaign, Site
from ombud.campaigns.services import roster
from ombud.directory.models import ApiToken, Jurisdiction, Organization, Region, Staff, User
from ombud.directory.services import token_digest

# The zone tests write wall-clock times in: the project's TIME_ZONE (Asia/Shanghai).
SHANGHAI = timezone.get_default_timezone()
PASSWORD = "correct horse battery staple"
GUANGZHOU, MAOMING, SHENZHEN = "440100", "440900", "440300"


class ApiClient:
    """A test client that speaks JSON with a bearer token."""

    def __init__(self, user: User | None):
        self.client = Client()
        self.user = user
        self.headers = {}
        if user is not None:
            raw = secrets.token_urlsafe(16)
            ApiToken.objects.create(user=user, digest=token_digest(raw), expires_at=timezone.now() + timedelta(days=1))
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"

    def get(self, path: str, **params):
        return self.client.get(path, params, **self.headers)

    def post(self, path: str, body=None, *, raw: bytes | None = None, **headers):
        data = raw if raw is not None else json.dumps(body)
        return self.client.post(path, data, content_type="application/json", **self.headers, **headers)


@dataclass
class World:
    gd_bureau: Organization
    sz_bureau: Organization
    company_a: Organization  # 中国人寿, head office
    company_a_maoming: Organization  # its Maoming branch
    company_b: Organization  # 中国平安财产
    campaign: Campaign
    site_gz: Site
    site_mm: Site
    admin: User  # regulator admin, no bureau, nationwide: sees everything
    officer: User  # Guangdong bureau officer
    sz_officer: User  # Shenzhen bureau officer: sees none of Guangdong's 20 cities
    staff_mm: User  # site staff rostered at Maoming
    handler_a: User
    handler_b: User
    nobody: User  # signed in, no role
    officer_no_bureau: User  # regulator officer without a bureau, not nationwide: sees nothing

    def api(self, user: User | None) -> ApiClient:
        return ApiClient(user)

    def browser_client(self, user: User) -> Client:
        c = Client()
        c.force_login(user)
        return c


def _user(username: str, role: str, org: Organization | None = None, **extra) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, role=role, organization=org, **extra)


def make_world(*, starts_at: datetime | None = None) -> World:
    gd_bureau = Organization.objects.create(kind="regulator", name="广东保监局")
    sz_bureau = Organization.objects.create(kind="regulator", name="深圳保监局")
    gd_cities = Region.objects.filter(parent_id="440000", level="prefecture").exclude(code=SHENZHEN)
    Jurisdiction.objects.bulk_create([Jurisdiction(regulator=gd_bureau, region=r) for r in gd_cities])
    Jurisdiction.objects.create(regulator=sz_bureau, region_id=SHENZHEN)
    company_a = Organization.objects.create(
        kind="insurer", name="中国人寿保险股份有限公司", short_name="中国人寿", company_type="life"
    )
    company_a_maoming = Organization.objects.create(
        kind="insurer",
        name="中国人寿保险股份有限公司茂名分公司",
        parent=company_a,
        region_id=MAOMING,
        company_type="life",
    )
    company_b = Organization.objects.create(
        kind="insurer", name="中国平安财产保险股份有限公司", short_name="平安财险", company_type="property_casualty"
    )
    start = starts_at or timezone.now() - timedelta(hours=1)
    campaign = Campaign.objects.create(
        name="广东保险服务大接访", starts_at=start, ends_at=start + timedelta(days=1), region_id="440000"
    )
    site_gz = Site.objects.create(campaign=campaign, city_id=GUANGZHOU, name="广州接待点", address="天河区")
    site_mm = Site.objects.create(campaign=campaign, city_id=MAOMING, name="茂名市文化广场", address="茂南区")
    staff_mm = _user("staff_mm", "site_staff", gd_bureau)
    person = Staff.objects.create(name="接访员甲", organization=gd_bureau, user=staff_mm)
    exec_a = Staff.objects.create(name="高管乙", organization=company_a_maoming, rank="head")
    roster(site_mm, [company_a_maoming, company_b], [person, exec_a])
    roster(site_gz, [company_a, company_b], [])
    return World(
        gd_bureau=gd_bureau,
        sz_bureau=sz_bureau,
        company_a=company_a,
        company_a_maoming=company_a_maoming,
        company_b=company_b,
        campaign=campaign,
        site_gz=site_gz,
        site_mm=site_mm,
        admin=_user("admin", "regulator_admin", nationwide=True),
        officer=_user("officer", "regulator_officer", gd_bureau),
        sz_officer=_user("sz_officer", "regulator_officer", sz_bureau),
        staff_mm=staff_mm,
        handler_a=_user("handler_a", "company_handler", company_a),
        handler_b=_user("handler_b", "company_handler", company_b),
        nobody=_user("nobody", ""),
        officer_no_bureau=_user("officer_no_bureau", "regulator_officer"),
    )


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    by_marker = bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
    return by_marker or "transactional_db" in fixtures or "live_server" in fixtures


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every transactional test starts from the migrated rows (`serialized_rollback`), and so
    the test database keeps a copy of them to load back (see the fixture below)."""
    for item in items:
        if _is_transactional(item):
            marker = item.get_closest_marker("django_db")
            kwargs = {**(marker.kwargs if marker else {}), "transaction": True, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """A transactional test (a journey, a test of processes) ends by emptying every table, the
    rows the data migrations wrote (regions, product lines, deadline rules, weights) included.
    Django runs such tests last for that reason; xdist does not: it hands out whole files,
    larger first, so a small file of ordinary tests may run after one on the same worker. Once
    the test's fixtures are torn down (the emptying among them), the rows are loaded back, so
    that no test depends on which file ran before it."""
    yield
    # After the last test the session's fixtures are gone too (the test database destroyed).
    if nextitem is None or not _is_transactional(item):
        return
    from django.db import connections
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        for connection in connections.all(initialized_only=True):
            contents = getattr(connection, "_test_serialized_contents", None)
            if contents:
                connection.creation.deserialize_db_from_string(contents)


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Each test starts with empty per-process caches (directory/generation.py): a test's rows
    are rolled back, and on SQLite the next test's rows get the same ids again."""
    from ombud.directory import generation

    generation.clear_all()
    yield
    generation.clear_all()


@pytest.fixture
def world(db) -> World:
    return make_world()


def site_complaint(
    world: World,
    *,
    by: User | None = None,
    outcome: str = "time_limited",
    handled_by: str = "company",
    product_line: str = "",
):
    """A complaint recorded at the Maoming site against company A's branch, through intake's
    service (as staff_mm unless `by` is given): its case. A time-limited one is due in 10 days."""
    from ombud.cases.models import Case
    from ombud.intake.services import VisitInput, record_visit

    limited = outcome == "time_limited"
    recorded = record_visit(
        by or world.staff_mm,
        VisitInput(
            kind="complaint",
            visitor_name="李秀英",
            summary="理赔被拒",
            site_id=world.site_mm.pk,
            company_id=world.company_a_maoming.pk,
            product_line=product_line,
            outcome=outcome,
            due_date=timezone.localdate() + timedelta(days=10) if limited else None,
            handled_by=handled_by if limited else "",
        ),
    )
    return Case.objects.get(pk=recorded.case_id)


def complaint(world: World, **overrides) -> dict:
    """A valid complaint visit body for POST /api/v1/visits."""
    body = {
        "site_id": world.site_mm.pk,
        "kind": "complaint",
        "visitor": {"name": "李秀英", "phone": "13812345678", "id_number": "440902198503150028"},
        "company_id": world.company_a_maoming.pk,
        "practitioner": {"name": "王建国", "licence_no": "02000144090080012345"},
        "product_line": "health_illness",
        "summary": "2025年购买重疾险，确诊后申请理赔被以未如实告知为由拒赔。",
        "outcome": "resolved_on_site",
    }
    body.update(overrides)
    return body


# ---- browser journeys (Debian's headless Chromium driven by Playwright) --------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(os.environ.get("OMBUD_SHOTS_DIR") or Path(tempfile.gettempdir()) / "ombud-shots")


def watch(page, errors: list[str]) -> None:
    """Collect a page's script errors, console errors and 4xx/5xx responses into `errors`."""
    page.set_default_timeout(15_000)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)


@pytest.fixture
def browser_page(live_server):
    """A Chinese-speaking Chromium page at a reception desk's width, and the list of errors it
    met. Never skipped: a journey that silently does not run would count as passing; `make
    test` installs Chromium when it can (root), otherwise this fails and says what to install.

    Journeys are transactional tests (a live server); keep them in files of their own: a
    transactional test empties the database when it ends, and xdist schedules whole files.
    """
    yield from _browser(viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone_page(live_server):
    """`browser_page` on a phone: 390 × 844 CSS pixels, touch, a phone's pixel ratio."""
    yield from _browser(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=3)


def _browser(**context_options):
    # The sync Playwright API runs an event loop in this thread; Django's ORM calls made by the
    # test itself are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium fonts-noto-cjk (make test does it as root)")

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **context_options)
        page = context.new_page()
        errors: list[str] = []
        watch(page, errors)
        yield page, errors
        context.close()
        browser.close()
        # While Playwright's event loop runs, Django keeps this thread's database connections
        # per async context (asgiref), so the test's ORM calls used a connection of their own:
        # close it here, in that context, or it would outlive the test database (PostgreSQL).
        from django.db import connections

        connections.close_all()


AXE = Path(__file__).parent / "tests" / "vendor" / "axe-core" / "axe.min.js"  # tests only, never served


def accessibility_violations(page, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """What axe-core (vendored, ombud/tests/vendor) finds on the page as it is now against the
    WCAG 2.0/2.1 A and AA rules, of the given impacts: one line per violation and element. Run
    through the DevTools protocol (`page.evaluate`), so the page's CSP does not block it."""
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        """async () => {
            const tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
            const r = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.map(n => n.target.join(" "))}));
        }"""
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {node}"
        for v in result
        if v["impact"] in impacts
        for node in v["nodes"]
    ]


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than its viewport (0: no sideways scrolling)."""
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))
