"""Every route × every persona: nobody reaches another company's, site's or bureau's objects.

The test walks the URL conf (Django's resolver for the pages, the API's own OpenAPI document for
`/api/v1/`), and calls each route with every method it accepts, as every persona of
`ombud/testing.py` and anonymously, with path parameters naming objects on both sides: company A
in Maoming, company B in Guangzhou (Guangdong bureau) and company B in Shenzhen (Shenzhen bureau,
a campaign of its own). `EXPECT` says, for each route and method, who must get through (`ok`),
whose answer is not pinned (`maybe`: e.g. a party who sees a case but may not take that action)
and, for everyone else, that the answer is a refusal: 403/404 (401 on the API or the login page
when anonymous). Whatever the answer, its body must not hold a tracking number, summary, name or
title of an object the persona may not see. A route missing from `EXPECT` fails the test, so no
new route slips by without an ownership rule.

Each request runs in a savepoint that is rolled back, so the world is the same for every call
and an allowed write proves only that it was allowed; around a refused write the rows it could
have touched are compared before and after (`written`). Lists are called again filtered by each
side's ids. Report totals are compared with what each persona may count. The Django admin is
called route by route as the most privileged persona and anonymously, and at its index as
every persona (one check, `AdminSite.has_permission`, guards all of it; no persona is staff).
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from ombud.api import api
from ombud.campaigns import inspections
from ombud.campaigns.models import Campaign, Inspection, RosterEntry, Site
from ombud.campaigns.services import roster
from ombud.cases import attachments
from ombud.cases.models import Attachment, Case, CaseEvent
from ombud.directory.models import Staff, User
from ombud.intake.models import Visit
from ombud.intake.services import VisitInput, record_visit
from ombud.oversight.callbacks import services as callbacks
from ombud.oversight.models import CallAttempt, CallBack, CompanyFigures, SpotCheck, SpotCheckItem, TypicalCase
from ombud.oversight.spotchecks import services as spotchecks
from ombud.oversight.typical import services as typical
from ombud.portal.consultations import services as consultations
from ombud.portal.models import Consultation, ConsultationResponse, ConsultationTag
from ombud.reports.models import PublishedReport
from ombud.reports.publication import services as publication
from ombud.testing import PASSWORD, SHENZHEN, ApiClient, World, make_world

ANON = "anonymous"
PERSONAS = (
    "admin",
    "officer",
    "sz_officer",
    "officer_no_bureau",
    "staff_mm",
    "handler_a",
    "handler_b",
    "nobody",
    ANON,
)
EVERYONE = frozenset(PERSONAS)
SIGNED_IN = EVERYONE - {ANON}
# Who sees a campaign's public face (its name, sites, the roster it lets them see): anyone
# signed in. A user without a role or a bureau may get a refusal or an empty page.
NO_ROLE = frozenset({"nobody", "officer_no_bureau"})
PAGE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ADMIN_METHODS = ("GET", "POST")  # the Django admin's views serve these; no persona is staff
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


# ---- the world: objects on both sides ------------------------------------------------------------


@dataclass
class Target:
    """One object a route can name: its path parameters, who may see it, and the strings that
    betray it (tracking number, summary token, name, title) if they appear in a response."""

    key: str
    params: dict
    seen_by: frozenset
    markers: tuple = ()
    data: dict = field(default_factory=dict)  # ids a body needs (company, city, site, case)


@dataclass
class Owned:
    world: object
    targets: dict
    sessions: dict  # persona -> session cookie of a signed-in browser
    tokens: dict  # persona -> Authorization header of a bearer token
    users: dict

    def t(self, key: str) -> Target:
        return self.targets[key]

    def browser(self, persona: str) -> Client:
        """A fresh client for each call: a logout, a language choice or a cookie set by one
        route must not change what the next one sees."""
        client = Client()
        if self.sessions[persona] is not None:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[persona].value
        return client


def _phone(token: str) -> str:
    """A mobile number of its own for each visit: a full number in an answer is a marker too."""
    return "1390000" + str(MARKED_TOKENS.index(token)).zfill(4)


MARKED_TOKENS = [f"QX{side}{state}" for side in ("AMM", "BGZ", "BSZ") for state in ("CLOSED", "OPEN")] + [
    "QXAGZCONSULT"
]


def _visit(w, actor, token, *, site=None, company, outcome="resolved_on_site", city=None, kind="complaint"):
    return record_visit(
        actor,
        VisitInput(
            kind=kind,
            visitor_name="赵" + token[-2:],
            visitor_phone=_phone(token),
            summary=f"理赔纠纷 {token}",
            site_id=site.pk if site else None,
            channel=None if site else "phone",
            city_code=city,
            company_id=company.pk,
            outcome=outcome if kind == "complaint" else "",
            due_date=(timezone.localdate() + timedelta(days=10)) if outcome == "time_limited" else None,
        ),
    )


def build() -> Owned:
    w = make_world()
    users = {p: getattr(w, p) for p in PERSONAS if p != ANON}
    officer2 = User.objects.create_user(
        username="officer2", password=PASSWORD, role="regulator_officer", organization=w.gd_bureau
    )
    start = w.campaign.starts_at
    campaign_sz = Campaign.objects.create(
        name="深圳保险服务日", starts_at=start, ends_at=start + timedelta(days=1), region_id=SHENZHEN
    )
    site_sz = Site.objects.create(campaign=campaign_sz, city_id=SHENZHEN, name="深圳福田接待点", address="福田区")
    exec_b_gz = Staff.objects.create(name="高管丁GZEXEC", organization=w.company_b, rank="head")
    exec_b_sz = Staff.objects.create(name="高管丙SZEXEC", organization=w.company_b, rank="head")
    roster(w.site_gz, [], [exec_b_gz])
    roster(site_sz, [w.company_b], [exec_b_sz])

    t: dict[str, Target] = {}
    A_MM = frozenset({"admin", "officer", "staff_mm", "handler_a"})
    B_GZ = frozenset({"admin", "officer", "handler_b"})
    B_SZ = frozenset({"admin", "sz_officer", "handler_b"})
    A_GZ = frozenset({"admin", "officer", "handler_a"})
    sides = {
        "a_mm": (w.staff_mm, w.site_mm, w.company_a_maoming, A_MM),
        "b_gz": (w.admin, w.site_gz, w.company_b, B_GZ),
        "b_sz": (w.admin, site_sz, w.company_b, B_SZ),
    }
    for side, (actor, site, company, seen) in sides.items():
        for state, outcome in (("closed", "resolved_on_site"), ("open", "time_limited")):
            token = f"QX{side.upper().replace('_', '')}{state.upper()}"
            rec = _visit(w, actor, token, site=site, company=company, outcome=outcome)
            params = {"case_id": rec.case_id, "visit_id": rec.visit.pk, "tracking_no": rec.visit.tracking_no}
            data = {"company_id": company.pk, "city_code": site.city_id, "site_id": site.pk}
            data["code"] = rec.visit.secret_code  # the consumer's secret code (the public case page)
            t[f"case_{side}_{state}"] = Target(
                f"case_{side}_{state}", params, seen, (rec.visit.tracking_no, token, _phone(token)), data
            )
    rec = _visit(w, w.admin, "QXAGZCONSULT", site=w.site_gz, company=w.company_a, kind="consultation")
    markers = (rec.visit.tracking_no, "QXAGZCONSULT", _phone("QXAGZCONSULT"))
    t["visit_a_gz"] = Target("visit_a_gz", {"visit_id": rec.visit.pk}, A_GZ, markers)

    # evidence on each open case
    for side in sides:
        case_t = t[f"case_{side}_open"]
        upload = _Upload(f"evidence-{side}.png", PNG)
        att = attachments.add_attachment(w.admin, case_t.params["case_id"], upload)
        t[f"att_{side}"] = Target(
            f"att_{side}", {"case_id": case_t.params["case_id"], "attachment_id": att.pk}, case_t.seen_by
        )

    # campaigns, sites, roster entries (people are named: their names are markers)
    everyone_in = SIGNED_IN
    t["campaign_gd"] = Target("campaign_gd", {"campaign_id": w.campaign.pk}, everyone_in, (), {"region_code": "440000"})
    t["campaign_sz"] = Target(
        "campaign_sz", {"campaign_id": campaign_sz.pk}, everyone_in, (), {"region_code": SHENZHEN}
    )
    for key, site, campaign in (("site_mm", w.site_mm, w.campaign), ("site_gz", w.site_gz, w.campaign)):
        t[key] = Target(
            key, {"site_id": site.pk, "campaign_id": campaign.pk}, everyone_in, (), {"city_code": site.city_id}
        )
    for key, company, city in (("city_a_mm", w.company_a_maoming, "440900"), ("city_b_sz", w.company_b, SHENZHEN)):
        t[key] = Target(key, {}, everyone_in, (), {"city_code": city, "company_id": company.pk})
    t["site_sz"] = Target(
        "site_sz", {"site_id": site_sz.pk, "campaign_id": campaign_sz.pk}, everyone_in, (), {"city_code": SHENZHEN}
    )
    entries = {
        "entry_staff_mm": (
            RosterEntry.objects.get(site=w.site_mm, staff__user=w.staff_mm),
            {"admin", "officer", "staff_mm"},
        ),
        "entry_exec_a_mm": (
            RosterEntry.objects.get(site=w.site_mm, staff__name="高管乙"),
            {"admin", "officer", "staff_mm", "handler_a"},
        ),
        "entry_exec_b_gz": (RosterEntry.objects.get(staff=exec_b_gz), {"admin", "officer", "handler_b"}),
        "entry_exec_b_sz": (RosterEntry.objects.get(staff=exec_b_sz), {"admin", "sz_officer", "handler_b"}),
    }
    for key, (entry, seen) in entries.items():
        marker = entry.staff.name if entry.staff.name.endswith("EXEC") else ()
        t[key] = Target(
            key,
            {"entry_id": entry.pk, "site_id": entry.site_id, "campaign_id": entry.site.campaign_id},
            frozenset(seen),
            (marker,) if marker else (),
        )

    # inspections
    now = timezone.now()
    inspections.record_inspection(
        w.officer, w.site_mm.pk, inspections.InspectionInput(started_at=now, findings="INSPMMQX")
    )
    inspections.record_inspection(
        w.sz_officer, site_sz.pk, inspections.InspectionInput(started_at=now, findings="INSPSZQX")
    )
    t["insp_mm"] = Target("insp_mm", {}, frozenset({"admin", "officer", "staff_mm"}), ("INSPMMQX",))
    t["insp_sz"] = Target("insp_sz", {}, frozenset({"admin", "sz_officer"}), ("INSPSZQX",))

    # spot checks
    sc_gd = spotchecks.draw(
        w.officer, title="SCGDQX", campaign_id=w.campaign.pk, size_mode="count", size_value=5, seed="s"
    )
    sc_sz = spotchecks.draw(
        w.sz_officer, title="SCSZQX", campaign_id=campaign_sz.pk, size_mode="count", size_value=5, seed="s"
    )
    for key, sc, seen in (("sc_gd", sc_gd, {"admin", "officer"}), ("sc_sz", sc_sz, {"admin", "sz_officer"})):
        item = SpotCheckItem.objects.filter(spot_check=sc).order_by("position").first()
        t[key] = Target(key, {"spot_check_id": sc.pk, "item_id": item.pk}, frozenset(seen), (sc.title,))

    # call-backs
    callbacks.build_call_list(w.officer, campaign_id=w.campaign.pk)
    callbacks.build_call_list(w.sz_officer, campaign_id=campaign_sz.pk)
    for side, seen in (
        ("a_mm", {"admin", "officer"}),
        ("b_gz", {"admin", "officer"}),
        ("b_sz", {"admin", "sz_officer"}),
    ):
        cb = CallBack.objects.get(case_id=t[f"case_{side}_closed"].params["case_id"])
        t[f"cb_{side}"] = Target(f"cb_{side}", {"callback_id": cb.pk}, frozenset(seen))

    # typical cases: a draft on each side, and one published (public)
    def typical_case(author, case_key, title):
        return typical.create_typical_case(
            author,
            t[case_key].params["case_id"],
            typical.TypicalInput(title=title, narrative=f"{title} 消费者投诉理赔被拒，经协调赔付。", lesson="如实告知"),
        )

    tc_gd = typical_case(w.officer, "case_a_mm_closed", "TCGDQX")
    tc_sz = typical_case(w.sz_officer, "case_b_sz_closed", "TCSZQX")
    tc_pub = typical_case(w.officer, "case_b_gz_closed", "TCPUBQX")
    typical.confirm_spans(w.officer, tc_pub.pk)
    typical.submit_typical_case(w.officer, tc_pub.pk)
    typical.publish_typical_case(officer2, tc_pub.pk)
    t["tc_gd"] = Target(
        "tc_gd", {"typical_id": tc_gd.pk, "public_id": tc_gd.public_id}, frozenset({"admin", "officer"}), ("TCGDQX",)
    )
    t["tc_sz"] = Target(
        "tc_sz", {"typical_id": tc_sz.pk, "public_id": tc_sz.public_id}, frozenset({"admin", "sz_officer"}), ("TCSZQX",)
    )
    t["tc_pub"] = Target("tc_pub", {"typical_id": tc_pub.pk, "public_id": tc_pub.public_id}, EVERYONE)

    # reports to the media: one per bureau, and one withdrawn
    rep_gd = publication.publish(w.officer, campaign_id=w.campaign.pk, title="REPGDQX")
    rep_sz = publication.publish(w.sz_officer, campaign_id=campaign_sz.pk, title="REPSZQX")
    rep_old = publication.publish(w.officer, campaign_id=w.campaign.pk, title="REPOLDQX")
    publication.withdraw(w.officer, rep_old.public_id)
    t["rep_gd"] = Target("rep_gd", {"public_id": rep_gd.public_id}, EVERYONE)
    t["rep_sz"] = Target("rep_sz", {"public_id": rep_sz.public_id}, EVERYONE)
    t["rep_old"] = Target("rep_old", {"public_id": rep_old.public_id}, frozenset({"admin", "officer"}), ("REPOLDQX",))

    # public consultations (portal/consultations): one scheduled, one open and one closed per
    # bureau; the open and closed ones answered (the answer's text and its tag are the markers:
    # a consultation's title and questions are public, its answers and tags its bureau's)
    for bureau, officer, seen_by in (
        ("gd", w.officer, {"admin", "officer"}),
        ("sz", w.sz_officer, {"admin", "sz_officer"}),
    ):
        for state in ("sched", "open", "closed"):
            key = f"cons_{bureau}_{state}"
            t[key] = _consultation_target(key, officer, state, frozenset(seen_by))

    pages, apis = {}, {}
    for persona in PERSONAS:
        user = users.get(persona)
        browser = Client()
        if user is not None:
            browser.force_login(user)
        pages[persona] = browser.cookies.get(settings.SESSION_COOKIE_NAME)
        apis[persona] = ApiClient(user).headers
    return Owned(w, t, pages, apis, users)


def _consultation_target(key: str, officer, state: str, seen_by: frozenset) -> Target:
    now = timezone.now()
    opens = now + timedelta(days=1) if state == "sched" else now - timedelta(days=2)
    questions = (
        consultations.QuestionInput(text="满意吗？", kind="choice", choices=("满意", "不满意"), required=True),
        consultations.QuestionInput(text="有什么建议？"),
    )
    c = consultations.open_consultation(
        officer,
        consultations.ConsultationInput(
            title=f"征求意见{key}",
            description="请谈谈意见。",
            opens_at=opens,
            closes_at=opens + timedelta(days=7),
            questions=questions,
        ),
        now=opens - timedelta(minutes=1),
    )
    q1, q2 = c.questions.order_by("position")
    data = {"bureau_id": c.bureau_id, "q1": q1.pk, "q2": q2.pk}
    params = {"consultation_id": c.pk, "response_id": 1}
    markers: tuple = ()
    if state != "sched":
        token = "QXANS" + key.upper().replace("_", "")
        r = consultations.submit_response(
            c.pk,
            consultations.ResponseInput(
                answers=(
                    consultations.AnswerInput(q1.pk, choice="不满意"),
                    consultations.AnswerInput(q2.pk, text=f"理赔慢 {token}"),
                )
            ),
            address=f"198.51.100.{len(key)}",
        )
        tag = "QXTAG" + key.upper().replace("_", "")
        consultations.set_tags(officer, c.pk, r.pk, [tag])
        params["response_id"] = r.pk
        markers = (token, tag)
        if state == "closed":
            Consultation.objects.filter(pk=c.pk).update(closes_at=now - timedelta(minutes=5))
    return Target(key, params, seen_by, markers, data)


class _Upload(io.BytesIO):
    def __init__(self, name: str, content: bytes):
        super().__init__(content)
        self.name, self.size = name, len(content)


@pytest.fixture(scope="module")
def owned(django_db_setup, django_db_blocker):
    """One world for the module, built in a transaction rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# ---- the expectations ----------------------------------------------------------------------------

