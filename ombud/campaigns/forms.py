"""Forms of the attendance and inspection pages: they turn what a browser posts into the
services' inputs; the rules stay in `campaigns.attendance` and `campaigns.inspections`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ombud.campaigns.inspections import FINDINGS_MAX, LED_BY_MAX, InspectionInput

# <input type="datetime-local"> sends "2026-03-24T14:00"; read in the current zone (Asia/Shanghai).
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class RosterFilterForm(forms.Form):
    name = forms.CharField(label=_("Name"), required=False, max_length=64)
    duty = forms.ChoiceField(
        label=_("Duty"),
        required=False,
        choices=[("", _("everyone")), ("executive", _("executives only"))],
    )
    present = forms.ChoiceField(
        label=_("Attendance"),
        required=False,
        choices=[("", _("all")), ("no", _("not checked in")), ("yes", _("checked in"))],
    )

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        present = {"yes": True, "no": False}.get(data.get("present", ""))
        return {"name": data.get("name", ""), "duty": data.get("duty") or None, "present": present}


class InspectionForm(forms.Form):
    site = forms.TypedChoiceField(label=_("Site"), coerce=int)
    started_at = forms.DateTimeField(label=_("Started at"), input_formats=LOCAL_FORMATS, widget=LocalDateTimeInput())
    ended_at = forms.DateTimeField(
        label=_("Ended at"), required=False, input_formats=LOCAL_FORMATS, widget=LocalDateTimeInput()
    )
    led_by = forms.CharField(
        label=_("Led by"),
        required=False,
        max_length=LED_BY_MAX,
        help_text=_("If not you, e.g. the bureau's deputy director."),
    )
    issues_found = forms.BooleanField(label=_("Issues found"), required=False)
    # Not required here: an empty text is reported by the service with the other errors.
    findings = forms.CharField(
        label=_("Findings"), required=False, max_length=FINDINGS_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, sites: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [(s.pk, f"{s.city.name} · {s.name}") for s in sites]

    def to_input(self) -> InspectionInput:
        d = self.cleaned_data
        return InspectionInput(
            started_at=d["started_at"],
            ended_at=d.get("ended_at"),
            findings=d.get("findings", ""),
            issues_found=d.get("issues_found", False),
            led_by=d.get("led_by", ""),
        )

    def add_service_errors(self, fields: dict[str, str]) -> None:
        for key, message in fields.items():
            name = {"site_id": "site"}.get(key, key)
            self.add_error(name if name in self.fields else None, str(message))
