"""The import page's form: the file and the mode. It parses only; `imports.services` checks the
file and every row, and the page shows a file-level refusal above the form (`views`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Spreadsheet (.xlsx)"))
    mode = forms.ChoiceField(
        label=gettext_lazy("What to do"),
        choices=[("check", gettext_lazy("check only")), ("import", gettext_lazy("import"))],
        initial="check",
    )
    all_or_nothing = forms.BooleanField(
        label=gettext_lazy("All or nothing: import no row if any row has an error"), required=False
    )