Who = Callable[[Target], frozenset] | frozenset


def seen(t: Target) -> frozenset:
    return t.seen_by


def regulators_seeing(t: Target) -> frozenset:
    return t.seen_by & {"admin", "officer", "sz_officer"}


def bureau_of(t: Target) -> frozenset:
    """Regulators in the bureau whose jurisdiction holds the object (and the nationwide admin)."""
    return frozenset({"admin", "sz_officer"} if "sz" in t.key else {"admin", "officer"})


def _minus(a: Who, b: Who) -> Who:
    return lambda t: _who(a, t) - _who(b, t)


def _who(who: Who, t: Target) -> frozenset:
    return who(t) if callable(who) else frozenset(who)


@dataclass(frozen=True)
class Rule:
    """Who gets through to a route for each of its targets (`-` = a route naming no object)."""

    targets: tuple = ("-",)
    ok: Who = frozenset()  # must get through (a 2xx, or a redirect that is not to the login page)
    maybe: Who = frozenset()  # not pinned: may get through or be refused
    body: Callable | None = None  # (owned, target) -> JSON/form data
    query: dict = field(default_factory=dict)
    ok_status: frozenset = frozenset({200, 201, 204, 301, 302, 303})
    multipart: bool = False  # the body is a file upload
    in_body: bool = False  # the object is named in the body: "unknown site" (400) is a refusal too


