"""Complaints per 10,000 insured persons (万人次投诉量), which the regulator's quarterly notice
publishes for life insurers (RULES.md "Published metrics"). Shown on the scorecard with weight
0: the 2013 evaluation scheme gives it no points; a bureau that scores it sets a weight."""

from django.db import migrations


def seed(apps, schema_editor):
    apps.get_model("oversight", "EvaluationWeight").objects.update_or_create(
        metric="per_10k_insured",
        defaults={
            "name_zh": "万人次投诉量",
            "name_en": "complaints per 10,000 insured persons",
            "weight": "0",
            "higher_is_better": False,
            "source": "原银保监会保险消费投诉情况通报（人身险公司，RULES.md）；考评办法未赋分，默认权重为0",
            "position": 2,
        },
    )
    # Keep the CIRC 2013 metrics first, then this one, then the rest in their order.
    for position, metric in enumerate(
        [
            "per_10k_policies",
            "per_100m_premium",
            "per_10k_insured",
            "premium_change",
            "volume",
            "timeliness",
            "review_rate",
            "mediation_rate",
            "spotcheck_pass",
            "satisfaction",
        ]
    ):
        apps.get_model("oversight", "EvaluationWeight").objects.filter(metric=metric).update(position=position)


def unseed(apps, schema_editor):
    apps.get_model("oversight", "EvaluationWeight").objects.filter(metric="per_10k_insured").delete()


class Migration(migrations.Migration):
    dependencies = [("oversight", "0003_spot_check_strata")]
    operations = [migrations.RunPython(seed, unseed)]
