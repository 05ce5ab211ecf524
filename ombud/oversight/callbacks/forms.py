"""Forms of the call-back pages: the build form, the list's filters, the call record, the
report's filters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ombud.forms import ServiceErrorsMixin
from ombud.oversight.callbacks.services import COMMENT_MAX, MAX_SAMPLE, NOTE_MAX, SEED_MAX
from ombud.oversight.models import CallAttempt, CallBack

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

_DATE = forms.DateInput(attrs={"type": "date"})


def _campaign_field(label: StrOrPromise) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, required=False, coerce=int, empty_value=None)


class BuildForm(ServiceErrorsMixin, forms.Form):
    service_fields = {"campaign_id": "campaign"}

    campaign = _campaign_field(gettext_lazy("Campaign"))
    since = forms.DateField(label=gettext_lazy("Closed from"), required=False, widget=_DATE)
    until = forms.DateField(label=gettext_lazy("Closed until"), required=False, widget=_DATE)
    sample_size = forms.IntegerField(
        label=gettext_lazy("Sample size"),
        required=False,
        min_value=1,
        max_value=MAX_SAMPLE,
        help_text=gettext_lazy("Empty: every consumer. A number: the list is topped up to that many, drawn at random."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    seed = forms.CharField(
        label=gettext_lazy("Seed"),
        required=False,
        max_length=SEED_MAX,
        help_text=gettext_lazy("For a sample: empty for a new random seed, or a seed to repeat a draw."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "mono"}),
    )

    def __init__(self, *args: Any, campaigns: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [("", _("— any campaign —")), *campaigns]


class FilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    campaign = _campaign_field(gettext_lazy("Campaign"))

    def __init__(self, *args: Any, campaigns: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("— any status —")), *CallBack.Status.choices]
        self.fields["campaign"].choices = [("", _("— any campaign —")), *campaigns]


class AttemptForm(ServiceErrorsMixin, forms.Form):
    """Field ids are stable (id_result_0…, id_solved_0…, id_satisfaction_0…): tests use them."""

    result = forms.ChoiceField(
        label=gettext_lazy("Result of the call"),
        choices=CallAttempt.Result.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose the result of the call.")},
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=NOTE_MAX)
    solved = forms.ChoiceField(
        label=gettext_lazy("Was the problem solved?"),
        required=False,
        choices=[("yes", gettext_lazy("yes")), ("no", gettext_lazy("no"))],
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(
        label=gettext_lazy("How satisfied is the consumer?"),
        required=False,
        choices=[
            ("1", gettext_lazy("very dissatisfied")),
            ("2", gettext_lazy("dissatisfied")),
            ("3", gettext_lazy("neither")),
            ("4", gettext_lazy("satisfied")),
            ("5", gettext_lazy("very satisfied")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("The consumer's comment"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReportForm(forms.Form):
    campaign = _campaign_field(gettext_lazy("Campaign"))
    since = forms.DateField(label=gettext_lazy("Closed from"), required=False, widget=_DATE)
    until = forms.DateField(label=gettext_lazy("Closed until"), required=False, widget=_DATE)

    def __init__(self, *args: Any, campaigns: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [("", _("— any campaign —")), *campaigns]