# ---- portal: filing (issue 10) — helpers of its EXPECT block ----
_filing_phones = iter(range(10**6))


def _filing_phone() -> str:
    return f"1390{next(_filing_phones):07d}"


def _filing_body(o, t) -> dict:
    """A valid public filing: a fresh phone with a live SMS code (made directly: the test's SMS
    backend is the console)."""
    from ombud.personal_data import blind_index
    from ombud.portal import verification
    from ombud.portal.models import PhoneChallenge

    phone, now = _filing_phone(), timezone.now()
    PhoneChallenge.objects.create(
        phone_index=blind_index(phone),
        purpose="file",
        code_hash="k$" + verification._hash("k", "123456"),
        created_at=now,
        expires_at=now + timedelta(minutes=10),
    )
    return {
        "kind": "complaint",
        "otp": "123456",
        "phone": phone,
        "name": "王公众",
        "company_id": o.world.company_a_maoming.pk,
        "city_code": "440900",
        "summary": "网上投诉理赔拖延。",
        "request": "尽快赔付。",
    }


CASES = (
    "case_a_mm_closed",
    "case_b_gz_closed",
    "case_b_sz_closed",
    "case_a_mm_open",
    "case_b_gz_open",
    "case_b_sz_open",
)
OPEN = ("case_a_mm_open", "case_b_gz_open", "case_b_sz_open")
CLOSED = ("case_a_mm_closed", "case_b_gz_closed", "case_b_sz_closed")
VISITS = (*CASES, "visit_a_gz")
ATTS = ("att_a_mm", "att_b_gz", "att_b_sz")
CAMPAIGNS = ("campaign_gd", "campaign_sz")
SITES = ("site_mm", "site_gz", "site_sz")
ENTRIES = ("entry_staff_mm", "entry_exec_a_mm", "entry_exec_b_gz", "entry_exec_b_sz")
SPOT = ("sc_gd", "sc_sz")
CBS = ("cb_a_mm", "cb_b_gz", "cb_b_sz")
TYPICAL = ("tc_gd", "tc_sz")
REPORTS = ("rep_gd", "rep_sz")
REGULATORS = frozenset({"admin", "officer", "sz_officer"})
COMPANY_USERS = frozenset({"handler_a", "handler_b"})
PERIOD = {"period_start": "2026-01-01", "period_end": "2026-12-31"}


def _visit_body(o: Owned, t: Target) -> dict:
    if t.key.startswith("city_"):  # a phone visit in a city, no site
        where = {"channel": "phone", "city_code": t.data["city_code"], "company_id": t.data["company_id"]}
    else:
        where = {"site_id": t.params["site_id"]}
    return {
        **where,
        "kind": "consultation",
        "visitor": {"name": "孙某"},
        "summary": "咨询退保流程",
    }


def _case_body(o: Owned, t: Target) -> dict:
    return {
        "company_id": t.data["company_id"],
        "complainant": {"name": "钱某", "phone": "13900001234"},
        "summary": "车险理赔慢",
        "channel": "phone",
        "received_at": timezone.now().isoformat(),
        "city_code": t.data["city_code"],
    }


def _typical_body(o: Owned, t: Target) -> dict:
    return {"case_id": t.params["case_id"], "title": "理赔案例", "narrative": "消费者投诉理赔被拒。"}


CONS_SCHED = ("cons_gd_sched", "cons_sz_sched")
CONS_OPEN = ("cons_gd_open", "cons_sz_open")
CONS_CLOSED = ("cons_gd_closed", "cons_sz_closed")
CONS_ANSWERED = CONS_OPEN + CONS_CLOSED
CONSULTATIONS = CONS_SCHED + CONS_ANSWERED


def _consultation_body(o: Owned, t: Target) -> dict:
    now = timezone.now()
    return {
        "bureau_id": t.data["bureau_id"],
        "title": "新的征求意见",
        "description": "请谈谈意见。",
        "opens_at": (now + timedelta(days=2)).isoformat(),
        "closes_at": (now + timedelta(days=9)).isoformat(),
        "questions": [{"text": "有什么建议？"}],
    }


