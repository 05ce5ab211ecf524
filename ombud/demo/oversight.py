"""What the bureau did after the day, through the oversight and report services:

- a spot check (抽查) of the campaign's handled cases, drawn in April 2012 with the seed
  "20120324", with findings on most items (a few not handled properly, one referred);
- a call-back list (回访) of consumers whose cases closed, most of them called: reached and
  surveyed, a few unreachable, some still to call;
- premium and policy figures per company for 2011 Q4 and 2012 Q1, which the evaluation
  (考评) divides complaints by;
- two typical cases of delayed claims (拖赔惜赔), written and submitted by `officer`, approved
  and published by `officer2`;
- the campaign's report to the media, published: its public page is /r/<public id>/.

Seeded like the rest of the demo. The call-back and figure services stamp their rows with the
time they run (they take no `now`), so those dates are the day the demo was loaded.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from ombud.cases.models import Case
from ombud.demo import replies, texts
from ombud.intake.models import Visit
from ombud.oversight.callbacks import services as callbacks
from ombud.oversight.evaluation.queries import Period
from ombud.oversight.evaluation.services import FiguresInput, import_figures
from ombud.oversight.models import CallBack
from ombud.oversight.spotchecks import services as spotchecks
from ombud.oversight.typical import services as typical
from ombud.reports.publication import services as publication

if TYPE_CHECKING:
    from ombud.demo.generator import _Builder

STREAM = 4  # this module's RNG stream: seed + 4

SPOT_CHECK_SEED = "20120324"
SPOT_CHECK_TITLE = "2012年大接访投诉处理情况抽查"
CHECKED_SHARE = 0.85
IMPROPER_SHARE = 0.08
CALL_LIST_SIZE = 200
CALL_LIST_SEED = "20120324"
REPORT_TITLE = "广东保险服务大接访活动情况通报"

Q4_2011 = Period(date(2011, 10, 1), date(2011, 12, 31))
Q1_2012 = Period(date(2012, 1, 1), date(2012, 3, 31))
# DEMO FIGURES, not real statistics: the order of magnitude of Guangdong's market (excluding
# Shenzhen) in 2012, in yuan per quarter — life insurers collect most of their premium in Q1
# (开门红), P&C insurers more of theirs at the end of the year — shared out by each company's
# presence (the demo's PRESENCE order). Policies in force follow from an average premium per
# policy (life: long-term policies; P&C: mostly motor).
LIFE_PREMIUM = {Q4_2011: 13_000_000_000, Q1_2012: 22_000_000_000}
PC_PREMIUM = {Q4_2011: 11_000_000_000, Q1_2012: 9_500_000_000}
LIFE_PREMIUM_PER_POLICY = (7_000, 12_000)
PC_PREMIUM_PER_POLICY = (1_800, 3_200)
FIGURES_SOURCE = "演示数据（非真实统计）"


@dataclass
class OversightResult:
    spot_check_id: int = 0
    sampled: int = 0
    checked: int = 0
    improper: int = 0
    call_list: int = 0
    reached: int = 0
    unreachable: int = 0
    figures: int = 0
    typical_cases: list[str] | None = None
    report_public_id: str = ""


def _shanghai(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def spot_check(b: _Builder, rng: random.Random, result: OversightResult) -> None:
    drawn = _shanghai(date(2012, 4, 23), 10, 12)
    sc = spotchecks.draw(
        b.officer,
        title=SPOT_CHECK_TITLE,
        campaign_id=b.campaign_obj.pk,
        size_mode="count",
        size_value=1,
        seed=SPOT_CHECK_SEED,
        now=drawn,
    )
    result.spot_check_id = sc.pk
    items = list(sc.items.order_by("position").values_list("pk", "stratum_outcome"))
    result.sampled = len(items)
    referred = False
    for n, (item_id, outcome) in enumerate(items):
        if rng.random() > CHECKED_SHARE:
            continue
        checker = b.officer if n % 3 else b.officer2
        at = _shanghai(date(2012, 4, 24) + timedelta(days=n // 8), 9) + timedelta(minutes=rng.randrange(480))
        if rng.random() < IMPROPER_SHARE:
            reasons = rng.choice(replies.IMPROPER_REASONS[outcome])
            # The first time-limited case found wanting is referred for enforcement (a closed
            # case can be: the status does not change).
            follow_up = "refer" if not referred and outcome == Visit.Outcome.TIME_LIMITED else None
            referred |= follow_up is not None
            spotchecks.record_finding(
                checker, item_id, finding="improper", reasons=reasons, follow_up=follow_up, spot_check_id=sc.pk, now=at
            )
            result.improper += 1
        else:
            spotchecks.record_finding(checker, item_id, finding="proper", spot_check_id=sc.pk, now=at)
        result.checked += 1


def _survey(rng: random.Random, case: tuple[bool, str]) -> tuple[bool, int]:
    """(solved, satisfaction) a consumer gives, by how the case ended."""
    on_site, decision = case
    if on_site or decision == replies.UPHELD:
        return rng.random() < 0.95, rng.choices((5, 4, 3, 2), weights=(60, 30, 8, 2))[0]
    if decision == replies.PARTLY:
        return rng.random() < 0.75, rng.choices((5, 4, 3, 2, 1), weights=(20, 40, 25, 10, 5))[0]
    return rng.random() < 0.15, rng.choices((4, 3, 2, 1), weights=(10, 30, 35, 25))[0]


def call_backs(b: _Builder, rng: random.Random, result: OversightResult) -> None:
    built = callbacks.build_call_list(
        b.officer, campaign_id=b.campaign_obj.pk, sample_size=CALL_LIST_SIZE, seed=CALL_LIST_SEED
    )
    result.call_list = built.added
    rows = CallBack.objects.filter(campaign=b.campaign_obj).order_by("pk")
    cases = dict(rows.values_list("pk", "case__resolved_on_site").order_by("pk"))
    decisions = dict(rows.values_list("pk", "case__decision"))
    R = callbacks.R
    for n, pk in enumerate(cases):
        caller = b.officer if n % 2 else b.officer2
        roll = rng.random()
        if roll < 0.12:
            continue  # still to call
        if roll < 0.17:  # no answer, three times
            for _ in range(callbacks.MAX_FAILED_ATTEMPTS):
                note = rng.choice(replies.UNREACHABLE_NOTES)
                callbacks.record_attempt(caller, pk, result=rng.choice((R.NO_ANSWER, R.BUSY)), note=note)
            result.unreachable += 1
            continue
        if roll < 0.19:
            callbacks.record_attempt(caller, pk, result=R.WRONG_NUMBER, note=rng.choice(replies.WRONG_NUMBER_NOTES))
            result.unreachable += 1
            continue
        if roll < 0.21:
            callbacks.record_attempt(caller, pk, result=R.REFUSED, note="称工作忙，不愿接受回访")
            result.reached += 1
            continue
        for _ in range(rng.choices((0, 1, 2), weights=(75, 20, 5))[0]):
            callbacks.record_attempt(caller, pk, result=R.NO_ANSWER, note=rng.choice(replies.UNREACHABLE_NOTES))
        solved, satisfaction = _survey(rng, (cases[pk], decisions[pk]))
        callbacks.record_attempt(
            caller,
            pk,
            result=R.REACHED,
            solved=solved,
            satisfaction=satisfaction,
            comment=replies.callback_comment(rng, satisfaction),
        )
        result.reached += 1


def company_figures(b: _Builder, rng: random.Random, result: OversightResult) -> None:
    """Import both quarters' figures for every insurer (see the DEMO FIGURES note above)."""
    life = [i for i in b.insurers if i.is_life]
    pc = [i for i in b.insurers if not i.is_life]
    for period in (Q4_2011, Q1_2012):
        rows = []
        for group, total, per_policy in (
            (life, LIFE_PREMIUM[period], LIFE_PREMIUM_PER_POLICY),
            (pc, PC_PREMIUM[period], PC_PREMIUM_PER_POLICY),
        ):
            shares = [rng.uniform(0.85, 1.15) / (i.rank + 3) ** 1.2 for i in group]
            for insurer, share in zip(group, shares, strict=True):
                premium = Decimal(round(total * share / sum(shares), -4))
                policies = int(premium / rng.randint(*per_policy))
                rows.append(
                    FiguresInput(
                        company_id=b.heads[insurer.name].pk,
                        premium=premium,
                        policies=max(1_000, policies),
                        # Life policies often cover a family: 1.5 insured persons a policy
                        # (a demo figure, derived without drawing from the random stream).
                        insured_persons=max(1_000, policies) * 3 // 2 if insurer.is_life else None,
                        source=FIGURES_SOURCE,
                    )
                )
        result.figures += import_figures(b.officer, period, rows)


