"""Executive attendance: who may check in whom, when, idempotence, the sign-in sheet, the
compliance report (counts and the absent list computed by hand) and its scope, the roster API
and the pages."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ombud.campaigns import attendance
from ombud.campaigns.attendance import SheetRow, check_in, check_out, record_sheet
from ombud.campaigns.models import RosterEntry
from ombud.campaigns.queries import attendance_report
from ombud.campaigns.services import roster
from ombud.directory.models import Staff, User
from ombud.errors import Conflict, Forbidden, InvalidInput, NotFound
from ombud.testing import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.urls("ombud.campaigns.tests.urls")]


@pytest.fixture
def people(world):
    """Maoming: the bureau's receptionist, company A's head (with a login), company B's deputy
    and a clerk; Guangzhou: company B's head."""
    exec_user = User.objects.create_user(
        username="exec_a", password=PASSWORD, role="executive", organization=world.company_a_maoming
    )
    Staff.objects.filter(name="高管乙").update(user=exec_user, title="总经理")
    deputy_b = Staff.objects.create(name="副总丙", organization=world.company_b, rank="deputy", title="副总经理")
    clerk_b = Staff.objects.create(name="职员丁", organization=world.company_b, title="客服专员")
    head_b = Staff.objects.create(name="总经理戊", organization=world.company_b, rank="head", title="总经理")
    roster(world.site_mm, [], [deputy_b, clerk_b])
    roster(world.site_gz, [], [head_b])

    def entry(name: str) -> RosterEntry:
        return RosterEntry.objects.select_related("staff").get(staff__name=name)

    return SimpleNamespace(
        exec_user=exec_user,
        receptionist=entry("接访员甲"),
        exec_a=entry("高管乙"),
        deputy_b=entry("副总丙"),
        clerk_b=entry("职员丁"),
        head_b_gz=entry("总经理戊"),
    )


def _reload(entry: RosterEntry) -> RosterEntry:
    return RosterEntry.objects.get(pk=entry.pk)


# ---- who may check in whom ------------------------------------------------------------------


def test_the_executive_checks_in_and_out_in_person(world, people):
    api = world.api(people.exec_user)
    r = api.post(f"/api/v1/roster/{people.exec_a.pk}/check-in")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["changed"] is True
    assert body["name"] == "高管乙"
    assert body["company_id"] == world.company_a.pk
    assert body["checked_in_at"].endswith("+08:00")
    entry = _reload(people.exec_a)
    assert entry.checked_in_by == people.exec_user
    assert abs(entry.checked_in_at - timezone.now()) < timedelta(seconds=10)

    r = api.post(f"/api/v1/roster/{people.exec_a.pk}/check-out")
    assert r.status_code == 200, r.content
    entry = _reload(people.exec_a)
    assert entry.checked_out_at >= entry.checked_in_at
    assert entry.checked_out_by == people.exec_user


def test_site_staff_check_in_anyone_rostered_at_their_site(world, people):
    api = world.api(world.staff_mm)
    for e in (people.deputy_b, people.exec_a, people.receptionist):
        r = api.post(f"/api/v1/roster/{e.pk}/check-in")
        assert r.status_code == 200, r.content
        assert _reload(e).checked_in_by == world.staff_mm
    # Not at another site: they do not even see it.
    r = api.post(f"/api/v1/roster/{people.head_b_gz.pk}/check-in")
    assert r.status_code == 404
    assert _reload(people.head_b_gz).checked_in_at is None


def test_an_officer_checks_in_within_the_jurisdiction_only(world, people):
    assert world.api(world.officer).post(f"/api/v1/roster/{people.head_b_gz.pk}/check-in").status_code == 200
    r = world.api(world.sz_officer).post(f"/api/v1/roster/{people.deputy_b.pk}/check-in")
    assert r.status_code == 404
    assert _reload(people.deputy_b).checked_in_at is None


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("handler_b", 404),  # another company: does not see company A's people
        ("handler_a", 403),  # the same company: sees, but a company does not vouch for itself
        ("nobody", 404),
    ],
)
def test_company_users_do_not_check_in_others(world, people, user, status):
    r = world.api(getattr(world, user)).post(f"/api/v1/roster/{people.exec_a.pk}/check-in")
    assert r.status_code == status, r.content
    assert _reload(people.exec_a).checked_in_at is None