def _consultation_form(t: Target) -> dict:
    start = timezone.localtime() + timedelta(days=2)
    return {
        "bureau": t.data["bureau_id"],
        "title": "新的征求意见",
        "description": "请谈谈意见。",
        "opens_at": start.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (start + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        "q0_text": "有什么建议？",
        "q0_kind": "text",
    }


def _consultation_answer(o: Owned, t: Target) -> dict:
    return {"answers": [{"question_id": t.data["q1"], "choice": "满意"}, {"question_id": t.data["q2"], "text": "好"}]}


def _consultation_form_answer(t: Target) -> dict:
    return {f"q{t.data['q1']}": "满意", f"q{t.data['q2']}": "好"}


# Who may record at a site (visits) or mark attendance: its bureau, its staff, its companies.
RECORD_AT = {
    "site_mm": frozenset({"admin", "officer", "staff_mm", "handler_a", "handler_b"}),
    "site_gz": frozenset({"admin", "officer", "handler_a", "handler_b"}),
    "site_sz": frozenset({"admin", "sz_officer", "handler_b"}),
    # a phone visit by city: the city's bureau, the company it is about (site staff: only on site)
    "city_a_mm": frozenset({"admin", "officer", "handler_a"}),
    "city_b_sz": frozenset({"admin", "sz_officer", "handler_b"}),
}
SUBMIT_REGION = {"campaign_gd": frozenset({"admin", "officer"}), "campaign_sz": frozenset({"admin", "sz_officer"})}


def _site_writer(t: Target) -> frozenset:
    return RECORD_AT[t.key]


def _campaign_bureau(t: Target) -> frozenset:
    return SUBMIT_REGION[t.key]


def _new_case_filer(t: Target) -> frozenset:
    # a case against company A in Maoming / company B in Shenzhen, by phone (no site)
    return frozenset({"admin", "officer", "handler_a"} if "a_mm" in t.key else {"admin", "sz_officer", "handler_b"})


def _setup_dates() -> dict:
    """A campaign's start and end as the set-up forms take them (local time, minutes)."""
    start = timezone.localtime() - timedelta(hours=1)
    return {
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
    }


def _markers_only(t: Target) -> frozenset:
    return SIGNED_IN - NO_ROLE


NOT_COMPANIES = SIGNED_IN - NO_ROLE - COMPANY_USERS  # inspections are the regulator's and the sites'
# A site's roster page: its bureau, its staff, the companies with people on it (must); a company
# rostered there without people (may).
ROSTER_PAGE = {
    "site_mm": (frozenset({"admin", "officer", "staff_mm", "handler_a"}), frozenset({"handler_b"})),
    "site_gz": (frozenset({"admin", "officer", "handler_b"}), frozenset({"handler_a"})),
    "site_sz": (frozenset({"admin", "sz_officer", "handler_b"}), frozenset()),
}


# A case is acted on (the consumer's withdrawal, evidence) by its handler and its regulator; site
# staff, who may see the cases of their site, may not (404).
WITHDRAWERS = _minus(seen, {"staff_mm"})


def _other_code(o: Owned, t: Target) -> str:
    """The secret code of another consumer's case (the case page)."""
    return o.t("case_b_gz_open" if t.key != "case_b_gz_open" else "case_a_mm_open").data["code"]


API = "/api/v1"
EXPECT: dict[str, Rule] = {
    # ---- API: directory ----
    "POST /api/v1/auth/token": Rule(ok=EVERYONE, body=lambda o, t: {"username": "handler_b", "password": PASSWORD}),
    "DELETE /api/v1/auth/token": Rule(ok=SIGNED_IN),  # revokes the presented token (rolled back)
    "GET /api/v1/regions": Rule(ok=SIGNED_IN),
    "GET /api/v1/organizations": Rule(ok=SIGNED_IN),
    # ---- API: campaigns, sites, rosters, attendance, inspections ----
    "GET /api/v1/campaigns": Rule(ok=SIGNED_IN - NO_ROLE, maybe=NO_ROLE),
    "POST /api/v1/campaigns": Rule(
        in_body=True,
        targets=CAMPAIGNS,
        ok=_campaign_bureau,
        body=lambda o, t: {
            "name": "新活动",
            "starts_at": timezone.now().isoformat(),
            "ends_at": (timezone.now() + timedelta(days=1)).isoformat(),
            "region_code": t.data["region_code"],
        },
    ),
    "GET /api/v1/campaigns/{campaign_id}": Rule(targets=CAMPAIGNS, ok=SIGNED_IN - NO_ROLE, maybe=NO_ROLE),
    "GET /api/v1/campaigns/{campaign_id}/sites": Rule(targets=CAMPAIGNS, ok=SIGNED_IN - NO_ROLE, maybe=NO_ROLE),
    "POST /api/v1/campaigns/{campaign_id}/sites": Rule(
        in_body=True,
        targets=CAMPAIGNS,
        ok=_campaign_bureau,
        body=lambda o, t: {"city_code": "440200" if t.key == "campaign_gd" else SHENZHEN, "name": "新接待点"},
    ),
    "GET /api/v1/campaigns/{campaign_id}/roster": Rule(targets=CAMPAIGNS, ok=SIGNED_IN - NO_ROLE, maybe=NO_ROLE),
    "POST /api/v1/roster/{entry_id}/check-in": Rule(
        targets=ENTRIES, ok=lambda t: t.seen_by - COMPANY_USERS, maybe=lambda t: t.seen_by & COMPANY_USERS
    ),
    "POST /api/v1/roster/{entry_id}/check-out": Rule(
        targets=ENTRIES,
        ok=lambda t: t.seen_by - COMPANY_USERS,
        maybe=lambda t: t.seen_by & COMPANY_USERS,
        ok_status=frozenset({200, 409}),  # 409: not checked in (past the access check)
    ),
    "GET /api/v1/campaigns/{campaign_id}/attendance": Rule(targets=CAMPAIGNS, ok=_markers_only),  # no role: 403
    "POST /api/v1/sites/{site_id}/inspections": Rule(
        targets=SITES,
        ok=bureau_of,
        body=lambda o, t: {"started_at": timezone.now().isoformat(), "findings": "秩序良好"},
    ),
    "GET /api/v1/campaigns/{campaign_id}/inspections": Rule(targets=CAMPAIGNS, ok=NOT_COMPANIES),  # no role: 403
    # ---- API: visits and cases ----
    "POST /api/v1/visits": Rule(
        in_body=True, targets=(*SITES, "city_a_mm", "city_b_sz"), ok=_site_writer, body=_visit_body
    ),
    "GET /api/v1/visits": Rule(ok=SIGNED_IN - NO_ROLE, maybe=NO_ROLE),
    "GET /api/v1/visits/{visit_id}": Rule(targets=VISITS, ok=seen),
    "GET /api/v1/campaigns/{campaign_id}/report": Rule(targets=CAMPAIGNS, ok=_markers_only, maybe=NO_ROLE),
    "GET /api/v1/reports/cases": Rule(ok=SIGNED_IN - NO_ROLE, maybe=NO_ROLE),
    "POST /api/v1/cases": Rule(
        in_body=True, targets=("case_a_mm_open", "case_b_sz_open"), ok=_new_case_filer, body=_case_body
    ),
    "GET /api/v1/cases": Rule(ok=SIGNED_IN - NO_ROLE, maybe=NO_ROLE),
    "GET /api/v1/cases/{case_id}": Rule(targets=CASES, ok=seen),
    "POST /api/v1/cases/{case_id}/transitions": Rule(
        targets=OPEN, ok=WITHDRAWERS, body=lambda o, t: {"action": "withdraw", "reason": "撤回"}
    ),
    "POST /api/v1/cases/{case_id}/attachments": Rule(targets=OPEN, ok=WITHDRAWERS, multipart=True),
    "GET /api/v1/cases/{case_id}/attachments": Rule(targets=OPEN, ok=seen),
    "GET /api/v1/cases/{case_id}/attachments/{attachment_id}": Rule(targets=ATTS, ok=seen),
    # ---- API: spot checks ----
    "POST /api/v1/spot-checks": Rule(
        in_body=True,
        targets=CAMPAIGNS,
        ok=_campaign_bureau,
        body=lambda o, t: {"campaign_id": t.params["campaign_id"], "size_mode": "count", "size_value": 1},
    ),
    "GET /api/v1/spot-checks": Rule(ok=REGULATORS, maybe={"officer_no_bureau"}),
    "GET /api/v1/spot-checks/pass-rates": Rule(ok=REGULATORS, maybe={"officer_no_bureau"}),
    "GET /api/v1/spot-checks/{spot_check_id}": Rule(targets=SPOT, ok=seen),
    "POST /api/v1/spot-checks/{spot_check_id}/items/{item_id}/finding": Rule(
        targets=SPOT, ok=seen, body=lambda o, t: {"finding": "proper"}
    ),
    # ---- API: call-backs ----
    "GET /api/v1/callbacks": Rule(ok=REGULATORS, maybe={"officer_no_bureau"}),
    "POST /api/v1/callbacks/build": Rule(
        in_body=True, targets=CAMPAIGNS, ok=_campaign_bureau, body=lambda o, t: {"campaign_id": t.params["campaign_id"]}
    ),
    "GET /api/v1/callbacks/report": Rule(ok=REGULATORS, maybe={"officer_no_bureau"}),
    "GET /api/v1/callbacks/{callback_id}": Rule(targets=CBS, ok=seen),
    "POST /api/v1/callbacks/{callback_id}/phone": Rule(targets=CBS, ok=seen),
    "POST /api/v1/callbacks/{callback_id}/attempts": Rule(
        targets=CBS, ok=seen, body=lambda o, t: {"result": "no_answer"}
    ),
    # ---- API: typical cases ----
    "POST /api/v1/typical-cases": Rule(
        in_body=True,
        targets=OPEN + CLOSED,
        ok=regulators_seeing,
        body=_typical_body,
        ok_status=frozenset({201, 400, 409}),  # 400/409: not decided yet / already has one (past access)
    ),
    "GET /api/v1/typical-cases": Rule(ok=REGULATORS, maybe={"officer_no_bureau"}),
    "GET /api/v1/typical-cases/{typical_id}": Rule(targets=(*TYPICAL, "tc_pub"), ok=lambda t: bureau_of(t)),
    "PUT /api/v1/typical-cases/{typical_id}": Rule(
        targets=TYPICAL,
        ok=lambda t: bureau_of(t) - {"admin"},
        maybe={"admin"},
        body=lambda o, t: {"title": "改后的标题", "narrative": "消费者投诉理赔被拒，协调后赔付。"},
    ),
    "POST /api/v1/typical-cases/{typical_id}/confirm-spans": Rule(targets=TYPICAL, ok=lambda t: bureau_of(t)),
    "POST /api/v1/typical-cases/{typical_id}/submit": Rule(
        targets=TYPICAL, ok=lambda t: bureau_of(t) - {"admin"}, maybe={"admin"}, ok_status=frozenset({200, 409})
    ),
    "POST /api/v1/typical-cases/{typical_id}/return": Rule(
        targets=TYPICAL, ok=bureau_of, ok_status=frozenset({200, 409})
    ),
    "POST /api/v1/typical-cases/{typical_id}/publish": Rule(
        targets=TYPICAL,
        ok={"admin"},
        maybe=bureau_of,
        ok_status=frozenset({200, 409}),  # the author may not
    ),
    "POST /api/v1/typical-cases/{typical_id}/withdraw": Rule(
        targets=TYPICAL, ok=bureau_of, ok_status=frozenset({200, 409})
    ),
    "GET /api/v1/public/typical-cases": Rule(ok=EVERYONE),
    "GET /api/v1/public/typical-cases/{public_id}": Rule(
        targets=(*TYPICAL, "tc_pub"), ok=lambda t: EVERYONE if t.key == "tc_pub" else frozenset()
    ),
    # ---- API: evaluation, reports to the media ----
    "GET /api/v1/evaluation": Rule(ok=REGULATORS, maybe={"officer_no_bureau"}, query=PERIOD),
    "POST /api/v1/evaluation/figures": Rule(
        ok=REGULATORS,
        maybe={"officer_no_bureau"},
        body=lambda o, t: {**PERIOD, "rows": [{"company_id": o.world.company_b.pk, "premium": "1000", "policies": 10}]},
    ),
    "GET /api/v1/public/reports/{public_id}": Rule(
        targets=(*REPORTS, "rep_old"), ok=lambda t: frozenset() if t.key == "rep_old" else EVERYONE
    ),
    "* /api/v1/openapi.json": Rule(ok=EVERYONE),
    "* /api/v1/docs": Rule(ok=EVERYONE),
    "* /api/v1/": Rule(ok=frozenset()),  # the API root: 404 for everyone
    "* ^api/": Rule(ok=frozenset()),  # anything else under /api/: 404
    # ---- pages: the public home (issue 10, portal home) ----
    # Staff are sent to their start page; a visitor or an account without a role gets the
    # public home (GET only: other methods are a 405 for them).
    "GET /": Rule(ok=EVERYONE),
    "* /": Rule(ok=SIGNED_IN - {"nobody"}, maybe={"nobody", ANON}),
    "GET /r/": Rule(ok=EVERYONE),  # the public list of published reports
    # ---- portal: filing (issue 10): public routes, anyone gets through with valid input ----
    "POST /api/v1/public/otp": Rule(
        ok=EVERYONE, body=lambda o, t: {"phone": _filing_phone()}, ok_status=frozenset({202})
    ),
    "POST /api/v1/public/filings": Rule(ok=EVERYONE, body=_filing_body, ok_status=frozenset({201})),
    "GET /api/v1/public/companies": Rule(ok=EVERYONE, query={"q": "平安"}),
    "GET /file/": Rule(ok=EVERYONE),
    "POST /file/": Rule(maybe=EVERYONE),  # a step without its data: the step again (400)
    "GET /file/done/": Rule(ok=EVERYONE),  # the receipt once, from the session; else a note
    "GET /dev/sms/": Rule(maybe=EVERYONE),  # 200 with the console or file SMS backend, else 404
    # ---- pages: shared ----
    "GET /accounts/login/": Rule(ok=EVERYONE),
    "* /accounts/login/": Rule(maybe=EVERYONE),  # other methods: 405, or a signed-in user sent home
    "* /accounts/logout/": Rule(maybe=EVERYONE),  # signs out (rolled back) and goes to the login page
    "* /i18n/setlang/": Rule(ok=EVERYONE, body=lambda o, t: {"language": "en"}),
    "GET /track/": Rule(ok=EVERYONE),
    "* /track/": Rule(maybe=EVERYONE),  # a form without a number: 400, with the form again
    # ---- the consumer's case page (portal/casepage): no persona holds a case's proof ----
    "GET /track/mine/": Rule(ok=EVERYONE),  # the phone form; never says whether a phone has cases
    "* /track/mine/": Rule(maybe=EVERYONE),  # a form without a step: 400
    # no number + code proven in this browser's session: 403 with the code form, exists or not
    "GET /track/<tracking_no>/": Rule(targets=CASES, ok=frozenset()),
    "POST /track/<tracking_no>/actions/<action>/": Rule(
        targets=OPEN, ok=frozenset(), body=lambda o, t: {"withdraw-reason": "撤回"}
    ),
    # a wrong code: 404 for everyone, as for a number that does not exist
    "GET /api/v1/public/cases/{tracking_no}": Rule(targets=CASES, ok=frozenset(), query={"code": "AAAAAAAA"}),
    # another consumer's number and code: 404, nothing written
    "POST /api/v1/public/cases/{tracking_no}/actions": Rule(
        targets=OPEN, ok=frozenset(), body=lambda o, t: {"code": _other_code(o, t), "action": "withdraw"}
    ),
    "GET /healthz": Rule(ok=EVERYONE),
    "* /healthz": Rule(maybe=EVERYONE),
    "GET /readyz": Rule(ok=EVERYONE),
    "* /readyz": Rule(maybe=EVERYONE),
    # ---- pages: intake ----
    "GET /visits/": Rule(ok=SIGNED_IN - NO_ROLE, maybe=NO_ROLE),
    "GET /visits/new/": Rule(ok=SIGNED_IN - NO_ROLE, maybe=NO_ROLE),
    "POST /visits/new/": Rule(
        in_body=True,
        targets=SITES,
        ok=_site_writer,
        body=lambda o, t: {
            "site": t.params["site_id"],
            "kind": "consultation",
            "visitor_name": "孙某",
            "summary": "咨询",
        },
    ),
    "GET /visits/<visit_id>/receipt/": Rule(targets=VISITS, ok=seen),
    # ---- pages: cases ----
    "GET /cases/": Rule(ok=SIGNED_IN - NO_ROLE, maybe=NO_ROLE),
    "GET /cases/<case_id>/": Rule(targets=CASES, ok=seen),
    "POST /cases/<case_id>/actions/<action>/": Rule(
        targets=OPEN, ok=WITHDRAWERS, body=lambda o, t: {"withdraw-reason": "撤回"}
    ),
    "POST /cases/<case_id>/attachments/": Rule(targets=OPEN, ok=WITHDRAWERS, multipart=True),
    "GET /cases/<case_id>/attachments/<attachment_id>/": Rule(targets=ATTS, ok=seen),
    # the backlog import: regulators and company users (each imports into its own scope)
    "GET /cases/import/": Rule(ok=REGULATORS | COMPANY_USERS),
    # no file: the form's 400, past the access check (403 comes first)
    "POST /cases/import/": Rule(ok=REGULATORS | COMPANY_USERS, ok_status=frozenset({400})),
    "GET /cases/import/template.xlsx": Rule(ok=REGULATORS | COMPANY_USERS),
    # ---- pages: oversight ----
    "GET /oversight/spot-checks/": Rule(ok=REGULATORS, maybe={"officer_no_bureau"}),
    "POST /oversight/spot-checks/": Rule(
        in_body=True,
        targets=CAMPAIGNS,
        ok=_campaign_bureau,
        body=lambda o, t: {"campaign": t.params["campaign_id"], "size_mode": "count", "size_value": 1},
    ),
    "GET /oversight/spot-checks/report/": Rule(ok=REGULATORS, maybe={"officer_no_bureau"}),
    "GET /oversight/spot-checks/<spot_check_id>/": Rule(targets=SPOT, ok=seen),
    "POST /oversight/spot-checks/<spot_check_id>/items/<item_id>/finding/": Rule(
        targets=SPOT, ok=seen, body=lambda o, t: {"finding": "proper"}
    ),
    "GET /oversight/callbacks/": Rule(ok=REGULATORS, maybe={"officer_no_bureau"}),
    "POST /oversight/callbacks/build/": Rule(
        in_body=True, targets=CAMPAIGNS, ok=_campaign_bureau, body=lambda o, t: {"campaign": t.params["campaign_id"]}
    ),
    "GET /oversight/callbacks/report/": Rule(ok=REGULATORS, maybe={"officer_no_bureau"}),
    "GET /oversight/callbacks/<callback_id>/": Rule(targets=CBS, ok=seen),
    "POST /oversight/callbacks/<callback_id>/phone/": Rule(targets=CBS, ok=seen),
    "POST /oversight/callbacks/<callback_id>/attempts/": Rule(
        targets=CBS, ok=seen, body=lambda o, t: {"result": "no_answer"}
    ),
    "GET /oversight/typical-cases/": Rule(ok=REGULATORS, maybe={"officer_no_bureau"}),
    "GET /oversight/typical-cases/new/": Rule(ok=REGULATORS, maybe={"officer_no_bureau"}),
    "POST /oversight/typical-cases/new/": Rule(
        targets=CLOSED,
        ok=regulators_seeing,
        body=lambda o, t: {"case": t.markers[0], "title": "理赔案例", "narrative": "消费者投诉理赔被拒。"},
        ok_status=frozenset({200, 302, 400, 409}),  # each case already has a typical case: the form says so
        in_body=True,
    ),
    "GET /oversight/typical-cases/<typical_id>/": Rule(targets=(*TYPICAL, "tc_pub"), ok=bureau_of),
    "POST /oversight/typical-cases/<typical_id>/": Rule(
        targets=TYPICAL,
        ok=lambda t: bureau_of(t) - {"admin"},
        maybe={"admin"},
        body=lambda o, t: {"title": "改后的标题", "narrative": "消费者投诉理赔被拒。"},
    ),
    "POST /oversight/typical-cases/<typical_id>/<action>/": Rule(targets=TYPICAL, ok=bureau_of),
    "GET /typical-cases/": Rule(ok=EVERYONE),
    "GET /typical-cases/<public_id>/": Rule(
        targets=(*TYPICAL, "tc_pub"), ok=lambda t: EVERYONE if t.key == "tc_pub" else frozenset()
    ),
    "GET /oversight/evaluation/": Rule(ok=REGULATORS, maybe={"officer_no_bureau"}, query=PERIOD),
    # ---- pages: campaigns ----
    "GET /attendance/": Rule(ok=SIGNED_IN - NO_ROLE, maybe=NO_ROLE),
    "GET /campaigns/<campaign_id>/attendance/": Rule(targets=CAMPAIGNS, ok=_markers_only),  # no role: 403
    "GET /campaigns/<campaign_id>/inspections/": Rule(targets=CAMPAIGNS, ok=NOT_COMPANIES),  # no role: 403
    "POST /campaigns/<campaign_id>/inspections/": Rule(
        in_body=True,
        targets=SITES,
        ok=bureau_of,
        body=lambda o, t: {
            "site": t.params["site_id"],
            "started_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "findings": "秩序良好",
        },
    ),
    # setting a campaign up: the bureau holding its region (and the nationwide admin) only
    "GET /campaigns/setup/": Rule(ok=REGULATORS),
    "GET /campaigns/new/": Rule(ok=REGULATORS),
    "POST /campaigns/new/": Rule(
        in_body=True,
        targets=CAMPAIGNS,
        ok=_campaign_bureau,
        body=lambda o, t: {"name": "新活动", "region": t.data["region_code"], **_setup_dates()},
    ),
    "GET /campaigns/<campaign_id>/setup/": Rule(targets=CAMPAIGNS, ok=_campaign_bureau),
    "POST /campaigns/<campaign_id>/setup/": Rule(
        targets=CAMPAIGNS,
        ok=_campaign_bureau,
        body=lambda o, t: {"city": "440200" if t.key == "campaign_gd" else SHENZHEN, "name": "新接待点"},
    ),
    "GET /campaigns/<campaign_id>/edit/": Rule(targets=CAMPAIGNS, ok=_campaign_bureau),
    "POST /campaigns/<campaign_id>/edit/": Rule(
        targets=CAMPAIGNS, ok=_campaign_bureau, body=lambda o, t: {"name": "改名的活动", **_setup_dates()}
    ),
    "POST /campaigns/<campaign_id>/finish/": Rule(targets=CAMPAIGNS, ok=_campaign_bureau),
    "GET /campaigns/<campaign_id>/roster/import/": Rule(targets=CAMPAIGNS, ok=_campaign_bureau),
    # a file that is not a roster: the form's 400, past the access check (403/404 come first)
    "POST /campaigns/<campaign_id>/roster/import/": Rule(
        targets=CAMPAIGNS, ok=_campaign_bureau, multipart=True, ok_status=frozenset({400})
    ),
    "GET /campaigns/<campaign_id>/roster/template.xlsx": Rule(targets=CAMPAIGNS, ok=_campaign_bureau),
    "GET /campaigns/<campaign_id>/sites/<site_id>/roster/": Rule(
        targets=SITES, ok=lambda t: ROSTER_PAGE[t.key][0], maybe=lambda t: ROSTER_PAGE[t.key][1]
    ),
    "POST /campaigns/<campaign_id>/sites/<site_id>/roster/<entry_id>/<action>/": Rule(
        targets=ENTRIES, ok=lambda t: t.seen_by - COMPANY_USERS, maybe=lambda t: t.seen_by & COMPANY_USERS
    ),
    # ---- pages: reports ----
    "GET /reports/publish/": Rule(ok=REGULATORS, maybe={"officer_no_bureau"}),
    "POST /reports/publish/": Rule(
        targets=CAMPAIGNS,
        ok=_campaign_bureau,
        body=lambda o, t: {"campaign": t.params["campaign_id"], "action": "preview", "language": "zh-hans"},
        in_body=True,
    ),
    "GET /reports/published/": Rule(ok=REGULATORS, maybe={"officer_no_bureau"}),
    "POST /reports/published/<public_id>/withdraw/": Rule(targets=REPORTS, ok=bureau_of),
    "* /r/<public_id>/": Rule(
        targets=(*REPORTS, "rep_old"), ok=lambda t: frozenset() if t.key == "rep_old" else EVERYONE
    ),
    "* /r/<public_id>/react/": Rule(
        targets=(*REPORTS, "rep_old"),
        maybe=lambda t: frozenset() if t.key == "rep_old" else EVERYONE,  # a vote needs the page's voter id
        body=lambda o, t: {"reaction": "useful"},
    ),
    "* /r/<public_id>/report.docx": Rule(
        targets=(*REPORTS, "rep_old"), ok=lambda t: frozenset() if t.key == "rep_old" else EVERYONE
    ),
    "* /r/<public_id>/report.xlsx": Rule(
        targets=(*REPORTS, "rep_old"), ok=lambda t: frozenset() if t.key == "rep_old" else EVERYONE
    ),
    "GET /campaigns/": Rule(ok=SIGNED_IN - NO_ROLE, maybe=NO_ROLE),
    "GET /campaigns/<campaign_id>/dashboard/": Rule(targets=CAMPAIGNS, ok=_markers_only, maybe=NO_ROLE),
    "GET /campaigns/<campaign_id>/dashboard/live/": Rule(targets=CAMPAIGNS, ok=_markers_only, maybe=NO_ROLE),
    "GET /campaigns/<campaign_id>/dashboard/cases/": Rule(targets=CAMPAIGNS, ok=_markers_only, maybe=NO_ROLE),
    "GET /reports/cases/": Rule(ok=SIGNED_IN - NO_ROLE, maybe=NO_ROLE),
    # ---- public consultations (portal/consultations): the public reads and answers; a bureau's
    # officers (and the nationwide admin) manage its own, others get 404 (another bureau) or 403 ----
    "GET /api/v1/public/consultations": Rule(ok=EVERYONE),
    "GET /api/v1/public/consultations/{consultation_id}": Rule(targets=CONSULTATIONS, ok=EVERYONE),
    "POST /api/v1/public/consultations/{consultation_id}/otp": Rule(
        targets=CONS_OPEN, ok=EVERYONE, body=lambda o, t: {"phone": "13800138000"}, ok_status=frozenset({202})
    ),
    "POST /api/v1/public/consultations/{consultation_id}/responses": Rule(
        targets=CONS_OPEN, ok=EVERYONE, body=_consultation_answer, ok_status=frozenset({201})
    ),
    "GET /api/v1/consultations": Rule(ok=REGULATORS),
    "POST /api/v1/consultations": Rule(
        in_body=True, targets=CONS_SCHED, ok=bureau_of, body=_consultation_body, ok_status=frozenset({201})
    ),
    "GET /api/v1/consultations/{consultation_id}": Rule(targets=CONSULTATIONS, ok=bureau_of),
    "PUT /api/v1/consultations/{consultation_id}": Rule(targets=CONS_SCHED, ok=bureau_of, body=_consultation_body),
    "GET /api/v1/consultations/{consultation_id}/responses": Rule(targets=CONSULTATIONS, ok=bureau_of),
    "PUT /api/v1/consultations/{consultation_id}/responses/{response_id}/tags": Rule(
        targets=CONS_ANSWERED, ok=bureau_of, body=lambda o, t: {"tags": ["理赔慢"]}
    ),
    "POST /api/v1/consultations/{consultation_id}/responses/{response_id}/read": Rule(
        targets=CONS_ANSWERED, ok=bureau_of, body=lambda o, t: {"read": False}
    ),
    "GET /api/v1/consultations/{consultation_id}/counts": Rule(targets=CONSULTATIONS, ok=bureau_of),
    "PUT /api/v1/consultations/{consultation_id}/summary": Rule(
        targets=CONS_CLOSED, ok=bureau_of, body=lambda o, t: {"summary": "总结", "publish": True}
    ),
    "GET /consultations/": Rule(ok=EVERYONE),
    "GET /consultations/<consultation_id>/": Rule(targets=CONSULTATIONS, ok=EVERYONE),
    "POST /consultations/<consultation_id>/": Rule(
        targets=CONS_OPEN, ok=EVERYONE, body=lambda o, t: _consultation_form_answer(t)
    ),
    "POST /consultations/<consultation_id>/verify/": Rule(
        targets=CONS_OPEN, ok=EVERYONE, body=lambda o, t: {"phone": "13800138000", "action": "send"}
    ),
    "GET /consultations/manage/": Rule(ok=REGULATORS),
    "GET /consultations/manage/new/": Rule(ok=REGULATORS),
    # an officer's form has no bureau field (it opens one of its own bureau, whatever is posted);
    # the nationwide admin's names it
    "POST /consultations/manage/new/": Rule(
        in_body=True, targets=CONS_SCHED, ok=REGULATORS, body=lambda o, t: _consultation_form(t)
    ),
    "GET /consultations/manage/<consultation_id>/": Rule(targets=CONSULTATIONS, ok=bureau_of),
    "GET /consultations/manage/<consultation_id>/edit/": Rule(targets=CONSULTATIONS, ok=bureau_of),
    "POST /consultations/manage/<consultation_id>/edit/": Rule(
        targets=CONS_SCHED, ok=bureau_of, body=lambda o, t: _consultation_form(t)
    ),
    "POST /consultations/manage/<consultation_id>/summary/": Rule(
        targets=CONS_CLOSED, ok=bureau_of, body=lambda o, t: {"summary": "总结", "action": "publish"}
    ),
    "GET /consultations/manage/<consultation_id>/answers/": Rule(targets=CONSULTATIONS, ok=bureau_of),
    "POST /consultations/manage/<consultation_id>/answers/<response_id>/tags/": Rule(
        targets=CONS_ANSWERED, ok=bureau_of, body=lambda o, t: {f"r{t.params['response_id']}-tags": "理赔慢"}
    ),
    "POST /consultations/manage/<consultation_id>/answers/<response_id>/read/": Rule(
        targets=CONS_ANSWERED, ok=bureau_of, body=lambda o, t: {"read": "0"}
    ),
    # ---- the Django admin: nobody here is staff, so every persona is sent to the admin's login ----
    "* /admin/...": Rule(ok=frozenset()),
    "* /admin/login/": Rule(ok=EVERYONE),
    "* /admin/logout/": Rule(ok=EVERYONE),
}
# Action slugs for routes with an <action> parameter: a real action of each, so that a refusal is
# about ownership, not an unknown action.
ACTIONS = {
    "/cases/<case_id>/actions/<action>/": "withdraw",
    "/track/<tracking_no>/actions/<action>/": "withdraw",
    "/oversight/typical-cases/<typical_id>/<action>/": "confirm",
    "/campaigns/<campaign_id>/sites/<site_id>/roster/<entry_id>/<action>/": "check-in",
}


# ---- walking the routes --------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    pattern: str  # /cases/<case_id>/ or /api/v1/cases/{case_id}
    methods: tuple
    api: bool
    admin: bool = False

    def key(self, method: str) -> str:
        return f"{method} {self.pattern}"

    def rule(self, method: str) -> Rule | None:
        found = EXPECT.get(self.key(method)) or EXPECT.get(f"* {self.pattern}")
        return found or (EXPECT["* /admin/..."] if self.admin else None)

    def url(self, params: dict) -> str:
        def value(m: re.Match) -> str:
            name = m.group(1)
            if name == "action":
                return ACTIONS.get(self.pattern, "x")
            if name in params:
                return str(params[name])
            return "1"

        url = re.sub(r"[<{]([a-z_]+)[>}]", value, self.pattern)
        return url if url != "^api/" else "/api/unknown"


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def _page_pattern(raw: str) -> str:
    if raw.startswith("^"):
        return raw
    return "/" + re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"<\1>", raw)


