"""Data: `Case.had_review` / `had_mediation` from the timeline the cases already have (a
REVIEW_REQUESTED / MEDIATION_STARTED event), so that the statistics read the same counts as
before the flags existed. Two UPDATEs with an EXISTS each, whatever the number of cases."""

from django.db import migrations
from django.db.models import Exists, OuterRef

FLAGS = {"had_review": "review_requested", "had_mediation": "mediation_started"}


def set_flags(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    for field, event_type in FLAGS.items():
        had = Exists(CaseEvent.objects.filter(case_id=OuterRef("pk"), type=event_type))
        Case.objects.filter(had).update(**{field: True})


class Migration(migrations.Migration):
    dependencies = [("cases", "0019_case_review_mediation_flags")]
    operations = [migrations.RunPython(set_flags, migrations.RunPython.noop)]
