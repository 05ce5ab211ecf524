"""Forms of the typical-case pages: a draft (title, narrative, lesson, terms to remove) and a
new one (the same, with the case's tracking number). A service's refusal is shown with
`ombud.forms.ServiceErrorsMixin`: next to the input it names, and its message at the top."""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.utils.translation import gettext_lazy

from ombud.forms import ServiceErrorsMixin
from ombud.oversight.typical import services


def _terms(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


class TypicalForm(ServiceErrorsMixin, forms.Form):
    service_fields: ClassVar[dict[str, str]] = {"case_id": "case"}
    show_service_message = True

    title = forms.CharField(label=gettext_lazy("Title"), max_length=services.TITLE_MAX)
    narrative = forms.CharField(
        label=gettext_lazy("Narrative"),
        max_length=services.NARRATIVE_MAX,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=gettext_lazy(
            "What happened and how it ended, as it will be published. Names, phone, ID-card and bank-card numbers, "
            "addresses and policy numbers are removed automatically; read the result before you confirm it."
        ),
    )
    lesson = forms.CharField(
        label=gettext_lazy("Lesson for consumers"),
        required=False,
        max_length=services.LESSON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    also_remove = forms.CharField(
        label=gettext_lazy("Also remove (one term per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Anything else that could identify a person: a nickname, a shop, a village. Each line is replaced wherever "
            "it appears."
        ),
    )

    def to_input(self) -> services.TypicalInput:
        d = self.cleaned_data
        return services.TypicalInput(
            title=d["title"], narrative=d["narrative"], lesson=d["lesson"], also_remove=_terms(d["also_remove"])
        )


class NewTypicalForm(TypicalForm):
    case = forms.CharField(
        label=gettext_lazy("Case tracking number"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "mono"}),
    )

    field_order = ["case", "title", "narrative", "lesson", "also_remove"]