def openapi_operations() -> dict[str, tuple[str, ...]]:
    schema = api.get_openapi_schema(path_prefix=API + "/")
    return {
        path.rstrip("/") if path != API + "/" else path: tuple(m.upper() for m in ops)
        for path, ops in schema["paths"].items()
    }


def all_routes() -> list[Route]:
    """Pages from the resolver; API operations from the OpenAPI document, each with its methods.
    Every API pattern in the resolver must be an operation of the document (or a page of its
    own, such as the document itself)."""
    operations = openapi_operations()
    routes = [Route(path, methods, api=True) for path, methods in operations.items()]
    for raw in _walk(get_resolver().url_patterns):
        pattern = _page_pattern(raw)
        api_path = re.sub(r"<([a-z_]+)>", r"{\1}", pattern)
        if api_path in operations:
            continue
        if pattern.startswith("/admin/"):
            routes.append(Route(pattern, ADMIN_METHODS, api=False, admin=True))
        else:
            routes.append(Route(pattern, (), api=pattern.startswith("/api/")))
    return routes


ROUTES = all_routes()


def _route_id(route: Route) -> str:
    return route.pattern


# ---- calling -------------------------------------------------------------------------------------


def _content(response) -> str:
    raw = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    return raw.decode("utf-8", "replace")


