from django.db import migrations, models

from ombud.dbops import AddIndexOnline


class Migration(migrations.Migration):
    # The indexes are built online (CREATE INDEX CONCURRENTLY on PostgreSQL): no transaction.
    atomic = False

    dependencies = [
        ("campaigns", "0004_model_names"),
        ("cases", "0022_build_case_tallies"),
        ("directory", "0004_model_names"),
        ("intake", "0004_model_names"),
    ]

    operations = [
        AddIndexOnline(
            model_name="case",
            index=models.Index(fields=["-opened_at", "-id"], name="case_recent"),
        ),
        AddIndexOnline(
            model_name="case",
            index=models.Index(fields=["company_root", "-opened_at", "-id"], name="case_company_recent"),
        ),
        AddIndexOnline(
            model_name="case",
            index=models.Index(fields=["status", "-opened_at", "-id"], name="case_status_recent"),
        ),
        AddIndexOnline(
            model_name="case",
            index=models.Index(
                condition=models.Q(
                    ("status__in", ["decided", "in_mediation", "in_progress", "in_review", "informed", "received"])
                ),
                fields=["due_at"],
                name="case_open_due",
            ),
        ),
        AddIndexOnline(
            model_name="case",
            index=models.Index(
                condition=models.Q(
                    ("status__in", ["decided", "in_mediation", "in_progress", "in_review", "informed", "received"])
                ),
                fields=["company_root", "due_at"],
                name="case_company_open_due",
            ),
        ),
    ]