def test_an_executive_checks_in_nobody_else(world, people):
    api = world.api(people.exec_user)
    assert api.post(f"/api/v1/roster/{people.deputy_b.pk}/check-in").status_code == 404
    assert _reload(people.deputy_b).checked_in_at is None


def test_unknown_entries_are_404(world):
    r = world.api(world.admin).post("/api/v1/roster/999999/check-in")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_an_inactive_login_marks_nothing(world, people):
    people.exec_user.is_active = False
    people.exec_user.save()
    with pytest.raises(Forbidden):
        check_in(people.exec_user, people.exec_a.pk)


# ---- idempotence ----------------------------------------------------------------------------


def test_a_second_check_in_changes_nothing(world, people):
    start = world.campaign.starts_at
    first = check_in(world.staff_mm, people.deputy_b.pk, at=start - timedelta(minutes=30))
    assert first.changed
    again = check_in(people.exec_user, people.exec_a.pk)
    assert again.changed
    second = check_in(world.officer, people.deputy_b.pk, at=start + timedelta(minutes=5))
    assert second.changed is False
    entry = _reload(people.deputy_b)
    assert entry.checked_in_at == start - timedelta(minutes=30)  # the first stands
    assert entry.checked_in_by == world.staff_mm
    r = world.api(world.staff_mm).post(f"/api/v1/roster/{people.deputy_b.pk}/check-in")
    assert r.status_code == 200
    assert r.json()["changed"] is False


def test_when_two_press_at_once_the_first_wins(world, people, monkeypatch):
    """Another request checks the person in between our read and our write: the UPDATE is
    conditional, so ours changes nothing."""
    first = world.campaign.starts_at - timedelta(minutes=15)
    load = attendance._load

    def racing(actor, entry_id):
        entry = load(actor, entry_id)
        RosterEntry.objects.filter(pk=entry_id).update(checked_in_at=first, checked_in_by=world.officer)
        return entry

    monkeypatch.setattr(attendance, "_load", racing)
    marked = check_in(world.staff_mm, people.deputy_b.pk)
    assert marked.changed is False
    assert marked.entry.checked_in_at == first
    assert _reload(people.deputy_b).checked_in_by == world.officer


def test_check_out_needs_a_check_in_and_is_idempotent(world, people):
    api = world.api(world.staff_mm)
    r = api.post(f"/api/v1/roster/{people.clerk_b.pk}/check-out")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "not_checked_in"
    assert _reload(people.clerk_b).checked_out_at is None

    check_in(world.staff_mm, people.clerk_b.pk)
    assert api.post(f"/api/v1/roster/{people.clerk_b.pk}/check-out").json()["changed"] is True
    out = _reload(people.clerk_b).checked_out_at
    assert api.post(f"/api/v1/roster/{people.clerk_b.pk}/check-out").json()["changed"] is False
    assert _reload(people.clerk_b).checked_out_at == out


# ---- when -----------------------------------------------------------------------------------


def test_check_in_opens_two_hours_before_the_start_and_closes_two_hours_after_the_end(world, people):
    start, end = world.campaign.starts_at, world.campaign.ends_at
    with pytest.raises(Conflict) as e:
        check_in(world.staff_mm, people.clerk_b.pk, now=start - timedelta(hours=2, minutes=1))
    assert e.value.code == "attendance_closed"
    assert check_in(world.staff_mm, people.clerk_b.pk, now=start - timedelta(hours=1, minutes=59)).changed
    with pytest.raises(Conflict):
        check_out(world.staff_mm, people.clerk_b.pk, now=end + timedelta(hours=2, minutes=1))
    assert check_out(world.staff_mm, people.clerk_b.pk, now=end + timedelta(hours=1)).changed
    # Attendance of a campaign long over is read-only.
    with pytest.raises(Conflict):
        check_in(world.staff_mm, people.deputy_b.pk, now=end + timedelta(days=3))
    assert _reload(people.deputy_b).checked_in_at is None


