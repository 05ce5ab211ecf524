"""Data: fill the rollups from the cases already there (`cases.rollups.rebuild`, one
INSERT … SELECT … GROUP BY per table); from here on the case services keep them exact."""

from django.db import migrations


def build(apps, schema_editor):
    from ombud.cases import rollups

    rollups.rebuild(apps)


def empty(apps, schema_editor):
    for name in ("CaseTally", "DecisionTally"):
        apps.get_model("cases", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0021_case_tallies")]
    operations = [migrations.RunPython(build, empty)]
