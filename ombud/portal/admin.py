"""The admin's view of public consultations: read only. Consultations are opened, edited and
summarised on their pages (portal/consultations/), whose service checks the period and the
bureau; answers (free text that may hold personal data) are not in the admin at all."""

from django.contrib import admin

from ombud.portal.models import Consultation, ConsultationQuestion


class QuestionInline(admin.TabularInline):
    model = ConsultationQuestion
    fields = ("position", "text", "kind", "choices", "required")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ("title", "bureau", "opens_at", "closes_at", "summary_published_at", "created_at")
    list_filter = ("bureau",)
    list_select_related = ("bureau",)
    search_fields = ("title",)
    fields = (
        "bureau",
        "title",
        "description",
        "opens_at",
        "closes_at",
        "summary",
        "summary_published_at",
        "created_by",
        "created_at",
    )
    readonly_fields = fields
    inlines = (QuestionInline,)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