def test_the_api_says_when_attendance_is_closed(world, people):
    world.campaign.starts_at = timezone.now() + timedelta(hours=5)
    world.campaign.ends_at = timezone.now() + timedelta(hours=12)
    world.campaign.save()
    r = world.api(world.staff_mm).post(f"/api/v1/roster/{people.clerk_b.pk}/check-in")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "attendance_closed"
    assert _reload(people.clerk_b).checked_in_at is None


@pytest.mark.parametrize(
    "at",
    [
        "2099-01-01T10:00:00+08:00",  # in the future
        "2000-01-01T10:00:00+08:00",  # before attendance opened
        "2026-03-24T09:30:00",  # no time zone
        "yesterday",
    ],
)
def test_bad_check_in_times_are_400s(world, people, at):
    r = world.api(world.staff_mm).post(f"/api/v1/roster/{people.clerk_b.pk}/check-in", {"at": at})
    assert r.status_code == 400, r.content
    assert "at" in r.json()["error"]["fields"]
    assert _reload(people.clerk_b).checked_in_at is None


def test_the_body_is_optional_and_a_bad_one_is_a_400(world, people):
    api = world.api(world.staff_mm)
    url = f"/api/v1/roster/{people.clerk_b.pk}/check-in"
    for raw in (b"{bad", b"[1, 2]", b'{"at": "later"}'):
        r = api.post(url, raw=raw)
        assert r.status_code == 400, (raw, r.content)
        assert set(r.json()["error"]) == {"code", "message", "fields"}
    assert _reload(people.clerk_b).checked_in_at is None
    # A bare form POST (no JSON at all), as a plain HTML form or curl -X POST sends it.
    at = world.campaign.starts_at - timedelta(minutes=3)
    r = api.client.post(url, {"at": at.isoformat()}, **api.headers)
    assert r.status_code == 200, r.content
    assert _reload(people.clerk_b).checked_in_at == at
    r = api.client.post(f"/api/v1/roster/{people.clerk_b.pk}/check-out", **api.headers)
    assert r.status_code == 200, r.content


def test_a_paper_time_is_recorded_as_given(world, people):
    at = world.campaign.starts_at - timedelta(minutes=40)
    r = world.api(world.staff_mm).post(f"/api/v1/roster/{people.clerk_b.pk}/check-in", {"at": at.isoformat()})
    assert r.status_code == 200, r.content
    assert _reload(people.clerk_b).checked_in_at == at


def test_a_check_out_lies_after_the_check_in(world, people):
    start = world.campaign.starts_at
    check_in(world.staff_mm, people.clerk_b.pk, at=start + timedelta(minutes=30))
    with pytest.raises(InvalidInput) as e:
        check_out(world.staff_mm, people.clerk_b.pk, at=start + timedelta(minutes=10))
    assert "at" in e.value.fields
    assert _reload(people.clerk_b).checked_out_at is None


# ---- the sign-in sheet ----------------------------------------------------------------------


def test_a_sign_in_sheet_is_recorded_at_once_keeping_earlier_check_ins(world, people):
    start = world.campaign.starts_at
    check_in(people.exec_user, people.exec_a.pk, at=start - timedelta(minutes=50))
    rows = [
        SheetRow(people.exec_a.pk, start - timedelta(minutes=5)),
        SheetRow(people.deputy_b.pk, start - timedelta(minutes=20), start + timedelta(hours=6)),
        SheetRow(people.clerk_b.pk, start + timedelta(minutes=15)),
    ]
    assert record_sheet(world.staff_mm, world.site_mm.pk, rows) == 2
    assert _reload(people.exec_a).checked_in_at == start - timedelta(minutes=50)
    deputy = _reload(people.deputy_b)
    assert (deputy.checked_in_at, deputy.checked_out_at) == (start - timedelta(minutes=20), start + timedelta(hours=6))
    assert deputy.checked_in_by == deputy.checked_out_by == world.staff_mm


