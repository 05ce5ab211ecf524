"""Spot-check items keep a copy of their case's opening time (`case_opened_at`, indexed), so
that the pass rates of a period read the items of the period, not every case opened in it.
The copy is filled from the cases in the same migration; a case's opening never changes."""

from django.db import migrations, models

FILL = """
UPDATE oversight_spotcheckitem
SET case_opened_at = (SELECT c.opened_at FROM cases_case c WHERE c.id = oversight_spotcheckitem.case_id)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0031_callable_closed_index"),
        ("oversight", "0009_fill_month_tallies"),
    ]

    operations = [
        migrations.AddField(
            model_name="spotcheckitem",
            name="case_opened_at",
            field=models.DateTimeField(null=True, verbose_name="case opened at"),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="spotcheckitem",
            name="case_opened_at",
            field=models.DateTimeField(verbose_name="case opened at"),
        ),
        migrations.AddIndex(
            model_name="spotcheckitem",
            index=models.Index(fields=["case_opened_at"], name="spotcheck_item_case_opened"),
        ),
    ]
