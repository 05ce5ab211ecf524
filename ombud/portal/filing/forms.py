"""The filing page's forms: the phone, the SMS code, and the filing itself. Rules stay in
`portal.filing.services.file_online`; a form turns text into its input and shows the service's
field errors next to the right input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ombud.cases.attachments import ACCEPT_ATTRIBUTE
from ombud.directory.widgets import CompanyField
from ombud.forms import ServiceErrorsMixin
from ombud.intake.models import Visit
from ombud.portal.filing import services
from ombud.portal.models import OnlineFiling

SERVICE_FIELDS = {
    "visitor.name": "name",
    "visitor.id_number": "id_number",
    "visitor.phone": "name",
    "company_id": "company",
    "city_code": "city",
    "site_id": "city",
}


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "required": True}),
        help_text=_("We send a 6-digit code to this number by text message."),
    )


class CodeForm(forms.Form):
    otp = forms.CharField(
        label=_("Code from the text message"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "required": True, "maxlength": 6}
        ),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service (cases/attachments.py)."""

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class FilingForm(ServiceErrorsMixin, forms.Form):
    service_fields = SERVICE_FIELDS

    kind = forms.ChoiceField(label=_("What do you want to do?"), choices=Visit.Kind.choices, widget=forms.RadioSelect)
    filed_as = forms.ChoiceField(
        label=_("Who is filing?"),
        choices=OnlineFiling.FiledAs.choices,
        initial=OnlineFiling.FiledAs.SELF,
        required=False,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    id_number = forms.CharField(
        label=_("ID-card number (optional)"),
        max_length=40,
        required=False,
        help_text=_("Helps the company find your policy."),
    )
    principal_name = forms.CharField(label=_("Name of the person you file for"), max_length=200, required=False)
    authorisation = forms.FileField(
        label=_("Signed authorisation (委托书)"),
        required=False,
        help_text=_("A photo or scan (PDF, JPEG or PNG, at most 10 MB)."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )
    representatives = forms.CharField(
        label=_("The group's representatives"),
        required=False,
        help_text=_("One name a line, at most 5 (art. 12 of the complaint rules)."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    company = CompanyField(
        label=_("Insurance company"),
        required=False,
        help_text=_("Type a few characters or the pinyin initials (e.g. 平安, zgrs) and pick from the list."),
    )
    city = forms.ChoiceField(label=_("Your city"), required=False)
    product_line = forms.ChoiceField(label=_("Kind of insurance"), required=False)
    category = forms.ChoiceField(label=_("What is it about?"), required=False)
    summary = forms.CharField(
        label=_("What happened"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("When, which policy, what the company did or did not do."),
    )
    request = forms.CharField(
        label=_("What you ask for"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: pay the claim, refund the premium, an apology."),
    )
    evidence = MultipleFileField(
        label=_("Evidence (optional)"),
        required=False,
        help_text=_("Policy, letters, receipts, photos: PDF, JPEG or PNG, at most 10 MB each, up to 10 files."),
        widget=MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )
    consent = forms.BooleanField(label=_("I have read the privacy notice and agree."), required=False)
    # The honeypot: hidden from people and screen readers (CSS and aria-hidden), left empty by them.
    website = forms.CharField(required=False, max_length=200, label=_("Leave this empty"))

    def __init__(self, *args, cities: list[tuple[str, str]], product_lines: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].choices = [("", "—"), *cities]  # type: ignore[attr-defined]
        self.fields["product_line"].choices = [("", "—"), *product_lines]  # type: ignore[attr-defined]
        self.fields["category"].choices = [("", "—"), *services.CATEGORIES]  # type: ignore[attr-defined]
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        for name in ("name", "principal_name"):
            self.fields[name].widget.attrs.update({"autocomplete": "name"})
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        # The draft kept in the browser (static/js/filing.js): text fields only.
        for name in ("name", "principal_name", "representatives", "summary", "request"):
            self.fields[name].widget.attrs["data-draft"] = name

    def to_input(self, files) -> services.FilingInput:
        d = self.cleaned_data
        return services.FilingInput(
            kind=d["kind"],
            name=d["name"],
            summary=d["summary"],
            city_code=d["city"],
            request=d["request"] if d["kind"] == Visit.Kind.COMPLAINT else "",
            id_number=d["id_number"],
            company_id=d["company"],
            product_line=d["product_line"],
            category=d["category"] if d["kind"] == Visit.Kind.COMPLAINT else "",
            filed_as=d["filed_as"] or OnlineFiling.FiledAs.SELF,
            principal_name=d["principal_name"] if d["filed_as"] == OnlineFiling.FiledAs.AGENT else "",
            representatives=tuple(d["representatives"].splitlines())
            if d["filed_as"] == OnlineFiling.FiledAs.GROUP
            else (),
            consent=d["consent"],
            honeypot=d["website"],
            evidence=tuple(files.getlist("evidence")) if d["kind"] == Visit.Kind.COMPLAINT else (),
            authorisation=files.get("authorisation") if d["filed_as"] == OnlineFiling.FiledAs.AGENT else None,
        )
