"""Forms of the spot-check pages: the draw form and the finding form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ombud.forms import ServiceErrorsMixin
from ombud.oversight.models import SpotCheck, SpotCheckItem
from ombud.oversight.spotchecks.services import REASONS_MAX, SEED_MAX, TITLE_MAX


class DrawForm(ServiceErrorsMixin, forms.Form):
    """The draw form. Field ids (id_campaign, id_size_mode, id_size_value, id_seed, …) are
    stable: the browser journey uses them."""

    service_fields = {"campaign_id": "campaign"}

    title = forms.CharField(label=gettext_lazy("Title"), required=False, max_length=TITLE_MAX, strip=True)
    campaign = forms.TypedChoiceField(label=gettext_lazy("Campaign"), required=False, coerce=int, empty_value=None)
    since = forms.DateField(
        label=gettext_lazy("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("Received until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    size_mode = forms.ChoiceField(label=gettext_lazy("Sample size by"), choices=SpotCheck.SizeMode.choices)
    size_value = forms.IntegerField(
        label=gettext_lazy("Size (cases or %) per stratum"),
        min_value=1,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    seed = forms.CharField(
        label=gettext_lazy("Seed"),
        required=False,
        max_length=SEED_MAX,
        strip=True,
        help_text=gettext_lazy("Leave empty for a new random seed; enter a stored seed to redraw a sample."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "mono"}),
    )

    def __init__(self, *args: Any, campaigns: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [("", _("— any campaign —")), *campaigns]


class FindingForm(forms.Form):
    finding = forms.ChoiceField(
        choices=[(SpotCheckItem.Finding.PROPER, ""), (SpotCheckItem.Finding.IMPROPER, "")],
        error_messages={"required": gettext_lazy("Choose: handled properly or not.")},
    )
    reasons = forms.CharField(required=False, max_length=REASONS_MAX)
    follow_up = forms.ChoiceField(required=False, choices=[("", ""), ("reopen", ""), ("refer", "")])
