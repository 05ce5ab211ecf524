"""The forms of the consumer's case page. They only carry what was typed: every rule is the case
service's (`cases.services.take_consumer_action`), whose refusals they show next to the inputs."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from ombud.cases.attachments import ACCEPT_ATTRIBUTE
from ombud.cases.services import REASON_MAX, TEXT_MAX
from ombud.forms import ServiceErrorsMixin


class TrackForm(forms.Form):
    tracking_no = forms.CharField(label=_("Tracking number"), max_length=24)
    code = forms.CharField(label=_("Secret code"), max_length=16)


class ActionForm(ServiceErrorsMixin, forms.Form):
    """The fields of one consumer action, as the service takes them."""

    action: ClassVar[str] = ""

    def service_input(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "file"}


class SupplementForm(ActionForm):
    action = "supplement"
    text = forms.CharField(
        label=_("What you want to add"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("New facts restart the time the company has to decide."),
    )
    file = forms.FileField(
        label=_("A file (PDF, JPEG or PNG)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )


class ReviewForm(ActionForm):
    action = "request_review"
    reason = forms.CharField(
        label=_("Why you ask for a review"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WithdrawForm(ActionForm):
    action = "withdraw"
    reason = forms.CharField(
        label=_("Why you withdraw (optional)"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RateForm(ActionForm):
    action = "rate"
    solved = forms.ChoiceField(
        label=_("Was your problem solved?"),
        required=False,
        choices=[("yes", _("Yes")), ("no", _("No"))],
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(
        label=_("How satisfied are you? (1 = not at all, 5 = very)"),
        required=False,
        choices=[(str(n), str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


ACTION_FORMS: dict[str, type[ActionForm]] = {f.action: f for f in (SupplementForm, ReviewForm, RateForm, WithdrawForm)}


class PhoneForm(ServiceErrorsMixin, forms.Form):
    phone = forms.CharField(label=_("Mobile number"), max_length=20)


class CodeForm(ServiceErrorsMixin, forms.Form):
    phone = forms.CharField(widget=forms.HiddenInput, max_length=20)
    otp = forms.CharField(label=_("The code in the text message"), max_length=6)
