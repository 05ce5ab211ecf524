from django.db import migrations, models

from ombud.dbops import AddIndexOnline


class Migration(migrations.Migration):
    # Built online (CREATE INDEX CONCURRENTLY on PostgreSQL): no transaction.
    atomic = False

    dependencies = [("cases", "0030_case_has_phone")]

    operations = [
        AddIndexOnline(
            model_name="case",
            index=models.Index(
                condition=models.Q(("has_phone", True), ("status", "closed")),
                fields=["closed_at", "city", "bureau", "company_root", "site", "id"],
                name="case_callable_closed",
            ),
        ),
    ]
