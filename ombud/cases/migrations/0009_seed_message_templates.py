"""Seed the zh-hans notification templates (placeholder: filled in by the notifications work)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_alerts_notifications_attachments")]
    operations = []
