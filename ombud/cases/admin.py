from django.contrib import admin

from ombud.audit.policy_admin import AuditedPolicyAdmin
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
class ReplyTemplateAdmin(AuditedPolicyAdmin):
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
class MessageTemplateAdmin(AuditedPolicyAdmin):
    """The texts of notifications: policy as data. Switch one off with `is_active`."""

    form = MessageTemplateForm
    list_display = ("code", "audience", "subject", "is_active", "source")
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


# ---- policy: deadline rules, the holiday calendar, routing rules (docs/deadlines.md, routing.md) --

from ombud.cases.models import CalendarDay, CalendarYear, DeadlineRule, RoutingRule  # noqa: E402


class SourcedForm(forms.ModelForm):
    """A policy row says where it comes from: a rule without a source is refused."""

    def clean_source(self) -> str:
        source = (self.cleaned_data.get("source") or "").strip()
        if not source:
            raise forms.ValidationError(_("Give the source of this rule (the law, notice or decision)."))
        return source


class DeadlineRuleForm(SourcedForm):
    class Meta:
        model = DeadlineRule
        fields = ("code", "name_zh", "name_en", "days", "unit", "roll_to_working_day", "source", "status", "is_active")

    def clean_days(self) -> int:
        days = self.cleaned_data["days"]
        if days < 1:
            raise forms.ValidationError(_("A time limit is at least one day."))
        return days


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(AuditedPolicyAdmin):
    form = DeadlineRuleForm
    list_display = ("code", "name_zh", "days", "unit", "roll_to_working_day", "status", "is_active", "source")
    list_filter = ("unit", "status", "is_active")
    search_fields = ("code", "name_zh", "name_en", "source")

    def get_readonly_fields(self, request, obj=None):
        # The code is what the deadline code looks rules up by (cases/deadlines.py).
        return ("code",) if obj else ()


class RoutingRuleForm(SourcedForm):
    class Meta:
        model = RoutingRule
        fields = ("nature", "handled_by", "source")


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedPolicyAdmin):
    form = RoutingRuleForm
    list_display = ("nature", "handled_by", "source")

    def get_readonly_fields(self, request, obj=None):
        return ("nature",) if obj else ()


class CalendarYearForm(SourcedForm):
    class Meta:
        model = CalendarYear
        fields = ("year", "source")


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedPolicyAdmin):
    """A year is loaded whole, with its days, by `manage.py load_holidays YEAR FILE`; here an
    admin corrects its source or removes a year loaded by mistake."""

    form = CalendarYearForm
    list_display = ("year", "source", "loaded_at")

    def get_readonly_fields(self, request, obj=None):
        return ("year", "loaded_at") if obj else ("loaded_at",)


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ("date", "kind", "holiday")

    def clean(self):
        data = super().clean()
        day, kind = data.get("date"), data.get("kind")
        if day is None or not kind:
            return data
        if not CalendarYear.objects.filter(year=day.year).exists():
            raise forms.ValidationError(
                _("The holidays of %(year)s are not loaded; load the whole year first."), params={"year": day.year}
            )
        if kind == CalendarDay.Kind.ADJUSTED_WORKDAY and day.weekday() < 5:
            raise forms.ValidationError(_("A weekday is a working day already; a make-up working day is a weekend."))
        return data


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedPolicyAdmin):
    form = CalendarDayForm
    list_display = ("date", "kind", "holiday")
    list_filter = ("kind",)
    search_fields = ("holiday",)
    date_hierarchy = "date"
