from django.contrib import admin

from ombud.intake.models import ProductLine, Visit


@admin.register(ProductLine)
class ProductLineAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "company_type", "sort", "is_active", "source")
    list_editable = ("sort", "is_active")


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    # Personal data stays masked here too: the admin is not a way around masking.
    list_display = ("tracking_no", "kind", "channel", "masked_name", "company", "outcome", "received_at")
    list_filter = ("kind", "channel", "outcome", "campaign")
    search_fields = ("tracking_no",)
    list_select_related = ("company",)
    fields = (
        "tracking_no",
        "kind",
        "channel",
        "campaign",
        "site",
        "city",
        "masked_name",
        "masked_phone",
        "masked_id_number",
        "company",
        "practitioner",
        "product_line",
        "summary",
        "outcome",
        "due_date",
        "handled_by",
        "received_at",
    )
    readonly_fields = fields
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
