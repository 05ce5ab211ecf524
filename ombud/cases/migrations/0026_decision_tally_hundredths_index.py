from django.db import migrations, models

from ombud.dbops import AddIndexOnline


class Migration(migrations.Migration):
    # Built online (CREATE INDEX CONCURRENTLY on PostgreSQL): no transaction.
    atomic = False

    dependencies = [("cases", "0025_month_tally_and_histograms")]

    operations = [
        AddIndexOnline(
            model_name="decisiontally",
            index=models.Index(fields=["hundredths"], name="decision_tally_hundredths"),
        ),
    ]
