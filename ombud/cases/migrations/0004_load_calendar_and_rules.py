"""Data: the official holiday calendar 2004–2026 and the legal time limits of RULES.md.

Calendar: State Council General Office notices as transcribed in `chinesecalendar` 1.11.0
(MIT), shipped as cases/data/cn_holidays.csv. Later years are added by an admin
(`ombud load-holidays`) when the State Council publishes them.
"""

import csv
from datetime import date
from pathlib import Path

from django.db import migrations

CSV = Path(__file__).resolve().parent.parent / "data" / "cn_holidays.csv"
CALENDAR_SOURCE = "国务院办公厅关于部分节假日安排的通知 (via chinesecalendar 1.11.0, MIT)"

O2020 = "《银行业保险业消费投诉处理管理办法》(CBIRC Order 2020 No. 3)"
PETITION = "《信访工作条例》(2022)"
REPORT = "《银行保险违法行为举报处理办法》"
LAW = "《保险法》"
O2013 = "《保险消费投诉处理管理办法》(CIRC Order 2013 No. 8, repealed 2020-03-01)"

RULES = [
    # code, zh, en, days, unit, source, status
    ("complaint.decision", "投诉处理决定（一般）", "Complaint decision", 15, "calendar", O2020, "C"),
    ("complaint.decision_complex", "投诉处理决定（复杂，延长至）", "Complaint decision, complex (extended to)", 30,
     "calendar", O2020, "C"),
    ("complaint.decision_especially_complex", "投诉处理决定（特别复杂，延长至）",
     "Complaint decision, especially complex (extended to)", 60, "calendar", O2020, "C"),
    ("complaint.review_apply", "申请核查", "Apply for review (核查)", 30, "calendar", O2020, "S"),
    ("complaint.review_decide", "核查决定", "Review decision", 30, "calendar", O2020, "S"),
    ("complaint.regulator_forward", "监管转送投诉", "Regulator forwards a complaint", 3, "working",
     "CBIRC practice (RULES.md)", "S"),
    ("petition.accept", "信访登记转送/告知受理", "Petition registered and routed", 15, "calendar", PETITION, "C"),
    ("petition.object_referral", "对转送提出异议", "Object to a referral", 5, "working", PETITION, "C"),
    ("petition.reply", "信访办理答复", "Petition handled and answered", 60, "calendar", PETITION, "C"),
    ("petition.reply_extended", "信访办理答复（延长至）", "Petition answer, extended (to)", 90, "calendar",
     PETITION, "C"),
    ("petition.reexamination_apply", "申请复查", "Apply for re-examination (复查)", 30, "calendar", PETITION, "C"),
    ("petition.reexamination_decide", "复查答复", "Re-examination answer", 30, "calendar", PETITION, "C"),
    ("petition.final_review_apply", "申请复核", "Apply for final review (复核)", 30, "calendar", PETITION, "C"),
    ("petition.final_review_decide", "复核决定", "Final review decision", 30, "calendar", PETITION, "C"),
    ("report.accept", "举报受理决定", "Decide whether to accept a report", 15, "calendar", REPORT, "S"),
    ("report.opinion", "举报调查意见", "Written investigation opinion", 60, "calendar", REPORT, "S"),
    ("claims.assess_complex", "复杂理赔核定", "Assess a complex claim", 30, "calendar", LAW + " art. 23", "S"),
    ("claims.pay", "达成协议后赔付", "Pay after agreement", 10, "calendar", LAW + " art. 23", "S"),
    ("claims.refusal_notice", "拒赔通知", "Refusal notice with reasons", 3, "calendar", LAW + " art. 24", "S"),
    ("complaint2013.company_simple", "公司处理简单投诉（2013）", "Company, simple complaint (2013 rules)", 10,
     "working", O2013, "S"),
    ("complaint2013.company", "公司处理投诉（2013）", "Company, complaint (2013 rules)", 30, "calendar", O2013, "S"),
    ("complaint2013.regulator", "监管处理投诉（2013）", "Regulator, complaint (2013 rules)", 60, "calendar", O2013,
     "S"),
    ("complaint2013.review", "复核决定（2013）", "Review decision (2013 rules)", 30, "calendar", O2013, "S"),
]


def load(apps, schema_editor):
    CalendarYear = apps.get_model("cases", "CalendarYear")
    CalendarDay = apps.get_model("cases", "CalendarDay")
    DeadlineRule = apps.get_model("cases", "DeadlineRule")
    with CSV.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=date.fromisoformat(r["date"]), kind=r["kind"], holiday=r["holiday_zh"]) for r in rows],
        ignore_conflicts=True,
    )
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=y, source=CALENDAR_SOURCE) for y in range(2004, 2027)], ignore_conflicts=True
    )
    for code, zh, en, days, unit, source, status in RULES:
        DeadlineRule.objects.update_or_create(
            code=code,
            defaults={"name_zh": zh, "name_en": en, "days": days, "unit": unit, "source": source, "status": status},
        )


def unload(apps, schema_editor):
    apps.get_model("cases", "DeadlineRule").objects.filter(code__in=[r[0] for r in RULES]).delete()
    apps.get_model("cases", "CalendarDay").objects.all().delete()
    apps.get_model("cases", "CalendarYear").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_calendar_and_deadline_rules")]
    operations = [migrations.RunPython(load, unload)]