def written() -> tuple:
    """What a write would change (rows of every owned kind, and the states actions set): equal
    before and after a refused request, or something was let through."""
    counts = tuple(
        m.objects.count()
        for m in (Campaign, Site, Inspection, Visit, Case, CaseEvent, Attachment, SpotCheck, CallBack, CallAttempt)
    )
    return (
        *counts,
        *(m.objects.count() for m in (CompanyFigures, TypicalCase, PublishedReport)),
        RosterEntry.objects.filter(Q(checked_in_at__isnull=False) | Q(checked_out_at__isnull=False)).count(),
        SpotCheckItem.objects.exclude(finding="").count(),
        tuple(TypicalCase.objects.order_by("pk").values_list("status", "spans_confirmed_by_id", "title")),
        PublishedReport.objects.filter(withdrawn_at__isnull=False).count(),
        tuple(Campaign.objects.order_by("pk").values_list("name", "ends_at")),  # changed or finished
        RosterEntry.objects.count(),
        tuple(Case.objects.order_by("pk").values_list("status", "company_id")),
        *(m.objects.count() for m in (Consultation, ConsultationResponse, ConsultationTag)),
        tuple(Consultation.objects.order_by("pk").values_list("title", "summary", "summary_published_at")),
        tuple(ConsultationResponse.objects.order_by("pk").values_list("read_at", flat=True)),
        tuple(ConsultationResponse.tags.through.objects.order_by("pk").values_list("pk", flat=True)),
    )