def typical_cases(b: _Builder, rng: random.Random, result: OversightResult) -> None:
    """Two delayed-claim cases the companies paid in full after the day, told as warnings."""
    candidates = [pk for pk, issue in sorted(b.case_issue.items()) if issue == "claim_delay"]
    chosen = list(
        Case.objects.filter(
            pk__in=candidates,
            handled_by=Visit.HandledBy.COMPANY,
            resolved_on_site=False,
            decision=replies.UPHELD,
            status=Case.Status.CLOSED,
            decided_in_time=True,
        )
        .select_related("visit", "visit__site", "company", "company_root")
        .order_by("opened_at", "pk")
    )
    # One of a P&C insurer, one of a life insurer, if there are.
    picked: list[Case] = []
    for life in (False, True):
        for case in chosen:
            if b.by_name[case.company_root.name].is_life == life and case not in picked:
                picked.append(case)
                break
    picked += [c for c in chosen if c not in picked][: 2 - len(picked)]
    published = []
    for n, case in enumerate(picked[:2]):
        visit = case.visit
        insurer = b.by_name[case.company_root.name]
        line = visit.product_line_id or ""
        title, narrative, lesson = replies.typical_case(
            name=visit.visitor_name,
            phone=visit.visitor_phone,
            site=visit.site.name if visit.site else "",
            branch=case.company.name,
            company=insurer.short_name,
            line_word=texts.LINE_WORDS.get(line, ("保险",))[0],
            summary=visit.summary,
            due=case.visit.due_date,
            decided=timezone.localdate(case.decided_at),
            reply=case.reply,
        )
        written = _shanghai(date(2012, 5, 8 + 2 * n), 15, 20)
        tc = typical.create_typical_case(
            b.officer, case.pk, typical.TypicalInput(title=title, narrative=narrative, lesson=lesson), now=written
        )
        typical.confirm_spans(b.officer, tc.pk)
        typical.submit_typical_case(b.officer, tc.pk, now=written + timedelta(hours=1))
        tc = typical.publish_typical_case(b.officer2, tc.pk, now=_shanghai(date(2012, 5, 15), 10, 30))
        published.append(tc.public_id)
    result.typical_cases = published


def media_report(b: _Builder, result: OversightResult) -> None:
    report = publication.publish(b.officer, campaign_id=b.campaign_obj.pk, title=REPORT_TITLE)
    result.report_public_id = report.public_id


def build(b: _Builder) -> OversightResult:
    rng = random.Random(b.seed + STREAM)
    result = OversightResult()
    if Case.objects.filter(visit__campaign=b.campaign_obj).exists():  # none at a tiny --scale
        spot_check(b, rng, result)
        call_backs(b, rng, result)
    company_figures(b, rng, result)
    typical_cases(b, rng, result)
    media_report(b, result)  # last: it freezes everything above
    return result