def test_a_bad_sheet_writes_nothing(world, people):
    start = world.campaign.starts_at
    rows = [
        SheetRow(people.deputy_b.pk, start),
        SheetRow(people.head_b_gz.pk, start),  # another site
        SheetRow(people.clerk_b.pk, start, start - timedelta(minutes=1)),  # out before in
    ]
    with pytest.raises(InvalidInput) as e:
        record_sheet(world.staff_mm, world.site_mm.pk, rows)
    assert set(e.value.fields) == {"rows.1.entry_id", "rows.2.checked_out_at"}
    assert not RosterEntry.objects.filter(checked_in_at__isnull=False).exists()


@pytest.mark.parametrize("user", ["handler_a", "sz_officer", "nobody"])
def test_only_site_staff_and_the_bureau_record_a_sheet(world, people, user):
    with pytest.raises(Forbidden):
        record_sheet(getattr(world, user), world.site_mm.pk, [SheetRow(people.exec_a.pk, world.campaign.starts_at)])
    with pytest.raises(NotFound):
        record_sheet(world.officer, 999999, [])
    assert record_sheet(world.officer, world.site_mm.pk, [SheetRow(people.exec_a.pk, world.campaign.starts_at)]) == 1


# ---- the compliance report ------------------------------------------------------------------


@pytest.fixture
def day(world, people):
    """Company A's head came early; company B's Guangzhou head came 20 minutes late; company
    B's Maoming deputy never came; the clerk came; the receptionist did not press the button."""
    start = world.campaign.starts_at
    check_in(people.exec_user, people.exec_a.pk, at=start - timedelta(minutes=30))
    check_in(world.officer, people.head_b_gz.pk, at=start + timedelta(minutes=20))
    check_in(world.staff_mm, people.clerk_b.pk, at=start - timedelta(minutes=10))
    return people


def _counts(row: dict) -> tuple:
    keys = ("executives", "executives_present", "executives_absent", "executives_late", "staff", "staff_present")
    return tuple(row[k] for k in keys)


def test_the_report_counts_by_hand(world, day):
    r = attendance_report(world.admin, world.campaign.pk)
    assert _counts(r) == (3, 2, 1, 1, 5, 3)
    assert r["rate"] == 66.7
    assert r["final"] is False
    cities = {c["city_code"]: c for c in r["by_city"]}
    assert _counts(cities["440900"]) == (2, 1, 1, 0, 4, 2)
    assert _counts(cities["440100"]) == (1, 1, 0, 1, 1, 1)
    # The bureau's own staff count among the staff, not as a company.
    mm_companies = {c["company_id"]: c for c in cities["440900"]["companies"]}
    assert set(mm_companies) == {world.company_a.pk, world.company_b.pk}
    assert _counts(mm_companies[world.company_b.pk]) == (1, 0, 1, 0, 2, 1)
    assert _counts(mm_companies[world.company_a.pk]) == (1, 1, 0, 0, 1, 1)
    # Companies with the most absences first, over every city.
    assert [c["company_id"] for c in r["by_company"]] == [world.company_b.pk, world.company_a.pk]
    assert _counts(r["by_company"][0]) == (2, 1, 1, 1, 3, 2)
    assert r["absent"] == [
        {
            "entry_id": day.deputy_b.pk,
            "city_code": "440900",
            "city_name": "茂名市",
            "site_id": world.site_mm.pk,
            "site_name": "茂名市文化广场",
            "company_id": world.company_b.pk,
            "company_name": "中国平安财产保险股份有限公司",
            "organization_id": world.company_b.pk,
            "organization_name": "中国平安财产保险股份有限公司",
            "name": "副总丙",
            "title": "副总经理",
            "rank": "deputy",
        }
    ]


def test_the_report_is_final_once_the_campaign_ended(world, day):
    world.campaign.ends_at = timezone.now() - timedelta(minutes=1)
    world.campaign.save()
    assert attendance_report(world.admin, world.campaign.pk)["final"] is True


