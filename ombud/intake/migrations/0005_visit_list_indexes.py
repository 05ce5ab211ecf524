from django.conf import settings
from django.db import migrations, models

from ombud.dbops import AddIndexOnline


class Migration(migrations.Migration):
    # The indexes are built online (CREATE INDEX CONCURRENTLY on PostgreSQL): no transaction.
    atomic = False

    dependencies = [
        ("campaigns", "0004_model_names"),
        ("directory", "0004_model_names"),
        ("intake", "0004_model_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexOnline(
            model_name="visit",
            index=models.Index(fields=["-received_at", "-id"], name="visit_recent"),
        ),
        AddIndexOnline(
            model_name="visit",
            index=models.Index(fields=["campaign", "-received_at", "-id"], name="visit_campaign_recent"),
        ),
        AddIndexOnline(
            model_name="visit",
            index=models.Index(fields=["company_root", "-received_at", "-id"], name="visit_company_recent"),
        ),
        # The single-column index on received_at goes once visit_recent serves its reads.
        migrations.AlterField(
            model_name="visit",
            name="received_at",
            field=models.DateTimeField(verbose_name="received at"),
        ),
    ]
