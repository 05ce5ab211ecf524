from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ombud.audit.policy_admin import AuditedPolicyAdmin
from ombud.oversight.models import CompanyFigures, EvaluationWeight


class SourcedForm(forms.ModelForm):
    """A policy row says where it comes from: a weight or a figure without a source is refused."""

    def clean_source(self) -> str:
        source = (self.cleaned_data.get("source") or "").strip()
        if not source:
            raise forms.ValidationError(_("Give the source of this rule (the law, notice or decision)."))
        return source


class EvaluationWeightForm(SourcedForm):
    source = forms.CharField(label=_("source"), max_length=300)

    class Meta:
        model = EvaluationWeight
        fields = ("metric", "name_zh", "name_en", "weight", "higher_is_better", "source", "position")

    def clean_weight(self):
        weight = self.cleaned_data["weight"]
        if weight is not None and weight < 0:
            raise forms.ValidationError(_("A weight is not negative."))
        return weight


@admin.register(EvaluationWeight)
class EvaluationWeightAdmin(AuditedPolicyAdmin):
    form = EvaluationWeightForm
    list_display = ("metric", "name_zh", "weight", "higher_is_better", "position", "source")
    ordering = ("position", "metric")

    def get_readonly_fields(self, request, obj=None):
        # The metric is what oversight/evaluation/queries.py computes; a new code would score nothing.
        return ("metric",) if obj else ()


class CompanyFiguresForm(SourcedForm):
    source = forms.CharField(label=_("source"), max_length=200)

    class Meta:
        model = CompanyFigures
        fields = ("bureau", "company", "period_start", "period_end", "premium", "policies", "insured_persons", "source")

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data


@admin.register(CompanyFigures)
class CompanyFiguresAdmin(AuditedPolicyAdmin):
    form = CompanyFiguresForm
    list_display = ("company", "bureau", "period_start", "period_end", "premium", "policies", "source", "imported_at")
    list_select_related = ("company", "bureau")
    raw_id_fields = ("company", "bureau")
    readonly_fields = ("imported_at",)
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.imported_at = timezone.now()
        super().save_model(request, obj, form, change)
