from django.db import migrations, models

from ombud.dbops import AddIndexOnline


class Migration(migrations.Migration):
    # Built online (CREATE INDEX CONCURRENTLY on PostgreSQL): no transaction.
    atomic = False

    dependencies = [("cases", "0028_case_time_limited")]

    operations = [
        AddIndexOnline(
            model_name="decisiontenths",
            index=models.Index(
                condition=models.Q(("campaign__isnull", False)), fields=["campaign"], name="decision_tenths_campaign"
            ),
        ),
        AddIndexOnline(
            model_name="decisiondays",
            index=models.Index(
                condition=models.Q(("campaign__isnull", False)), fields=["campaign"], name="decision_days_campaign"
            ),
        ),
    ]
