"""The demo rebuilds the 2012 Guangdong reception day: the campaign report equals the article.

The demo is built once for the module (inside a transaction rolled back at the end), and
every test reads it (each test's own writes are rolled back after it). Today's cases are dated
relative to the moment the demo is built: tests judge them at `demo.started`, a moment just
before, and the generator keeps them an hour away from any edge (overdue / due soon / later).
"""

from __future__ import annotations

import io
import random
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.test import Client
from django.utils import timezone

from ombud.campaigns.models import Campaign, Inspection, RosterEntry, SiteOrganization
from ombud.campaigns.queries import attendance_report
from ombud.cases import deadlines, escalation, lifecycle
from ombud.cases.models import Alert, Case, CaseEvent, Notification
from ombud.cases.queries import cases_for, queue_counts
from ombud.demo import casework, figures, replies, texts
from ombud.demo import oversight as demo_oversight
from ombud.demo import today as demo_today
from ombud.demo.generator import DEFAULT_PASSWORD
from ombud.demo.insurers import demo_insurers, short_name
from ombud.directory.models import Jurisdiction, Organization, Practitioner, Region, Staff, User
from ombud.intake.models import Visit
from ombud.oversight.callbacks.queries import callback_report
from ombud.oversight.evaluation import queries as evaluation
from ombud.oversight.models import CallAttempt, CallBack, CompanyFigures, SpotCheck, TypicalCase
from ombud.oversight.spotchecks import queries as spotchecks
from ombud.oversight.typical.queries import published_typical_cases
from ombud.personal_data import MOBILE_RE, is_valid_id_number
from ombud.reports.models import PublishedReport
from ombud.reports.statistics.press import with_text
from ombud.reports.statistics.queries import campaign_report
from ombud.testing import SHANGHAI

GUANGDONG_CITIES = 21


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        started = timezone.now()
        call_command("demo", stdout=out)
        campaign = Campaign.objects.get(name=figures.CAMPAIGN_NAME)
        users = {u.username: u for u in User.objects.select_related("organization")}
        yield SimpleNamespace(
            output=out.getvalue(),
            campaign=campaign,
            admin=users["admin"],
            users=users,
            started=started,
            report=campaign_report(users["admin"], campaign),
        )
        transaction.set_rollback(True)


def _city(report: dict, code: str) -> dict:
    return next(row for row in report["by_city"] if row["city_code"] == code)


# ---- pure parts: no database ------------------------------------------------------------


def test_city_figures_add_up_to_the_article():
    rows = figures.city_figures()
    assert len(rows) == 20
    assert figures.SHENZHEN not in {r.code for r in rows}
    assert sum(r.visits for r in rows) == figures.VISITS
    assert sum(r.complaints for r in rows) == figures.COMPLAINTS
    assert sum(r.resolved_on_site for r in rows) == figures.RESOLVED_ON_SITE
    assert sum(r.time_limited for r in rows) == figures.TIME_LIMITED
    assert sum(r.consultations for r in rows) == figures.CONSULTATIONS
    assert sum(r.suggestions for r in rows) == figures.SUGGESTIONS
    assert all(0 <= r.referred <= r.time_limited for r in rows)
    assert sum(c.staff for c in figures.CITIES) > figures.STAFF_OVER


def test_apportion_is_exact_and_proportional():
    assert figures.apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert sum(figures.apportion(12_133, [100, 15, 18, 33])) == 12_133
    assert figures.apportion(0, [1, 2]) == [0, 0]


def test_short_names():
    assert short_name("中国人寿保险股份有限公司") == "中国人寿"
    assert short_name("永安财产保险股份有限公司") == "永安财险"
    assert short_name("友邦人寿保险有限公司") == "友邦人寿"
    assert short_name("现代财产保险（中国）有限公司") == "现代财险"
    assert len({i.short_name for i in demo_insurers()}) == len(demo_insurers())


def test_texts_are_deterministic_and_fit_the_insurer():
    insurer = next(i for i in demo_insurers() if i.short_name == "人保财险")

    def some(seed: int) -> list[texts.Text]:
        rng = random.Random(seed)
        return [
            texts.complaint(rng, insurer=insurer, city="茂名市", district="高州市", outcome="resolved_on_site")
            for _ in range(50)
        ]

    assert some(7) == some(7)
    assert some(7) != some(8)
    # A P&C insurer is never complained about for a life line.
    assert {t.line for t in some(7)} <= set(texts.BUSINESS_LINES["property_casualty"])
    assert all("人保财险" in t.summary or "保险公司" in t.summary for t in some(7))


# ---- the demo ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_province_totals_are_the_articles(demo):
    r = demo.report
    assert r["visits"] == 15_307
    assert r["cases"] == 1_540
    assert r["resolved_on_site"] == 1_240
    assert r["time_limited"] == 300
    assert r["consultations"] == 12_338
    assert r["suggestions"] == 1_429
    assert r["staff"] > 6_000
    assert r["executives"] == 1_500
    assert r["sites"] == 20


