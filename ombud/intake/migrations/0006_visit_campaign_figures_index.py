"""The campaign report's covering index (`visit_campaign_figures`, the campaign's visits
only), built online; it serves what `visit_campaign_city` and `visit_campaign_company` served,
which are dropped."""

from django.db import migrations, models

from ombud.dbops import AddIndexOnline


class Migration(migrations.Migration):
    # Built online (CREATE INDEX CONCURRENTLY on PostgreSQL): no transaction.
    atomic = False

    dependencies = [("intake", "0005_visit_list_indexes")]

    operations = [
        AddIndexOnline(
            model_name="visit",
            index=models.Index(
                condition=models.Q(("campaign__isnull", False)),
                fields=[
                    "campaign", "city", "company_root", "site", "kind", "outcome", "handled_by", "practitioner",
                    "received_at", "id",
                ],
                name="visit_campaign_figures",
            ),
        ),
        migrations.RemoveIndex(model_name="visit", name="visit_campaign_city"),
        migrations.RemoveIndex(model_name="visit", name="visit_campaign_company"),
    ]
