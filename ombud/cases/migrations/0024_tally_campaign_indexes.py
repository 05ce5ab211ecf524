from django.db import migrations, models

from ombud.dbops import AddIndexOnline


class Migration(migrations.Migration):
    # Built online (CREATE INDEX CONCURRENTLY on PostgreSQL): no transaction.
    atomic = False

    dependencies = [
        ("campaigns", "0004_model_names"),
        ("cases", "0023_list_and_open_case_indexes"),
        ("directory", "0005_cache_generation"),
        ("intake", "0005_visit_list_indexes"),
    ]

    operations = [
        AddIndexOnline(
            model_name="casetally",
            index=models.Index(
                condition=models.Q(("campaign__isnull", False)), fields=["campaign"], name="case_tally_campaign"
            ),
        ),
        AddIndexOnline(
            model_name="decisiontally",
            index=models.Index(
                condition=models.Q(("campaign__isnull", False)), fields=["campaign"], name="decision_tally_campaign"
            ),
        ),
    ]
