"""The filter form of the case statistics page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ombud.campaigns.models import Campaign
from ombud.forms import ServiceErrorsMixin


class CaseStatisticsForm(ServiceErrorsMixin, forms.Form):
    service_fields = {"campaign_id": "campaign"}

    since = forms.DateField(label=_("Opened from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Opened until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    campaign = forms.TypedChoiceField(label=_("Campaign"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, campaigns: list[Campaign], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [("", _("all cases")), *((c.pk, c.name) for c in campaigns)]

    def clean(self) -> dict:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The period ends before it starts."))
        return data