@pytest.mark.parametrize(
    ("user", "counts", "absent", "cities"),
    [
        ("officer", (3, 2, 1, 1, 5, 3), ["副总丙"], ["440100", "440900"]),
        ("handler_a", (1, 1, 0, 0, 1, 1), [], ["440900"]),
        ("handler_b", (2, 1, 1, 1, 3, 2), ["副总丙"], ["440100", "440900"]),
        ("staff_mm", (2, 1, 1, 0, 4, 2), ["副总丙"], ["440900"]),
        ("sz_officer", (0, 0, 0, 0, 0, 0), [], []),
    ],
)
def test_the_report_shows_what_the_user_may_see(world, day, user, counts, absent, cities):
    r = world.api(getattr(world, user)).get(f"/api/v1/campaigns/{world.campaign.pk}/attendance")
    assert r.status_code == 200, r.content
    body = r.json()
    assert _counts(body) == counts
    assert [a["name"] for a in body["absent"]] == absent
    assert [c["city_code"] for c in body["by_city"]] == cities


def test_a_company_sees_only_its_own_companies(world, day):
    body = world.api(world.handler_a).get(f"/api/v1/campaigns/{world.campaign.pk}/attendance").json()
    assert [c["company_id"] for c in body["by_company"]] == [world.company_a.pk]
    assert [c["company_id"] for c in body["by_city"][0]["companies"]] == [world.company_a.pk]
    # The branch's executive: its company, in its city.
    mine = attendance_report(day.exec_user, world.campaign.pk)
    assert _counts(mine) == (1, 1, 0, 0, 1, 1)


def test_nobody_may_not_see_attendance(world):
    r = world.api(world.nobody).get(f"/api/v1/campaigns/{world.campaign.pk}/attendance")
    assert r.status_code == 403
    assert world.api(world.admin).get("/api/v1/campaigns/999999/attendance").status_code == 404


def test_the_report_is_a_fixed_number_of_queries(world, day):
    def count() -> int:
        user = User.objects.get(pk=world.officer.pk)  # fresh: no cached organization
        with CaptureQueriesContext(connection) as ctx:
            attendance_report(user, world.campaign.pk)
        return len(ctx.captured_queries)

    before = count()
    more = [Staff(name=f"副总{i}", organization=world.company_b, rank="deputy") for i in range(30)]
    Staff.objects.bulk_create(more)
    roster(world.site_gz, [], list(Staff.objects.filter(name__startswith="副总", rank="deputy")))
    assert count() == before
    # campaign, the officer's bureau, its jurisdiction (3 queries), the groups, the absent list
    assert before == 7


# ---- the roster API -------------------------------------------------------------------------


def test_the_roster_lists_filters_and_pages(world, day):
    api = world.api(world.officer)
    url = f"/api/v1/campaigns/{world.campaign.pk}/roster"
    body = api.get(url).json()
    assert [e["name"] for e in body["items"]] == ["接访员甲", "高管乙", "副总丙", "职员丁", "总经理戊"]
    assert body["next_cursor"] is None
    execs = api.get(url, site_id=world.site_mm.pk, duty="executive").json()["items"]
    assert [e["name"] for e in execs] == ["高管乙", "副总丙"]
    assert [e["name"] for e in api.get(url, present="false", duty="executive").json()["items"]] == ["副总丙"]
    assert [e["name"] for e in api.get(url, name="总").json()["items"]] == ["副总丙", "总经理戊"]
    first = api.get(url, limit=2).json()
    assert len(first["items"]) == 2
    rest = api.get(url, limit=2, cursor=first["next_cursor"]).json()
    assert [e["name"] for e in rest["items"]] == ["副总丙", "职员丁"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 5000}, "limit"),
        ({"cursor": "abc"}, "cursor"),
        ({"duty": "boss"}, "duty"),
        ({"site_id": 999999}, "site_id"),
        ({"present": "maybe"}, "present"),
    ],
)
def test_bad_roster_queries_are_400s(world, params, field):
    r = world.api(world.officer).get(f"/api/v1/campaigns/{world.campaign.pk}/roster", **params)
    assert r.status_code == 400, r.content
    assert field in r.json()["error"]["fields"]


