from django.contrib import admin

from ombud.cases.models import Case, CaseEvent


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    fields = ("created_at", "type", "actor", "data")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("tracking_no", "status", "company", "handled_by", "due_date", "opened_at")
    list_filter = ("status", "handled_by")
    search_fields = ("tracking_no",)
    list_select_related = ("company",)
    readonly_fields = [f.name for f in Case._meta.fields]
    inlines = [CaseEventInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False
