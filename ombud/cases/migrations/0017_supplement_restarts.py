"""Data: new facts restart the decision period from their receipt (RULES.md "repeat complaint
within the deadline, no new facts: merged; new facts restart the clock", CBIRC Order 2020 No. 3).

A deadline rule like the others: the period that starts again when the consumer supplements
facts or evidence on the case page (cases/services.py `take_consumer_action`). Turning the row
inactive in the admin stops the restart; its days and unit are the restarted period.
"""

from django.db import migrations

CODE = "complaint.supplement_restart"
O2020 = "《银行业保险业消费投诉处理管理办法》(CBIRC Order 2020 No. 3); RULES.md: new facts restart the clock"


def load(apps, schema_editor):
    apps.get_model("cases", "DeadlineRule").objects.update_or_create(
        code=CODE,
        defaults={
            "name_zh": "补充新事实后重新计算处理期限",
            "name_en": "Decision period restarted by new facts",
            "days": 15,
            "unit": "calendar",
            "source": O2020,
            "status": "S",
            "is_active": True,
        },
    )


def unload(apps, schema_editor):
    apps.get_model("cases", "DeadlineRule").objects.filter(code=CODE).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0016_consumer_ratings")]
    operations = [migrations.RunPython(load, unload)]