def call(o: Owned, persona: str, route: Route, method: str, rule: Rule, target: Target | None, query=None, watch=False):
    """The response and its body; with `watch`, also whether the request changed `written()`."""
    params = target.params if target else {}
    url = route.url(params)
    data = rule.body(o, target) if rule.body else None
    if query is not None:
        rule = dataclasses.replace(rule, query={**rule.query, **query})
    with transaction.atomic():
        before = written() if watch else None
        if route.api and not route.pattern.endswith(("openapi.json", "docs")) and route.pattern != "^api/":
            client, headers = Client(), o.tokens[persona]
            if rule.multipart and method == "POST":
                r = client.post(url, {"file": SimpleUploadedFile("x.png", PNG, "image/png")}, **headers)
            elif method == "GET":
                r = client.get(url, rule.query, **headers)
            else:
                text = json.dumps(data) if data is not None else ""
                r = client.generic(method, url, text, content_type="application/json", **headers)
        else:
            client = o.browser(persona)
            if method == "GET":
                r = client.get(url, rule.query)
            elif method == "POST":
                payload = dict(data or {})
                if rule.multipart:
                    payload["file"] = SimpleUploadedFile("x.png", PNG, "image/png")
                r = client.post(url, payload)
            else:
                r = client.generic(method, url, "", content_type="application/x-www-form-urlencoded")
        body = _content(r)
        r.wrote = watch and written() != before
        transaction.set_rollback(True)
    return r, body


