"""The company search box (docs/portal.md, "Filing online"): one widget for the public filing
form and the staff intake form.

The visible input takes what the person types; ombud/static/js/company-search.js asks
`GET /api/v1/public/companies?q=` as they type (names, short names, pinyin initials) and
offers the answers as a listbox (ARIA combobox pattern: arrows, Enter, Escape); picking one
fills the hidden `<name>_id` input. Without JavaScript the typed text is looked up by its
full name or a head office's short name, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ombud.directory.models import Organization

COMPANY_KINDS = (Organization.Kind.INSURER, Organization.Kind.INTERMEDIARY)


class CompanySearchWidget(forms.Widget):
    template_name = "directory/company_search.html"

    def __init__(self, attrs: dict | None = None, *, search_url: str = "/api/v1/public/companies"):
        super().__init__(attrs)
        self.search_url = search_url

    def value_from_datadict(self, data: Any, files: Any, name: str) -> dict[str, str]:
        return {"text": str(data.get(name, "") or ""), "id": str(data.get(f"{name}_id", "") or "")}

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}_id" not in data

    def format_value(self, value: Any) -> Any:
        return value

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict:
        context = super().get_context(name, value, attrs)
        value = value if isinstance(value, dict) else {"text": value or "", "id": ""}
        context["widget"].update(text=value.get("text", ""), company_id=value.get("id", ""), search_url=self.search_url)
        return context


def company_by_name(text: str) -> int | None:
    """A company by its full name, or the short name of a head office (the no-script path)."""
    text = text.strip()
    if not text:
        return None
    ids = list(
        Organization.objects.filter(kind__in=COMPANY_KINDS)
        .filter(Q(name=text) | Q(short_name=text, parent_id=None))
        .order_by("kind", "id")
        .values_list("id", "name")[:3]
    )
    exact = [pk for pk, name in ids if name == text]
    if exact:
        return exact[0]
    return ids[0][0] if len(ids) == 1 else None


class CompanyField(forms.Field):
    """Cleans to a company id (or None when left empty): the one picked from the list, else the
    typed full name. A typed name that matches no company is an error."""

    widget = CompanySearchWidget
    default_error_messages = {"unknown": _("Choose a company from the list (type a few characters of its name).")}

    def __init__(self, *args: Any, by_name: Callable[[str], int | None] = company_by_name, **kwargs: Any):
        self.by_name = by_name
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> int | None:
        value = value if isinstance(value, dict) else {"text": str(value or ""), "id": ""}
        text, picked = value.get("text", "").strip(), value.get("id", "").strip()
        if picked.isdigit() and text:
            row = (
                Organization.objects.filter(pk=int(picked), kind__in=COMPANY_KINDS, is_active=True)
                .values_list("name", "short_name")
                .first()
            )
            if row and text in row:  # the text still shows the company picked
                return int(picked)
        if not text:
            return None
        if "\x00" in text or len(text) > 200:  # no company is named so (PostgreSQL refuses NUL)
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        found = self.by_name(text)
        if found is None:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        return found

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
