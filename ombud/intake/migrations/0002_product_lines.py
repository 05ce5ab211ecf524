"""Data: insurance lines (险种) from RULES.md "Categories"; admins may add more."""

from django.db import migrations

SOURCE = "RULES.md Categories (Line); CBIRC quarterly complaint notices"
LINES = [
    # code, Chinese, English, company type
    ("motor", "机动车辆保险", "Motor", "property_casualty"),
    ("guarantee", "保证保险", "Guarantee / credit", "property_casualty"),
    ("property_other", "其他财产保险", "Other property", "property_casualty"),
    ("liability", "责任保险", "Liability", "property_casualty"),
    ("life_ordinary", "普通人寿保险", "Ordinary life", "life"),
    ("health_illness", "疾病保险", "Critical illness", "life"),
    ("health_medical", "医疗保险", "Medical", "life"),
    ("accident", "意外伤害保险", "Accident", "life"),
    ("annuity", "年金保险", "Annuity", "life"),
    ("participating", "分红型保险", "Participating", "life"),
    ("universal", "万能型保险", "Universal", "life"),
    ("unit_linked", "投资连结型保险", "Unit-linked", "life"),
    ("other", "其他", "Other", "other"),
]


def load(apps, schema_editor):
    ProductLine = apps.get_model("intake", "ProductLine")
    for sort, (code, zh, en, kind) in enumerate(LINES):
        ProductLine.objects.update_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "company_type": kind, "sort": sort, "source": SOURCE}
        )


def unload(apps, schema_editor):
    apps.get_model("intake", "ProductLine").objects.filter(code__in=[c for c, *_ in LINES]).delete()


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