def page_methods(o: Owned, route: Route) -> tuple[str, ...]:
    """The methods a page accepts: those its view does not answer with 405 (asked as the
    nationwide admin, who passes login; every call is rolled back)."""
    if route.methods:
        return route.methods
    rule = route.rule("GET") or route.rule("POST") or Rule()
    target = o.t(rule.targets[0]) if rule.targets[0] != "-" else None
    accepted = []
    for method in PAGE_METHODS:
        r, _ = call(o, "admin", route, method, Rule(), target)
        if r.status_code != 405:
            accepted.append(method)
    return tuple(accepted)


def _refused(route: Route, persona: str, r, in_body: bool = False) -> bool:
    status = r.status_code
    if route.admin:
        return status == 302 and r["Location"].startswith("/admin/login/")
    if persona == ANON:
        if route.api:
            return status in (401, 404)
        return (
            status in (403, 404)
            or (in_body and status == 400)
            or (status == 302 and r["Location"].startswith("/accounts/login/"))
        )
    if not route.api and r.request["REQUEST_METHOD"] != "GET" and status == 302 and not r.wrote:
        return True  # a page's refusal of a form: back to the page with the reason; nothing written
    return status in (403, 404) or (in_body and status == 400)


def _leaks(o: Owned, persona: str, body: str, sent: str = "") -> list[str]:
    """Markers of objects `persona` may not see, found in `body` (a form may echo what the
    persona itself sent: that is no leak)."""
    found = []
    for t in o.targets.values():
        if persona in t.seen_by:
            continue
        for marker in t.markers:
            if marker in sent:
                continue
            if marker in body or json.dumps(marker)[1:-1] in body:
                found.append(f"{t.key}:{marker}")
    return found


def check_route(o: Owned, route: Route, personas: tuple = PERSONAS) -> list[str]:
    problems = []
    methods = route.methods if (route.api or route.admin) else page_methods(o, route)
    for method in methods:
        rule = route.rule(method)
        if rule is None:
            problems.append(f"new route {method} {route.pattern} has no ownership expectation in EXPECT")
            continue
        targets = [None] if rule.targets == ("-",) else [o.t(k) for k in rule.targets]
        for target in targets:
            ok = _who(rule.ok, target) if target else _who(rule.ok, Target("-", {}, frozenset()))
            maybe = _who(rule.maybe, target) if target else _who(rule.maybe, Target("-", {}, frozenset()))
            for persona in personas:
                watch = method not in ("GET", "HEAD") and persona not in ok and not route.admin
                r, body = call(o, persona, route, method, rule, target, watch=watch)
                named = target.key if target else "-"
                where = f"{method} {route.url(target.params if target else {})} [{named}] as {persona}"
                if r.status_code >= 500:
                    problems.append(f"{where}: {r.status_code}")
                    continue
                sent = json.dumps(rule.body(o, target), ensure_ascii=False) if rule.body else ""
                # The address is sent too: a page may echo the tracking number in its own URL
                # (the case page's code form), which tells the sender nothing it did not know.
                sent += " " + route.url(target.params if target else {})
                leaked = _leaks(o, persona, body, sent)
                if leaked:
                    problems.append(f"{where}: {r.status_code} shows {', '.join(leaked)}")
                if r.wrote:
                    problems.append(f"{where}: {r.status_code}, and the write went through")
                if persona in ok:
                    good = r.status_code in rule.ok_status and not (
                        r.status_code == 302 and r["Location"].startswith(("/accounts/login/", "/admin/login/"))
                    )
                    if not good:
                        problems.append(f"{where}: {r.status_code}, expected to get through")
                elif persona not in maybe and not _refused(route, persona, r, rule.in_body):
                    problems.append(f"{where}: {r.status_code}, expected a refusal")
        if method == "GET" and targets == [None]:
            problems += _filtered(o, route, rule, personas)
    return problems


def side_filters(o: Owned) -> list[dict]:
    """Query strings naming one side's objects (API and page parameter names): a list filtered
    by another company's, site's or bureau's id must still show none of it."""
    w = o.world
    sides = []
    for campaign, site, company, case, city, spot in (
        ("campaign_gd", "site_mm", w.company_a, "case_a_mm_closed", "440900", "sc_gd"),
        ("campaign_sz", "site_sz", w.company_b, "case_b_sz_closed", SHENZHEN, "sc_sz"),
    ):
        ids = {
            "campaign_id": o.t(campaign).params["campaign_id"],
            "site_id": o.t(site).params["site_id"],
            "company_id": company.pk,
            "spot_check_id": o.t(spot).params["spot_check_id"],
            "city_code": city,
            "tracking_no": o.t(case).markers[0],
        }
        page = {"campaign": ids["campaign_id"], "site": ids["site_id"], "company": company.pk, "city": city}
        sides.append({**ids, **page, "case": ids["tracking_no"]})
    return sides


def _filtered(o: Owned, route: Route, rule: Rule, personas: tuple) -> list[str]:
    problems = []
    for query in side_filters(o):
        for persona in personas:
            r, body = call(o, persona, route, "GET", rule, None, query=query)
            where = f"GET {route.pattern}?{'&'.join(f'{k}={v}' for k, v in query.items())} as {persona}"
            if r.status_code >= 500:
                problems.append(f"{where}: {r.status_code}")
            leaked = _leaks(o, persona, body, json.dumps(query, ensure_ascii=False))
            if leaked:
                problems.append(f"{where}: {r.status_code} shows {', '.join(leaked)}")
    return problems


@pytest.mark.django_db
def test_every_route_has_an_expectation_and_every_expectation_a_route():
    keys = set()
    for route in ROUTES:
        keys |= {route.key(m) for m in (route.methods or PAGE_METHODS)} | {f"* {route.pattern}"}
    keys |= {f"* {r.pattern}" for r in ROUTES if r.admin} | {"* /admin/..."}
    unused = [k for k in EXPECT if k not in keys]
    assert not unused, f"expectations for routes that do not exist: {unused}"
    assert len(ROUTES) > 100


@pytest.mark.django_db
@pytest.mark.parametrize("route", [r for r in ROUTES if not r.admin], ids=_route_id)
def test_route_holds_ownership(owned, route):
    problems = check_route(owned, route)
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_admin_site_lets_no_persona_in(owned):
    """Every admin route, as the most privileged persona and anonymously; every persona at the
    admin's index. Django's admin guards all its views with one check (`AdminSite.has_permission`:
    active staff) and no persona is staff, so this covers every persona without 2,700 calls."""
    problems = []
    for route in (r for r in ROUTES if r.admin):
        problems += check_route(owned, route, personas=("admin", ANON))
    index = next(r for r in ROUTES if r.pattern == "/admin/")
    problems += check_route(owned, index)
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_report_figures_count_only_what_each_persona_sees(owned):
    """No foreign count: each report's totals are the number of objects the persona may see."""
    o, problems = owned, []

    def visible(keys, persona):
        return sum(persona in o.t(k).seen_by for k in keys)

    gd, sz = o.t("campaign_gd").params["campaign_id"], o.t("campaign_sz").params["campaign_id"]
    figures = {
        f"{API}/reports/cases": (lambda j: j["totals"]["opened"], lambda p: visible(CASES, p)),
        f"{API}/campaigns/{gd}/report": (
            lambda j: j["visits"],
            lambda p: visible([k for k in VISITS if "_sz_" not in k], p),
        ),
        f"{API}/campaigns/{sz}/report": (
            lambda j: j["visits"],
            lambda p: visible([k for k in VISITS if "_sz_" in k], p),
        ),
        f"{API}/callbacks/report": (lambda j: j["totals"]["listed"], lambda p: visible(CBS, p)),
        f"{API}/spot-checks/pass-rates": (
            lambda j: sum(row["sampled"] for row in j),
            lambda p: sum(
                SpotCheckItem.objects.filter(spot_check_id=o.t(k).params["spot_check_id"]).count()
                for k in SPOT
                if p in o.t(k).seen_by
            ),
        ),
    }
    for url, (read, expected) in figures.items():
        for persona in PERSONAS:
            r = Client().get(url, **o.tokens[persona])
            if r.status_code in (401, 403, 404):
                continue
            assert r.status_code == 200, (url, persona, r.status_code)
            if read(r.json()) != expected(persona):
                problems.append(f"GET {url} as {persona}: {read(r.json())}, expected {expected(persona)}")
    assert not problems, "\n".join(problems)


def test_every_persona_of_the_test_world_is_called():
    """A persona added to ombud/testing.py's World is called here too (or this fails)."""
    users = {f.name for f in dataclasses.fields(World) if f.type in ("User", User)}
    assert users == set(PERSONAS) - {ANON}
