"""`Case.has_phone`: the consumer left a phone number (the visit's), kept on the case so that
the call-back list reads the cases alone (oversight/callbacks/queries.py). Added as true —
PostgreSQL stores a constant default without rewriting the table, and nearly every complaint
leaves a number — then the cases whose visit has none are set false (a few rows), and the
field's default for new cases is false (the opening sets it from the visit)."""

from django.db import migrations, models


def without_phone(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Case.objects.filter(visit__visitor_phone="").update(has_phone=False)


class Migration(migrations.Migration):
    dependencies = [("cases", "0029_decision_histogram_campaign_indexes"), ("intake", "0006_visit_campaign_figures_index")]
    operations = [
        migrations.AddField(
            model_name="case",
            name="has_phone",
            field=models.BooleanField(default=True, verbose_name="has a phone number"),
        ),
        migrations.RunPython(without_phone, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="case",
            name="has_phone",
            field=models.BooleanField(default=False, verbose_name="has a phone number"),
        ),
    ]
