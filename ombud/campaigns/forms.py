"""Forms of the campaigns pages: they turn what a browser posts into the services' inputs; the
rules stay in `campaigns.services`, `campaigns.attendance` and `campaigns.inspections`, and a
service's refusal is shown next to its input (`ombud.forms.ServiceErrorsMixin`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ombud.campaigns import rosterfile
from ombud.campaigns.inspections import FINDINGS_MAX, LED_BY_MAX, InspectionInput
from ombud.campaigns.services import ADDRESS_MAX, NAME_MAX, CampaignInput, SiteInput
from ombud.forms import ServiceErrorsMixin

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


class InspectionForm(ServiceErrorsMixin, forms.Form):
    service_fields = {"site_id": "site"}

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


# ---- setting a campaign up -----------------------------------------------------------------------


class CampaignForm(ServiceErrorsMixin, forms.Form):
    service_fields = {"region_code": "region"}

    name = forms.CharField(label=_("Campaign name"), max_length=NAME_MAX)
    region = forms.ChoiceField(label=_("Region"))
    starts_at = forms.DateTimeField(label=_("Starts at"), input_formats=LOCAL_FORMATS, widget=LocalDateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends at"), input_formats=LOCAL_FORMATS, widget=LocalDateTimeInput())

    def __init__(self, *args, regions: list, fixed_region: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, f"{r.name} ({r.code})") for r in regions]
        if fixed_region:
            # A campaign keeps its region (its sites are in it).
            self.fields["region"].disabled = True

    def to_input(self) -> CampaignInput:
        d = self.cleaned_data
        return CampaignInput(name=d["name"], starts_at=d["starts_at"], ends_at=d["ends_at"], region_code=d["region"])


class SiteForm(ServiceErrorsMixin, forms.Form):
    service_fields = {"city_code": "city"}

    city = forms.ChoiceField(label=_("City"))
    name = forms.CharField(label=_("Site name"), max_length=NAME_MAX)
    address = forms.CharField(label=_("Address"), max_length=ADDRESS_MAX, required=False)

    def __init__(self, *args, cities: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].choices = [(r.code, r.name) for r in cities]

    def to_input(self) -> SiteInput:
        d = self.cleaned_data
        return SiteInput(city_code=d["city"], name=d["name"], address=d.get("address", ""))


class RosterImportForm(ServiceErrorsMixin, forms.Form):
    show_service_message = True

    site = forms.TypedChoiceField(
        label=_("Site"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Empty: each row names its site."),
    )
    file = forms.FileField(
        label=_("Roster file"),
        help_text=_("An Excel workbook (.xlsx) or a CSV file, with the template's header row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, sites: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", _("every site (named on each row)"))] + [
            (s.pk, f"{s.city.name} · {s.name}") for s in sites
        ]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > rosterfile.MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB."), params={"mb": rosterfile.MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload
