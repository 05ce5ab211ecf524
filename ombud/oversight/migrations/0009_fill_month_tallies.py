"""Data: fill the month tallies, the all-time decision histograms and the case tallies' answers
(cases/0025) from the cases
already there, with the answers of their ratings and call-backs: `cases.rollups.rebuild`, which
fills every rollup afresh. Here rather than in cases, because the month tally counts the
call-backs, which this app adds."""

from django.db import migrations


def build(apps, schema_editor):
    from ombud.cases import rollups

    rollups.rebuild(apps)


def empty(apps, schema_editor):
    for name in ("CaseMonthTally", "DecisionTenths", "DecisionDays"):
        apps.get_model("cases", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0026_decision_tally_hundredths_index"),
        ("oversight", "0008_callback_list_keyset_indexes"),
    ]
    operations = [migrations.RunPython(build, empty)]
