"""Seed the company scorecard's metrics and weights (editable in the admin).

Points follow the CIRC 2013 complaint-handling evaluation scheme where it is known (RULES.md
"Complaint-handling evaluation"): per 10,000 policies 15, per ¥100 million premium 15, the
change of the premium ratio 10. The scheme's other quantitative indicators carry points that
could not be confirmed; the weights given here for them are Ombud's defaults, marked as such.
The scheme's qualitative parts (rules, organisation, emergency handling, 10 each) are not
computable from data and are left out.
"""

from django.db import migrations

CIRC_2013 = "原保监会2013年保险公司投诉处理考评办法（RULES.md，分值已确认）"
DEFAULT = "Ombud默认权重（原办法分值未能确认，可由监管机构调整）"

WEIGHTS = [
    # metric, name_zh, name_en, weight, higher_is_better, source
    ("per_10k_policies", "万张保单投诉量", "complaints per 10,000 policies", "15", False, CIRC_2013),
    ("per_100m_premium", "亿元保费投诉量", "complaints per ¥100 million premium", "15", False, CIRC_2013),
    ("premium_change", "亿元保费投诉量变化", "change of complaints per ¥100 million premium", "10", False, CIRC_2013),
    ("volume", "投诉件数", "complaints", "5", False, DEFAULT),
    ("timeliness", "按时处理率", "decided within the deadline", "10", True, DEFAULT),
    ("review_rate", "核查申请率", "review rate", "5", False, DEFAULT),
    ("mediation_rate", "调解率", "mediation rate", "5", False, DEFAULT),
    ("spotcheck_pass", "抽查合格率", "spot-check pass rate", "10", True, DEFAULT),
    ("satisfaction", "回访满意度", "call-back satisfaction", "10", True, DEFAULT),
]


def seed(apps, schema_editor):
    EvaluationWeight = apps.get_model("oversight", "EvaluationWeight")
    for position, (metric, zh, en, weight, higher, source) in enumerate(WEIGHTS):
        EvaluationWeight.objects.update_or_create(
            metric=metric,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "weight": weight,
                "higher_is_better": higher,
                "source": source,
                "position": position,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("oversight", "EvaluationWeight").objects.filter(metric__in=[w[0] for w in WEIGHTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("oversight", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