@pytest.mark.django_db
def test_twenty_cities_without_shenzhen_and_sums_match(demo):
    r = demo.report
    codes = [row["city_code"] for row in r["by_city"]]
    assert len(codes) == 20
    assert figures.SHENZHEN not in codes
    for key in ("visits", "cases", "resolved_on_site", "time_limited", "consultations", "suggestions", "referred"):
        assert sum(row[key] for row in r["by_city"]) == r[key], key
    assert sum(row["executives"] for row in r["by_city"]) == 1_500
    # Bigger cities received more visitors.
    assert _city(r, "440100")["visits"] > _city(r, "440600")["visits"] > _city(r, "445300")["visits"]
    # Cases were referred for investigation elsewhere too.
    assert sum(1 for row in r["by_city"] if row["referred"]) > 10


@pytest.mark.django_db
def test_maoming_is_the_articles(demo):
    mm = _city(demo.report, figures.MAOMING)
    assert mm["consultations"] == 205
    assert mm["suggestions"] == 13
    assert mm["cases"] == 14
    assert mm["practitioners_complained"] == 14
    assert mm["resolved_on_site"] == 10
    assert mm["time_limited"] == 4
    assert mm["referred"] == 4
    assert mm["companies"] == 21
    assert 280 <= mm["staff"] < 300
    site = demo.campaign.sites.get(city_id=figures.MAOMING)
    assert site.name == "茂名市文化广场"


@pytest.mark.django_db
def test_press_release_has_the_articles_numbers(demo):
    report = with_text(demo.campaign, campaign_report(demo.admin, demo.campaign))
    for number in ("15307", "1540", "1240", "300", "12338", "1429"):
        assert number in report["press_release"]
    maoming = _city(report, figures.MAOMING)["paragraph"]
    for number in ("205", "13", "14", "10", "4"):
        assert number in maoming


@pytest.mark.django_db
def test_regulators_insurers_and_branches(demo):
    gd = Organization.objects.get(kind="regulator", short_name="广东保监局")
    sz = Organization.objects.get(kind="regulator", short_name="深圳保监局")
    gd_regions = set(Jurisdiction.objects.filter(regulator=gd).values_list("region_id", flat=True))
    assert len(gd_regions) == GUANGDONG_CITIES - 1
    assert figures.SHENZHEN not in gd_regions
    assert set(Jurisdiction.objects.filter(regulator=sz).values_list("region_id", flat=True)) == {figures.SHENZHEN}
    assert demo.campaign.organizer_id == gd.pk
    assert demo.campaign.starts_at.astimezone(SHANGHAI).isoformat() == "2012-03-24T10:00:00+08:00"
    assert demo.campaign.ends_at.astimezone(SHANGHAI).hour == 18

    heads = Organization.objects.filter(kind="insurer", parent=None)
    # The 32 insurers operating in Guangdong, and the nationwide ones the source misses.
    assert set(heads.values_list("name", flat=True)) == {i.name for i in demo_insurers()}
    assert heads.count() == 42
    assert all(h.head_office_id == h.pk for h in heads)
    branches = Organization.objects.filter(kind="insurer").exclude(parent=None)
    assert all(b.head_office_id == b.parent_id for b in branches)
    assert branches.filter(name="中国人寿保险股份有限公司茂名分公司", region_id=figures.MAOMING).exists()
    # Site organizations are the city's own branches.
    for so in SiteOrganization.objects.filter(organization__kind="insurer").select_related("site", "organization"):
        assert so.organization.region_id == so.site.city_id


@pytest.mark.django_db
def test_staff_and_executives(demo):
    rostered = Staff.objects.filter(roster_entries__site__campaign=demo.campaign)
    assert 6_000 < rostered.count() < 6_200
    assert rostered.filter(rank__in=["head", "deputy"]).count() == 1_500
    # Every branch at a site sends its head and at least one deputy.
    for so in SiteOrganization.objects.filter(organization__kind="insurer"):
        people = Staff.objects.filter(organization=so.organization)
        assert people.filter(rank="head").count() == 1
        assert people.filter(rank="deputy").exists()
    assert RosterEntry.objects.filter(site__campaign=demo.campaign, duty="executive").count() == 1_500


