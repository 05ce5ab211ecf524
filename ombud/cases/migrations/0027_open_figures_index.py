from django.db import migrations, models

from ombud.dbops import AddIndexOnline


class Migration(migrations.Migration):
    # Built online (CREATE INDEX CONCURRENTLY on PostgreSQL): no transaction.
    atomic = False

    dependencies = [("cases", "0026_decision_tally_hundredths_index")]

    operations = [
        AddIndexOnline(
            model_name="case",
            index=models.Index(
                condition=models.Q(
                    ("status__in", ["decided", "in_mediation", "in_progress", "in_review", "informed", "received"])
                ),
                fields=[
                    "company_root", "city", "bureau", "site", "opened_at", "due_at", "decided_at", "resolved_on_site", "id",
                ],
                name="case_open_figures",
            ),
        ),
    ]
