"""`Case.time_limited`: the visit's outcome `time_limited` kept on the case, so that the
spot-check draw forms its strata from the case alone (oversight/spotchecks/queries.py). The
column has a constant default (no table rewrite on PostgreSQL); the cases of such visits are
then marked, one UPDATE over a few rows."""

from django.db import migrations, models


def mark(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Case.objects.filter(visit__outcome="time_limited").update(time_limited=True)


class Migration(migrations.Migration):
    dependencies = [("cases", "0027_open_figures_index"), ("intake", "0005_visit_list_indexes")]
    operations = [
        migrations.AddField(
            model_name="case",
            name="time_limited",
            field=models.BooleanField(default=False, verbose_name="time-limited on site"),
        ),
        migrations.RunPython(mark, migrations.RunPython.noop),
    ]
