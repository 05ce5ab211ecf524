from django.db import models


class PlainVisit(models.Model):
    """The columns and indexes of Ombud's `intake_visit`, without its foreign keys: plain ids."""

    kind = models.CharField(max_length=16)
    channel = models.CharField(max_length=16)
    campaign_id = models.BigIntegerField(null=True)
    site_id = models.BigIntegerField(null=True)
    city_id = models.CharField(max_length=6, null=True)
    visitor_name = models.TextField()
    visitor_phone = models.TextField(blank=True)
    visitor_id_number = models.TextField(blank=True)
    visitor_phone_index = models.CharField(max_length=32, blank=True, db_index=True)
    company_id = models.BigIntegerField(null=True, db_index=True)
    company_root_id = models.BigIntegerField(null=True, db_index=True)
    practitioner_name = models.CharField(max_length=64, blank=True)
    product_line = models.CharField(max_length=32, blank=True)
    summary = models.TextField()
    outcome = models.CharField(max_length=16, blank=True)
    due_date = models.DateField(null=True)
    handled_by = models.CharField(max_length=16, blank=True)
    tracking_no = models.CharField(max_length=16, unique=True)
    secret_code = models.TextField()
    received_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "bench_plain_visit"
        indexes = [
            models.Index(fields=["campaign_id", "city_id"], name="plain_campaign_city"),
            models.Index(fields=["campaign_id", "company_root_id"], name="plain_campaign_company"),
            models.Index(fields=["site_id", "-received_at", "-id"], name="plain_site_recent"),
        ]