@pytest.mark.django_db
def test_logins(demo):
    users = {u.username: u for u in User.objects.select_related("organization")}
    for name in ("admin", "officer", "officer2", "maoming", "guangzhou", "chinalife", "chinalife_exec"):
        assert users[name].check_password(DEFAULT_PASSWORD), name
        assert name in demo.output
    assert DEFAULT_PASSWORD in demo.output
    assert users["admin"].is_superuser
    assert users["officer"].role == "regulator_officer"
    assert users["officer"].organization.short_name == "广东保监局"
    assert users["officer2"].role == "regulator_officer"
    assert users["officer2"].organization == users["officer"].organization
    # The other insurers' complaint handlers decide their cases but have no login.
    handlers = User.objects.filter(username__startswith="demo-handler-")
    assert handlers.count() == 41
    assert not any(h.has_usable_password() for h in handlers)
    assert {h.organization.parent_id for h in handlers.select_related("organization")} == {None}
    in_2012 = {"site__campaign": demo.campaign}
    assert users["maoming"].staff_profile.roster_entries.get(**in_2012).site.city_id == figures.MAOMING
    assert users["guangzhou"].staff_profile.roster_entries.get(**in_2012).site.city_id == figures.GUANGZHOU
    assert users["chinalife"].organization.name == "中国人寿保险股份有限公司"
    assert users["chinalife_exec"].role == "executive"
    assert users["chinalife_exec"].staff_profile.rank == "head"

    # Each sees what its scope allows.
    maoming = campaign_report(users["maoming"], demo.campaign)
    assert [row["city_code"] for row in maoming["by_city"]] == [figures.MAOMING]
    assert maoming["visits"] == 232
    china_life = campaign_report(users["chinalife"], demo.campaign)
    assert [row["company_name"] for row in china_life["by_company"]] == ["中国人寿保险股份有限公司"]
    assert 0 < china_life["visits"] < 15_307


@pytest.mark.django_db
def test_visits_look_real(demo):
    visits = Visit.objects.filter(campaign=demo.campaign)
    summaries = visits.values("summary").distinct().count()
    assert summaries > 5_000
    assert visits.exclude(product_line=None).count() > 0.8 * 15_307
    day = figures.DAY
    start = demo.campaign.starts_at
    assert visits.filter(received_at__lt=start).count() == 0
    assert visits.filter(received_at__gt=start + timedelta(hours=7, minutes=30)).count() == 0

    limited = visits.filter(outcome="time_limited")
    assert limited.filter(due_date__lt=day + timedelta(days=3)).count() == 0
    assert limited.filter(due_date__gt=day + timedelta(days=60)).count() == 0
    assert visits.filter(case__isnull=True, kind="complaint").count() == 0

    cities = {r.code: r for r in Region.objects.filter(parent_id="440000")}
    sample = list(visits.select_related("practitioner")[:3_000])
    phones = [v.visitor_phone for v in sample if v.visitor_phone]
    assert len(phones) > 1_500
    assert all(MOBILE_RE.match(p) for p in phones)
    ids = [v for v in sample if v.visitor_id_number]
    assert len(ids) > 100
    for v in ids:
        assert is_valid_id_number(v.visitor_id_number)
        region = v.visitor_id_number[:6]
        assert region == v.city_id or Region.objects.get(code=region).parent_id == v.city_id
        assert v.city_id in cities
        born = date(int(v.visitor_id_number[6:10]), int(v.visitor_id_number[10:12]), int(v.visitor_id_number[12:14]))
        assert 18 <= (day - born).days // 365 <= 75

    licences = list(Practitioner.objects.exclude(licence_no=None).values_list("licence_no", flat=True))
    assert licences
    assert all(re.fullmatch(r"\d{20}", n) for n in licences)
    # The 14 practitioners complained about in Maoming are 14 different people.
    assert visits.filter(city_id=figures.MAOMING, kind="complaint").values("practitioner_id").distinct().count() == 14


@pytest.mark.django_db
def test_personal_data_is_encrypted_at_rest(demo):
    with connection.cursor() as cur:
        cur.execute("SELECT visitor_phone, visitor_name, visitor_id_number FROM intake_visit")
        rows = cur.fetchall()
    live = sum(len(plan) for plan in demo_today.LIVE_VISITS.values())
    assert len(rows) == 15_307 + casework.BACKLOG_2011 + len(casework.TODAY) + live + len(demo_today.ONLINE)
    for phone, name, id_number in rows:
        assert not re.search(r"1[3-9]\d{9}", phone)
        assert phone == "" or phone.startswith("v1:")
        assert name.startswith("v1:")
        assert id_number == "" or id_number.startswith("v1:")


