"""Forms of the intake pages: they parse what a browser posts into the service's inputs.

Rules (what a complaint needs, which site a user may record at, …) stay in
`intake.services.record_visit`; a form only turns text into types and shows the service's
field errors next to the right input (`ombud.forms.ServiceErrorsMixin`, keys in `SERVICE_FIELDS`).
"""

from __future__ import annotations

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from ombud.directory.widgets import CompanyField
from ombud.forms import ServiceErrorsMixin
from ombud.intake import queries
from ombud.intake.models import Visit
from ombud.intake.services import VisitInput

# Keys of `InvalidInput.fields` (the API's names) → the form field that shows the message.
SERVICE_FIELDS = {
    "site_id": "site",
    "kind": "kind",
    "visitor.name": "visitor_name",
    "visitor.phone": "visitor_phone",
    "visitor.id_number": "visitor_id_number",
    "company_id": "company",
    "practitioner": "practitioner_name",
    "practitioner.name": "practitioner_name",
    "product_line": "product_line",
    "summary": "summary",
    "outcome": "outcome",
    "due_date": "due_date",
    "handled_by": "handled_by",
}


WIDGET_ATTRS = {
    "visitor_name": {"autocomplete": "off", "required": True},
    "visitor_phone": {"autocomplete": "off", "inputmode": "tel"},
    "visitor_id_number": {"autocomplete": "off", "maxlength": 18, "spellcheck": "false"},
    "practitioner_name": {"autocomplete": "off"},
    "practitioner_licence_no": {"autocomplete": "off", "spellcheck": "false"},
    "summary": {"required": True},
}


def new_token() -> str:
    """A random idempotency token, one per rendered form."""
    return secrets.token_urlsafe(18)


class VisitForm(ServiceErrorsMixin, forms.Form):
    service_fields = SERVICE_FIELDS

    token = forms.CharField(required=False, max_length=128, widget=forms.HiddenInput)
    # Not required here: a missing site is reported by the service, together with every other
    # error, so the receptionist sees them all at once.
    site = forms.TypedChoiceField(label=_("Site"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Kind"), choices=Visit.Kind.choices, widget=forms.RadioSelect)
    visitor_name = forms.CharField(label=_("Visitor's name"), required=False, max_length=200)
    visitor_phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    visitor_id_number = forms.CharField(label=_("ID-card number"), required=False, max_length=40)
    # The search box (directory/widgets.py): pick from what the API finds, or type the full name.
    company = CompanyField(label=_("Company"), required=False, by_name=queries.company_id_by_name)
    practitioner_name = forms.CharField(label=_("Practitioner's name"), required=False, max_length=64)
    practitioner_licence_no = forms.CharField(label=_("Licence number"), required=False, max_length=40)
    product_line = forms.ChoiceField(label=_("Product line"), required=False)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=Visit.Outcome.choices, widget=forms.RadioSelect
    )
    due_date = forms.DateField(
        label=_("Promised date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    handled_by = forms.ChoiceField(
        label=_("Handled by"), required=False, choices=Visit.HandledBy.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, sites: list, product_lines: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        site_field = self.fields["site"]
        assert isinstance(site_field, forms.TypedChoiceField)
        site_field.choices = [(s.pk, f"{s.city.name} · {s.name}") for s in sites]
        if len(sites) != 1:
            site_field.choices = [("", "—"), *site_field.choices]
        line_field = self.fields["product_line"]
        assert isinstance(line_field, forms.ChoiceField)
        line_field.choices = [("", "—"), *product_lines]
        self.company_id: int | None = None
        for name, attrs in WIDGET_ATTRS.items():
            self.fields[name].widget.attrs.update(attrs)

    def clean_company(self) -> int | None:
        self.company_id = self.cleaned_data["company"]
        return self.company_id

    def to_input(self) -> VisitInput:
        d = self.cleaned_data
        return VisitInput(
            kind=d["kind"],
            site_id=d["site"],
            visitor_name=d["visitor_name"],
            visitor_phone=d["visitor_phone"].strip(),
            visitor_id_number=d["visitor_id_number"].strip(),
            company_id=self.company_id,
            practitioner_name=d["practitioner_name"],
            practitioner_licence_no=d["practitioner_licence_no"].strip(),
            product_line=d["product_line"],
            summary=d["summary"],
            outcome=d["outcome"],
            due_date=d["due_date"],
            handled_by=d["handled_by"],
        )


class VisitFilterForm(forms.Form):
    """The visits list's GET filters; every field optional."""

    campaign = forms.TypedChoiceField(label=_("Campaign"), required=False, coerce=int, empty_value=None)
    site = forms.TypedChoiceField(label=_("Site"), required=False, coerce=int, empty_value=None)
    city = forms.ChoiceField(label=_("City"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("all")), *Visit.Kind.choices])
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", _("all")), *Visit.Outcome.choices, ("referred", _("referred for investigation"))],
    )
    company = forms.TypedChoiceField(label=_("Company"), required=False, coerce=int, empty_value=None)
    tracking_no = forms.CharField(label=_("Tracking number"), required=False, max_length=32)

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("all"))]
        for name, key in (("campaign", "campaigns"), ("site", "sites"), ("city", "cities"), ("company", "companies")):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = everything + list(choices[key])

    def filters(self) -> queries.VisitFilters:
        d = self.cleaned_data
        return queries.VisitFilters(
            campaign_id=d["campaign"],
            site_id=d["site"],
            city_code=d["city"] or None,
            kind=d["kind"] or None,
            outcome=d["outcome"] or None,
            company_id=d["company"],
            tracking_no=d["tracking_no"].replace(" ", "") or None,
        )
