# Issue 8: the supervising bureau of a case without a city (a complaint against a head office
# with no region, filed without the consumer's city), so that the case is visible to a bureau.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0011_withdrawal"), ("directory", "0003_access")]

    operations = [
        migrations.AddField(
            model_name="case",
            name="bureau",
            field=models.ForeignKey(
                blank=True,
                limit_choices_to={"kind": "regulator"},
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="directory.organization",
                verbose_name="supervising bureau",
            ),
        ),
    ]
