"""The publish form: a campaign or a period, a title and the report's language."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ombud.forms import ServiceErrorsMixin
from ombud.reports.publication.snapshot import TITLE_MAX


class PublishForm(ServiceErrorsMixin, forms.Form):
    """Field ids (id_campaign, id_since, id_until, id_title, id_language) are stable: the
    browser journey uses them."""

    service_fields = {"campaign_id": "campaign"}

    campaign = forms.TypedChoiceField(label=gettext_lazy("Campaign"), required=False, coerce=int, empty_value=None)
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(
        label=gettext_lazy("Title"),
        required=False,
        max_length=TITLE_MAX,
        strip=True,
        help_text=gettext_lazy("Leave empty for the standard title."),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the report"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE
    )

    def __init__(self, *args, campaigns: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [("", _("— a period instead —")), *campaigns]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("campaign") is None and not (data.get("since") or data.get("until")) and not self.errors:
            self.add_error("campaign", _("Choose a campaign, or give the first and last day of a period."))
        return data

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "campaign_id": d["campaign"],
            "since": d["since"],
            "until": d["until"],
            "title": d["title"],
            "language": d["language"],
        }