def test_the_roster_shows_a_company_only_its_people(world, day):
    items = world.api(world.handler_b).get(f"/api/v1/campaigns/{world.campaign.pk}/roster").json()["items"]
    assert {e["name"] for e in items} == {"副总丙", "职员丁", "总经理戊"}
    assert world.api(world.nobody).get(f"/api/v1/campaigns/{world.campaign.pk}/roster").json()["items"] == []
    items = world.api(world.staff_mm).get(f"/api/v1/campaigns/{world.campaign.pk}/roster").json()["items"]
    assert {e["site_id"] for e in items} == {world.site_mm.pk}
    # A site outside the user's scope is as unknown as a missing one.
    r = world.api(world.staff_mm).get(f"/api/v1/campaigns/{world.campaign.pk}/roster", site_id=world.site_gz.pk)
    assert r.status_code == 400


# ---- the pages ------------------------------------------------------------------------------


def _roster_url(world, site=None) -> str:
    site = site or world.site_mm
    return reverse("campaigns:roster", kwargs={"campaign_id": world.campaign.pk, "site_id": site.pk})


def _mark_url(world, entry, action="check-in") -> str:
    kwargs = {"campaign_id": world.campaign.pk, "site_id": entry.site_id, "entry_id": entry.pk, "action": action}
    return reverse("campaigns:mark", kwargs=kwargs)


def test_site_staff_see_the_roster_grouped_by_company_with_buttons(world, day):
    r = world.browser_client(world.staff_mm).get(_roster_url(world))
    assert r.status_code == 200
    html = r.content.decode()
    for name in ("接访员甲", "高管乙", "副总丙", "职员丁"):
        assert name in html
    assert "总经理戊" not in html  # Guangzhou
    assert html.count('class="roster-group"') == 3  # company A's branch, company B, the bureau
    assert html.count(_mark_url(world, day.deputy_b)) == 2  # action and hx-post
    assert _mark_url(world, day.clerk_b, "check-out") in html
    assert "<script>" not in html and " style=" not in html  # strict CSP: no inline code


def test_the_roster_filters_by_name_duty_and_attendance(world, day):
    client = world.browser_client(world.officer)
    html = client.get(_roster_url(world), {"name": "副总"}).content.decode()
    assert "副总丙" in html and "职员丁" not in html
    html = client.get(_roster_url(world), {"duty": "executive", "present": "no"}).content.decode()
    assert "副总丙" in html and "高管乙" not in html and "职员丁" not in html


def test_a_roster_page_is_a_fixed_number_of_queries(world, day):
    client = world.browser_client(world.staff_mm)
    with CaptureQueriesContext(connection) as small:
        assert client.get(_roster_url(world)).status_code == 200
    more = [Staff(name=f"职员{i}", organization=world.company_b) for i in range(50)]
    Staff.objects.bulk_create(more)
    roster(world.site_mm, [], list(Staff.objects.filter(name__startswith="职员")))
    with CaptureQueriesContext(connection) as large:
        html = client.get(_roster_url(world)).content.decode()
    assert html.count('class="roster-row') == 54
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_company_user_sees_its_people_and_marks_only_themselves(world, day):
    client = world.browser_client(day.exec_user)
    html = client.get(_roster_url(world)).content.decode()
    assert "高管乙" in html and "副总丙" not in html and "接访员甲" not in html
    assert _mark_url(world, day.exec_a, "check-out") in html
    # Company B's handler sees B's people and no button at all.
    html = world.browser_client(world.handler_b).get(_roster_url(world)).content.decode()
    assert "副总丙" in html and "高管乙" not in html
    assert "/check-in/" not in html
    # Nobody sees no roster.
    assert world.browser_client(world.nobody).get(_roster_url(world)).status_code == 404
    assert world.browser_client(world.sz_officer).get(_roster_url(world)).status_code == 404


def test_checking_in_from_the_page_redirects_back_to_the_row(world, day):
    client = world.browser_client(world.staff_mm)
    r = client.post(_mark_url(world, day.deputy_b), {"query": "name=副总&evil=x"})
    assert r.status_code == 302
    assert r["Location"].endswith(f"?name=%E5%89%AF%E6%80%BB#entry-{day.deputy_b.pk}")
    assert _reload(day.deputy_b).checked_in_by == world.staff_mm
    page = client.get(r["Location"]).content.decode()
    assert "副总丙" in page and 'role="status"' in page  # the message