@pytest.mark.django_db
def test_rerun_refuses_and_if_empty_does_nothing(demo):
    before = (Organization.objects.count(), Staff.objects.count(), Visit.objects.count(), User.objects.count())
    with pytest.raises(CommandError, match="already exists"):
        call_command("demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert "already exists" in out.getvalue()
    # It says again which case to try and that today's campaign runs.
    number, code = _printed_case(demo)
    assert f"tracking number {number} with secret code {code}" in out.getvalue()
    assert "Running today" in out.getvalue()
    after = (Organization.objects.count(), Staff.objects.count(), Visit.objects.count(), User.objects.count())
    assert after == before


@pytest.mark.django_db
def test_a_handful_of_executives_were_absent_and_the_report_names_them(demo):
    r = attendance_report(demo.admin, demo.campaign.pk)
    assert r["final"] is True
    assert r["executives"] == 1_500
    assert 5 <= r["executives_absent"] <= 8
    assert r["executives_present"] == 1_500 - r["executives_absent"]
    assert len(r["absent"]) == r["executives_absent"]
    cities = [a["city_code"] for a in r["absent"]]
    assert len(set(cities)) == len(cities)  # spread over as many cities
    assert figures.MAOMING in cities
    assert {a["rank"] for a in r["absent"]} == {"head", "deputy"}
    assert sum(c["executives_absent"] for c in r["by_city"]) == r["executives_absent"]
    assert sum(c["executives_absent"] for c in r["by_company"]) == r["executives_absent"]
    assert 0 < r["executives_late"] < 0.1 * 1_500
    # Staff came too, nearly all of them; every check-in lies on the day, every check-out after it.
    assert 0.95 * r["staff"] < r["staff_present"] < r["staff"]
    entries = RosterEntry.objects.filter(site__campaign=demo.campaign)
    start = demo.campaign.starts_at
    assert entries.filter(checked_in_at__lt=start - timedelta(hours=2)).count() == 0
    assert entries.filter(checked_in_at__gt=start + timedelta(hours=1)).count() == 0
    assert entries.filter(checked_in_at__isnull=False, checked_out_at__isnull=True).count() == 0
    # The figures of the article stay as they were.
    assert demo.report["executives"] == 1_500


@pytest.mark.django_db
def test_attendance_as_the_demo_logins_see_it(demo):
    users = {u.username: u for u in User.objects.select_related("organization")}
    maoming = attendance_report(users["maoming"], demo.campaign.pk)
    assert [c["city_code"] for c in maoming["by_city"]] == [figures.MAOMING]
    assert len(maoming["absent"]) == 1
    assert len(maoming["by_city"][0]["companies"]) == 21
    china_life = attendance_report(users["chinalife"], demo.campaign.pk)
    assert [c["company_name"] for c in china_life["by_company"]] == ["中国人寿保险股份有限公司"]
    # The Maoming China Life head checked in on his own login.
    mine = users["chinalife_exec"].staff_profile.roster_entries.get(site__campaign=demo.campaign)
    assert mine.checked_in_by == users["chinalife_exec"]
    assert mine.checked_in_at.astimezone(SHANGHAI).strftime("%H:%M") == "09:41"


@pytest.mark.django_db
def test_the_bureau_inspected_maoming(demo):
    inspections = {i.site.city_id: i for i in Inspection.objects.select_related("site", "officer")}
    assert set(inspections) == {figures.MAOMING, figures.GUANGZHOU}
    maoming = inspections[figures.MAOMING]
    assert maoming.officer.username == "officer"
    assert maoming.led_by == "广东保监局副局长"
    assert maoming.issues_found
    assert "21家保险公司" in maoming.findings


# ---- after the day: the cases' lifecycle ------------------------------------------------------


def _campaign_cases(demo):
    return Case.objects.filter(visit__campaign=demo.campaign)


@pytest.mark.django_db
def test_every_2012_case_was_settled_in_2012(demo):
    cases = _campaign_cases(demo)
    assert cases.count() == 1_540
    assert cases.exclude(status=Case.Status.CLOSED).count() == 0
    limited = cases.filter(resolved_on_site=False)
    assert limited.count() == 300
    end_2012 = datetime(2013, 1, 1, tzinfo=SHANGHAI)
    assert limited.filter(decided_at__gt=demo.campaign.ends_at, closed_at__lt=end_2012).count() == 300
    assert limited.filter(informed_at__isnull=True).count() == 0
    assert not CaseEvent.objects.filter(case__in=limited, created_at__gte=end_2012).exists()
    # Decided within the promised time, except a handful.
    assert limited.filter(decided_in_time=False).count() == casework.LATE_2012
    decisions = dict(limited.values_list("decision").annotate(n=Count("id")))
    assert set(decisions) == {"upheld", "partly_upheld", "not_upheld"}
    assert decisions["upheld"] > decisions["not_upheld"] > 20
    assert limited.filter(decision="not_upheld").exclude(amount_paid=None).count() == 0
    paid = limited.exclude(amount_paid=None)
    assert paid.count() > 150
    assert all(Decimal("100") <= a < Decimal("1000000") for a in paid.values_list("amount_paid", flat=True))
    assert all(re.search(r"[\u4e00-\u9fff]{10}", r) for r in limited.values_list("reply", flat=True))


@pytest.mark.django_db
def test_2012_decisions_were_taken_by_the_party_handling_them(demo):
    limited = _campaign_cases(demo).filter(resolved_on_site=False)
    decided = CaseEvent.objects.filter(case__in=limited, type=CaseEvent.Type.DECIDED).select_related("actor", "case")
    officer = demo.users["officer"]
    referred = limited.filter(handled_by="regulator")
    assert referred.count() == 44
    for event in decided:
        if event.case.handled_by == "regulator":
            assert event.actor == officer
        else:
            assert event.actor.role == "company_handler"
            assert event.actor.organization_id == event.case.company_root_id
    # A few asked for a review (核查), a couple went to mediation and were settled there.
    events = CaseEvent.objects.filter(case__in=limited)
    assert events.filter(type=CaseEvent.Type.REVIEW_REQUESTED).count() == casework.REVIEWS_2012
    assert events.filter(type=CaseEvent.Type.REVIEW_DECIDED).count() == casework.REVIEWS_2012
    mediated = limited.exclude(mediation_body=None)
    assert mediated.count() == casework.MEDIATIONS_2012
    assert set(mediated.values_list("mediation_body__name", flat=True)) == {"广东保险纠纷调解中心"}
    assert all("调解" in r for r in mediated.values_list("reply", flat=True))
    # Nothing was queued for the consumers of 2012 (or anyone else).
    assert Notification.objects.count() == 0


@pytest.mark.django_db
def test_2011_backlog_is_closed(demo):
    q4 = Case.objects.filter(
        opened_at__gte=datetime(2011, 10, 1, tzinfo=SHANGHAI), opened_at__lt=demo.campaign.starts_at
    )
    assert q4.count() == casework.BACKLOG_2011
    assert q4.filter(visit__campaign__isnull=False).count() == 0
    assert q4.exclude(status=Case.Status.CLOSED).count() == 0
    assert q4.filter(decision="").count() == casework.NOT_ACCEPTED_2011
    assert q4.filter(decided_in_time=False).count() == casework.LATE_2011
    assert set(q4.values_list("visit__channel", flat=True)) == {"phone", "online", "letter"}


# ---- today ------------------------------------------------------------------------------------


def _today(demo):
    """Cases received in the last 25 days by phone, letter or online (not at today's sites)."""
    return Case.objects.filter(opened_at__gte=demo.started - timedelta(days=26), visit__campaign=None)


ONLINE_COMPLAINTS = sum(1 for spec in demo_today.ONLINE if spec.kind == "complaint")


@pytest.mark.django_db
def test_todays_cases_fill_the_china_life_queue(demo):
    today = _today(demo)
    assert today.count() == len(casework.TODAY) + ONLINE_COMPLAINTS
    assert today.filter(opened_at__gt=demo.started).count() == 0
    chinalife = demo.users["chinalife"]
    mine = cases_for(chinalife).filter(pk__in=today)
    assert mine.count() >= 12
    assert {"received", "in_progress", "decided", "informed", "closed"} <= set(mine.values_list("status", flat=True))
    counts = queue_counts(chinalife, now=demo.started)
    assert counts["overdue"] >= 2
    # Due within three days: whenever the calendar allows one (no deadline falls on a rest day,
    # so three rest days in a row, such as a holiday, leave none).
    if casework.due_categories(demo.started)[casework.SOON]:
        assert counts["due_soon"] >= 2
    later = mine.filter(status__in=lifecycle.OPEN, due_at__gte=demo.started + timedelta(days=3))
    assert later.count() >= 3
    # One was extended, with the reason on its timeline; its deadline is 30 days from receipt.
    extended = mine.get(extension=Case.Extension.COMPLEX)
    event = extended.events.get(type=CaseEvent.Type.EXTENDED)
    assert "延长" in event.data["reason"]
    assert extended.due_at > demo.started
    # The officer has cases of its own: suspected violations routed to the bureau.
    assert today.filter(handled_by="regulator").count() == 2
    assert set(today.values_list("visit__channel", flat=True)) == {"phone", "online", "letter"}


@pytest.mark.django_db
def test_the_deadline_sweep_escalates_todays_overdue_cases_only(demo):
    overdue = Case.objects.filter(status__in=lifecycle.OPEN, due_at__lt=demo.started)
    assert overdue.count() >= 4
    assert overdue.filter(opened_at__lt=demo.started - timedelta(days=26)).count() == 0
    result = escalation.sweep(now=demo.started)
    assert result.escalated == overdue.count()
    assert result.failed == 0
    escalated = Alert.objects.filter(kind=Alert.Kind.ESCALATION).values_list("case_id", flat=True)
    assert set(escalated) == set(overdue.values_list("pk", flat=True))
    assert not Alert.objects.filter(case__opened_at__lt=demo.started - timedelta(days=26)).exists()


# ---- oversight --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_spot_check_with_findings(demo):
    officer = demo.users["officer"]
    sc = SpotCheck.objects.get()
    assert sc.seed == "20120324"
    assert sc.drawn_by == officer
    assert sc.drawn_at.astimezone(SHANGHAI).date() == date(2012, 4, 23)
    items = sc.items.all()
    assert items.count() > 40
    checked = items.exclude(finding="")
    assert checked.count() >= 0.75 * items.count()
    assert checked.count() < items.count()
    improper = items.filter(finding="improper")
    assert 2 <= improper.count() <= 10
    assert all(reason for reason in improper.values_list("reasons", flat=True))
    referred = improper.get(follow_up="referred")
    assert referred.case.events.filter(type=CaseEvent.Type.REFERRED_FOR_ENFORCEMENT).exists()
    assert referred.case.status == Case.Status.CLOSED
    # Anyone can draw the same sample again from the stored seed.
    described = spotchecks.describe(officer, sc.pk, verify=True)
    assert described.again is not None and described.again.same_sample
    rates = spotchecks.pass_rates(officer, spot_check_id=sc.pk)
    assert len(rates) >= 10
    assert any(r["pass_rate"] is not None and r["pass_rate"] < 1 for r in rates)


@pytest.mark.django_db
def test_call_backs_were_made(demo):
    officer = demo.users["officer"]
    report = callback_report(officer, campaign_id=demo.campaign.pk)
    totals = report["totals"]
    assert totals["listed"] == demo_oversight.CALL_LIST_SIZE
    assert totals["reached"] > 0.7 * totals["listed"]
    assert totals["unreachable"] >= 5
    assert totals["pending"] >= 5
    assert 0.8 < totals["reach_rate"] < 1
    assert 3.5 < totals["mean_satisfaction"] < 5
    assert 0.6 < totals["solved_rate"] < 1
    assert len(report["by_company"]) >= 10
    callers = set(CallAttempt.objects.values_list("by__username", flat=True))
    assert callers == {"officer", "officer2"}
    assert CallBack.objects.filter(status="reached").exclude(comment="").exists()


@pytest.mark.django_db
def test_the_evaluation_ranks_the_companies(demo):
    assert CompanyFigures.objects.count() == 2 * 42
    periods = evaluation.figure_periods(demo.users["officer"])
    assert [(p.start, p.end) for p in periods] == [
        (date(2012, 1, 1), date(2012, 3, 31)),
        (date(2011, 10, 1), date(2011, 12, 31)),
    ]
    card = evaluation.scorecard(demo.users["officer"], periods[0])
    assert len(card.rows) >= 10
    assert [r.rank for r in card.rows] == list(range(1, len(card.rows) + 1))
    assert card.rows[0].score > card.rows[-1].score
    for row in card.rows:
        assert row.metrics["per_100m_premium"].value is not None
        assert row.metrics["per_10k_policies"].value is not None
    assert sum(1 for r in card.rows if r.metrics["premium_change"].value is not None) >= 10
    china_life = CompanyFigures.objects.get(company__name="中国人寿保险股份有限公司", period_start=date(2012, 1, 1))
    assert Decimal("1e9") < china_life.premium < Decimal("2e10")
    assert 100_000 < china_life.policies < 5_000_000


@pytest.mark.django_db
def test_two_typical_cases_of_delayed_claims_are_published(demo):
    published = TypicalCase.objects.filter(status="published").select_related("case__visit", "author", "approver")
    assert published.count() == 2
    for tc in published:
        assert tc.author.username == "officer"
        assert tc.approver.username == "officer2"
        assert "理赔" in tc.title
        visit = tc.case.visit
        assert visit.campaign_id == demo.campaign.pk
        assert visit.visitor_name in tc.narrative  # the draft named the consumer …
        for text in (tc.scrubbed, tc.title, tc.lesson):  # … what is published does not
            assert visit.visitor_name not in text
            assert visit.visitor_phone not in text
        assert {"name", "phone"} <= {span["kind"] for span in tc.spans}
    public = published_typical_cases(campaign_id=demo.campaign.pk)
    assert len(public) == 2


@pytest.mark.django_db
def test_the_report_to_the_media_is_published(demo):
    report = PublishedReport.objects.get()
    assert report.campaign_id == demo.campaign.pk
    assert f"/r/{report.public_id}/" in demo.output
    snapshot = report.snapshot
    assert {f["key"]: f["value"] for f in snapshot["figures"]}["visits"] == 15_307
    assert all(snapshot["sections"][k] for k in ("ranking", "spot_checks", "callbacks", "typical_cases"))
    assert len(snapshot["typical_cases"]["items"]) == 2
    page = Client().get(f"/r/{report.public_id}/")
    assert page.status_code == 200
    assert report.title in page.content.decode()


# ---- pure parts of the follow-up ----------------------------------------------------------------


def test_amounts_follow_the_complaint():
    assert replies.amounts_in("修理厂报价1.2万元，保险公司只核定3600元") == [12_000, 3_600]
    rng = random.Random(1)
    summary = "修理厂报价1.2万元，保险公司只核定3600元"
    assert replies.amount_for(rng, issue="claim_amount", line="motor", decision="upheld", summary=summary) == Decimal(
        "8400.00"
    )
    assert replies.amount_for(rng, issue="claim_amount", line="motor", decision="not_upheld", summary=summary) is None
    assert replies.amount_for(rng, issue="attitude", line="motor", decision="upheld") is None
    partly = replies.amount_for(rng, issue="claim_delay", line="motor", decision="partly_upheld", summary="赔付5万元")
    assert Decimal("15000") <= partly <= Decimal("35000")


@pytest.mark.django_db
def test_due_categories_follow_the_calendar():
    # Friday 2026-11-27, 20:00 in Shanghai. Received 16 days ago (Wednesday 11th): due Thursday
    # 26th, past. 15 days ago: due tonight at 24:00, soon. 14 or 13 days ago: the 15th day is
    # Saturday or Sunday, so due Monday 30th at 24:00 — more than three days away.
    now = datetime(2026, 11, 27, 20, 0, tzinfo=SHANGHAI)
    days = casework.due_categories(now)
    assert days[casework.SOON] == [15]
    assert 16 in days[casework.OVERDUE]
    assert {1, 13, 14} <= set(days[casework.LATER])
    every = [ago for group in days.values() for ago in group]
    assert sorted(every) == list(range(1, 26))
    for ago in days[casework.SOON]:
        due = deadlines.due_for("complaint.decision", now - timedelta(days=ago)).at
        assert now < due < now + timedelta(days=3)


# ---- today: a campaign running now, online filings, a case to try ------------------------------


def _live(demo) -> Campaign:
    return Campaign.objects.exclude(pk=demo.campaign.pk).get()


def _signed_in(username: str) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    r = client.post("/accounts/login/", {"username": username, "password": DEFAULT_PASSWORD})
    assert r.status_code == 302, r.content.decode()[:500]
    return client


@pytest.mark.django_db
def test_a_campaign_runs_today_with_both_sites_rostered(demo):
    live = _live(demo)
    assert live.is_live and not demo.campaign.is_live and demo.campaign.is_finished
    assert live.starts_at < demo.started
    assert timezone.localtime(live.ends_at).time().hour == 0
    assert live.ends_at - timezone.now() >= demo_today.MIN_LEFT - timedelta(minutes=5)
    sites = {s.city_id: s for s in live.sites.all()}
    assert set(sites) == {figures.MAOMING, figures.GUANGZHOU}
    for username, code in (("maoming", figures.MAOMING), ("guangzhou", figures.GUANGZHOU)):
        entry = demo.users[username].staff_profile.roster_entries.get(site__campaign=live)
        assert entry.site == sites[code]
        assert entry.checked_in_at is not None
        companies = SiteOrganization.objects.filter(site=sites[code], organization__kind="insurer")
        assert companies.count() == demo_today.COMPANIES_AT_SITE
        executives = RosterEntry.objects.filter(site=sites[code], duty="executive")
        assert executives.count() == 2 * demo_today.COMPANIES_AT_SITE
        assert executives.filter(checked_in_at__isnull=False).count() == 0  # they check in themselves
    # China Life's Maoming head, who has a login, is on duty at today's Maoming site.
    mine = demo.users["chinalife_exec"].staff_profile.roster_entries.get(site__campaign=live)
    assert mine.site == sites[figures.MAOMING] and mine.duty == "executive"

    visits = Visit.objects.filter(campaign=live)
    assert visits.count() == sum(len(plan) for plan in demo_today.LIVE_VISITS.values())
    assert set(visits.values_list("kind", flat=True)) == {"consultation", "suggestion", "complaint"}
    assert set(visits.exclude(outcome="").values_list("outcome", flat=True)) == {"resolved_on_site", "time_limited"}
    assert visits.filter(received_at__lt=live.starts_at).count() == 0
    assert visits.filter(received_at__gt=demo.started).count() == 0
    recorders = dict(visits.values_list("city_id", "created_by__username").distinct())
    assert recorders == {figures.MAOMING: "maoming", figures.GUANGZHOU: "guangzhou"}
    assert "Running today" in demo.output


@pytest.mark.django_db
def test_maoming_records_a_visit_on_the_site_form_right_after_the_demo(demo):
    site = _live(demo).sites.get(city_id=figures.MAOMING)
    client = _signed_in("maoming")
    page = client.get("/visits/new/")
    assert page.status_code == 200
    html = page.content.decode()
    assert site.name in html
    assert "No site of a running campaign is open to you" not in html
    assert demo.campaign.sites.get(city_id=figures.MAOMING).name not in html  # 2012 is over
    before = Visit.objects.filter(site=site).count()
    company = Organization.objects.get(name="中国人寿保险股份有限公司茂名分公司")
    r = client.post(
        "/visits/new/",
        {
            "token": "demo-today-" + "a" * 16,
            "site": str(site.pk),
            "kind": "complaint",
            "visitor_name": "陈海燕",
            "visitor_phone": "13902221234",
            "company": company.name,
            "product_line": "health_illness",
            "summary": "重疾险理赔材料交齐一个月仍未赔付。",
            "outcome": "resolved_on_site",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    visit = Visit.objects.filter(site=site).latest("pk")
    assert Visit.objects.filter(site=site).count() == before + 1
    assert visit.created_by == demo.users["maoming"] and visit.case is not None
    assert r["Location"] == f"/visits/{visit.pk}/receipt/"
    assert client.get(r["Location"]).status_code == 200


def _printed_case(demo) -> tuple[str, str]:
    found = re.search(r"tracking number (\d{16}) with secret code ([A-Z2-9]{8})", demo.output)
    assert found, demo.output[-1500:]
    return found.group(1), found.group(2)


@pytest.mark.django_db
def test_the_printed_tracking_number_and_code_open_the_tracking_page(demo):
    number, code = _printed_case(demo)
    visit = Visit.objects.select_related("case", "company").get(tracking_no=number)
    assert visit.channel == "online" and visit.secret_code == code
    assert visit.case.status == Case.Status.INFORMED
    assert visit.company.head_office.name == "中国人寿保险股份有限公司"
    client = Client()
    client.cookies["django_language"] = "en"
    r = client.post("/track/", {"tracking_no": number, "code": code})
    assert r.status_code == 200
    page = r.content.decode()
    assert visit.company.name in page
    assert visit.visitor_name not in page
    assert "SMS in development" in demo.output and "ombud serve" in demo.output
    # A wrong code still shows nothing.
    assert Client().post("/track/", {"tracking_no": number, "code": "AAAAAAAA"}).status_code == 404


@pytest.mark.django_db
def test_online_filings_of_the_last_weeks_stand_at_every_stage(demo):
    online = Visit.objects.filter(channel="online", received_at__gte=demo.started - timedelta(days=26))
    assert online.filter(received_at__gt=demo.started).count() == 0
    kinds = dict(online.values_list("kind").annotate(n=Count("id")))
    wanted = {k: sum(1 for s in demo_today.ONLINE if s.kind == k) for k in ("consultation", "suggestion")}
    assert {k: kinds[k] for k in wanted} == wanted  # casework.TODAY has online complaints only
    # Ours (demo/today.py) are filed without a staff category; casework.TODAY's are registered with one.
    ours = online.filter(created_by=demo.users["officer"]).filter(Q(case=None) | Q(case__category=""))
    assert ours.count() == len(demo_today.ONLINE)
    assert all(v.city_id and v.visitor_phone for v in ours)
    assert ours.filter(case=None).exclude(company=None).exists() and ours.filter(company=None).exists()
    # A consumer's own words: no receptionist's lead, no note of how it was answered at a site.
    for summary in ours.values_list("summary", flat=True):
        assert not summary.startswith(("来访人称", "来访者", "市民", "投诉人反映", "消费者投诉")), summary
        assert "现场解答" not in summary and "现场已解答" not in summary, summary

    cases = Case.objects.filter(visit__in=ours)
    assert cases.count() == ONLINE_COMPLAINTS
    assert set(cases.values_list("handled_by", flat=True)) == {"company"}
    states = set(cases.values_list("status", flat=True))
    assert states == {"received", "in_progress", "decided", "informed"}
    assert cases.filter(status__in=["received", "in_progress"], due_at=None).count() == 0  # the legal limits run
    decided = cases.filter(status__in=["decided", "informed"])
    assert all(re.search(r"[\u4e00-\u9fff]{10}", r) for r in decided.values_list("reply", flat=True))
    for event in CaseEvent.objects.filter(case__in=decided, type=CaseEvent.Type.DECIDED).select_related("actor"):
        assert event.actor.role == "company_handler"
    # China Life's handler has online complaints in its queue, one of them the printed one.
    number, _code = _printed_case(demo)
    assert cases_for(demo.users["chinalife"]).filter(visit__tracking_no=number).exists()


@pytest.mark.django_db
def test_finished_campaigns_are_never_labelled_live(demo):
    live, old = _live(demo), demo.campaign
    admin = _signed_in("admin")

    def rows(path: str) -> dict[int, str]:
        html = admin.get(path).content.decode()
        return {int(pk): row for pk, row in re.findall(r'<tr data-campaign="(\d+)">(.*?)</tr>', html, re.S)}

    for path in ("/campaigns/", "/campaigns/setup/", "/attendance/"):
        found = rows(path)
        assert set(found) == {live.pk, old.pk}, path
        assert "tag-running" in found[live.pk], path
        assert "tag-running" not in found[old.pk] and "tag-ended" in found[old.pk], path
        assert "running" not in found[old.pk].lower() and "live" not in found[old.pk].lower(), path

    for campaign, finished in ((old, True), (live, False)):
        for path in (f"/campaigns/{campaign.pk}/dashboard/", f"/campaigns/{campaign.pk}/dashboard/live/"):
            html = admin.get(path).content.decode()
            assert ('data-status="finished"' in html) is finished, path
            assert ("live-dot" in html) is not finished, path
            assert ("hx-trigger" in html) is not finished, path
        setup = admin.get(f"/campaigns/{campaign.pk}/setup/").content.decode()
        assert ('data-status="finished"' in setup) is finished
        assert ('id="campaign-finish"' in setup) is not finished


def test_consumers_have_rated_some_online_complaints_and_a_consultation_is_open(demo):
    from ombud.cases.models import Rating
    from ombud.portal.consultations.queries import public_consultations
    from ombud.portal.models import Consultation, ConsultationResponse

    number, _code = _printed_case(demo)
    ratings = Rating.objects.select_related("case")
    assert ratings.count() == 3 and {r.satisfaction for r in ratings} == {5, 4, 2}
    assert all(r.case.visit.channel == "online" for r in ratings)
    assert not ratings.filter(case__tracking_no=number).exists()  # left for the newcomer to rate
    live = Consultation.objects.get(title="保险服务公开征求意见")
    assert live.opens_at <= timezone.now() < live.closes_at
    assert ConsultationResponse.objects.filter(consultation=live).count() == 6
    assert ConsultationResponse.objects.filter(consultation=live, tags__isnull=False).distinct().count() == 4
    assert live in list(public_consultations())
