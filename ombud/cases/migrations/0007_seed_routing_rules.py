"""Data: who handles what, by law (RULES.md; SEED principle 2)."""

from django.db import migrations

RULES = [
    ("contract_dispute", "company",
     "《银行业保险业消费投诉处理管理办法》arts. 2, 4: the institution handles its consumers' complaints"),
    ("service", "company", "《银行业保险业消费投诉处理管理办法》art. 2"),
    ("suspected_violation", "regulator",
     "《银行保险违法行为举报处理办法》: reports of law-breaking go to the regulator's reporting track"),
    ("about_regulator", "regulator", "《信访工作条例》(2022): petitions about the organ go to its petition office"),
]


def load(apps, schema_editor):
    RoutingRule = apps.get_model("cases", "RoutingRule")
    for nature, handled_by, source in RULES:
        RoutingRule.objects.update_or_create(nature=nature, defaults={"handled_by": handled_by, "source": source})


def unload(apps, schema_editor):
    apps.get_model("cases", "RoutingRule").objects.filter(nature__in=[r[0] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_routing_rules")]
    operations = [migrations.RunPython(load, unload)]
