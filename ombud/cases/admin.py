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


# ---- the workspace: reply templates and evidence attachments ----------------------------------------

from ombud.cases.models import Attachment, ReplyTemplate  # noqa: E402


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ("title", "organization", "decision", "is_active")
    list_filter = ("is_active", "decision")
    search_fields = ("title", "body")
    list_select_related = ("organization",)
    raw_id_fields = ("organization",)


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Read-only, and never the content: evidence is downloaded from the case page, where
    access to the case is checked."""

    list_display = ("filename", "case", "content_type", "size", "uploaded_by", "created_at")
    list_select_related = ("case", "uploaded_by")
    search_fields = ("case__tracking_no", "filename")
    fields = ("case", "filename", "content_type", "size", "sha256", "uploaded_by", "created_at")
    readonly_fields = fields
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# ---- deadline alerts and notifications (cases/escalation.py, cases/notify.py) ------------------

from django import forms  # noqa: E402
from django.template import TemplateSyntaxError  # noqa: E402
from django.utils.translation import gettext_lazy as _  # noqa: E402

from ombud.cases.models import Alert, MessageTemplate, Notification  # noqa: E402
from ombud.cases.notify import check_template  # noqa: E402
from ombud.cases.notify_backends import mask_address  # noqa: E402


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ("code", "audience", "subject", "body", "is_active", "source")

    def _checked(self, name: str) -> str:
        text = self.cleaned_data.get(name, "")
        try:
            check_template(text)
        except TemplateSyntaxError as exc:
            raise forms.ValidationError(_("This is not a valid template: %(error)s"), params={"error": exc}) from None
        return text

    def clean_subject(self) -> str:
        return self._checked("subject")

    def clean_body(self) -> str:
        return self._checked("body")


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """The texts of notifications: policy as data. Switch one off with `is_active`."""

    form = MessageTemplateForm
    list_display = ("code", "audience", "subject", "is_active")
    list_filter = ("audience", "is_active")
    search_fields = ("code", "subject", "body")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """The outbox, read-only; the address is shown masked, never in clear."""

    list_display = ("created_at", "case", "template", "audience", "channel", "masked_address", "status", "attempts")
    list_filter = ("status", "channel", "audience")
    list_select_related = ("case",)
    search_fields = ("case__tracking_no",)
    fields = (
        "case",
        "alert",
        "template",
        "audience",
        "channel",
        "recipient_user",
        "masked_address",
        "subject",
        "body",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "claimed_at",
        "sent_at",
    )
    readonly_fields = fields

    @admin.display(description=_("address"))
    def masked_address(self, obj: Notification) -> str:
        return mask_address(obj.channel, obj.address)


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "case", "kind", "due_at")
    list_filter = ("kind",)
    list_select_related = ("case",)
    search_fields = ("case__tracking_no",)
    fields = ("case", "kind", "due_at", "created_at")
    readonly_fields = fields