def test_htmx_gets_the_updated_row(world, day):
    client = world.browser_client(world.staff_mm)
    r = client.post(_mark_url(world, day.deputy_b), HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    html = r.content.decode()
    assert html.lstrip().startswith(f'<tr id="entry-{day.deputy_b.pk}"')
    assert _mark_url(world, day.deputy_b, "check-out") in html
    # The page's totals come along, swapped out of band: company A's head and B's deputy of 2.
    assert '<span class="kpi-value" id="kpi-executives" data-kpi="executives" hx-swap-oob="true">2 / 2</span>' in html
    assert "hx-swap-oob" not in client.get(_roster_url(world)).content.decode()
    # An error is shown in the row (htmx swaps only 2xx answers), its status in a header.
    r = client.post(_mark_url(world, day.receptionist, "check-out"), HTTP_HX_REQUEST="true")
    assert r["X-Ombud-Status"] == "409"
    assert 'role="alert"' in r.content.decode()


def test_marking_from_a_page_is_refused_as_the_api_refuses(world, day):
    client = world.browser_client(world.handler_a)
    r = client.post(_mark_url(world, day.exec_a, "check-out"))
    assert r.status_code == 302
    assert _reload(day.exec_a).checked_out_at is None
    assert world.browser_client(world.handler_b).post(_mark_url(world, day.exec_a, "check-out")).status_code == 404
    # An entry of another site than the url's, an unknown action: 404.
    wrong = reverse(
        "campaigns:mark",
        kwargs={
            "campaign_id": world.campaign.pk,
            "site_id": world.site_gz.pk,
            "entry_id": day.deputy_b.pk,
            "action": "check-in",
        },
    )
    assert world.browser_client(world.officer).post(wrong).status_code == 404
    assert world.browser_client(world.officer).post(_mark_url(world, day.deputy_b, "delete")).status_code == 404
    assert world.browser_client(world.officer).get(_mark_url(world, day.deputy_b)).status_code == 405
    assert _reload(day.deputy_b).checked_in_at is None


def test_closed_attendance_shows_no_buttons(world, day):
    world.campaign.starts_at = timezone.now() - timedelta(days=3)
    world.campaign.ends_at = timezone.now() - timedelta(days=2)
    world.campaign.save()
    html = world.browser_client(world.officer).get(_roster_url(world)).content.decode()
    assert 'data-window="closed"' in html
    assert "/check-in/" not in html
    assert attendance.window_state(world.campaign) == "closed"


def test_the_attendance_page_lists_absentees_and_cities(world, day):
    url = reverse("campaigns:attendance", kwargs={"campaign_id": world.campaign.pk})
    client = world.browser_client(world.officer)
    html = client.get(url).content.decode()
    assert f'data-absent="{day.deputy_b.pk}"' in html and "副总丙" in html
    assert 'data-city="440900"' in html and 'data-city="440100"' in html
    assert f'data-company="{world.company_b.pk}"' in html
    html = client.get(url, {"city": "440900"}).content.decode()
    assert f'data-city-company="{world.company_a.pk}"' in html
    # A company sees only itself.
    html = world.browser_client(world.handler_a).get(url).content.decode()
    assert "副总丙" not in html and f'data-company="{world.company_b.pk}"' not in html
    assert world.browser_client(world.nobody).get(url).status_code == 403
    assert world.browser_client(world.officer).get("/campaigns/999999/attendance/").status_code == 404


def test_the_index_links_rosters_and_sends_site_staff_to_theirs(world, day):
    r = world.browser_client(world.staff_mm).get(reverse("campaigns:index"))
    assert r.status_code == 302
    assert r["Location"] == _roster_url(world)
    html = world.browser_client(world.officer).get(reverse("campaigns:index")).content.decode()
    assert _roster_url(world) in html and _roster_url(world, world.site_gz) in html
    html = world.browser_client(world.handler_a).get(reverse("campaigns:index")).content.decode()
    assert _roster_url(world) in html and _roster_url(world, world.site_gz) not in html
