"""Data: the national region list (GB/T 2260). Schema and data migrations are kept apart."""

from django.db import migrations


def load_regions(apps, schema_editor):
    from ombud.directory import regions

    regions.load(apps.get_model("directory", "Region"))


def unload_regions(apps, schema_editor):
    apps.get_model("directory", "Region").objects.filter(level="county").delete()
    apps.get_model("directory", "Region").objects.filter(level="prefecture").delete()
    apps.get_model("directory", "Region").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]
    operations = [migrations.RunPython(load_regions, unload_regions)]
