"""Forms of the workspace pages: they turn what a browser posts into the fields a lifecycle
action takes (`cases.services.take_action`) and show the service's field errors in place.

Which fields are required, what a valid amount is, which statuses allow which action: all of
that stays in the service. The forms only offer the right inputs, with `required` as a hint
to the browser; the service's `InvalidInput.fields` come back as the field errors.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ombud.cases import queries
from ombud.cases.lifecycle import TRANSITIONS
from ombud.cases.models import Case
from ombud.directory.models import Organization
from ombud.forms import ServiceErrorsMixin
from ombud.intake.models import Visit


@dataclass(frozen=True)
class ActionSpec:
    label: object  # lazy string: the button and the heading
    fields: tuple[str, ...]
    required: tuple[str, ...] = ()
    reason_label: object = _("Reason")
    help: object = ""
    primary: bool = False  # shown first and open
    needs_templates: bool = False


ACTIONS: dict[str, ActionSpec] = {
    "accept": ActionSpec(
        _("Accept the complaint"), (), help=_("Starts the legal time limit if it is not running yet."), primary=True
    ),
    "reject": ActionSpec(
        _("Do not accept"),
        ("reason",),
        ("reason",),
        reason_label=_("Legal reason for not accepting"),
        help=_("Only when it is not a consumer complaint under the rules (Order 2020 No. 3, art. 2)."),
    ),
    "extend": ActionSpec(
        _("Extend the time limit"),
        ("level", "reason"),
        ("level", "reason"),
        reason_label=_("Reason (the consumer is told)"),
    ),
    "decide": ActionSpec(
        _("Record the decision"),
        ("decision", "reply", "amount_paid"),
        ("decision", "reply"),
        primary=True,
        needs_templates=True,
    ),
    "notify": ActionSpec(
        _("Consumer informed"),
        ("channel",),
        help=_("Record that the consumer has been told the decision."),
        primary=True,
    ),
    "close": ActionSpec(_("Close the case"), (), primary=True),
    "request_review": ActionSpec(
        _("Record a review request"),
        ("reason",),
        reason_label=_("The consumer's grounds (optional)"),
        help=_("The consumer applied for a review (核查) within 30 days of the decision."),
    ),
    "decide_review": ActionSpec(
        _("Record the review decision"),
        ("decision", "reply", "amount_paid"),
        ("decision", "reply"),
        primary=True,
        needs_templates=True,
    ),
    "mediate": ActionSpec(_("Send to mediation"), ("mediation_body_id",), ("mediation_body_id",)),
    "withdraw": ActionSpec(
        _("The consumer withdrew the complaint"),
        ("reason",),
        reason_label=_("How and when the consumer withdrew (optional)"),
        help=_("Ends the procedure on the day the withdrawal is received (Order 2020 No. 3, art. 15)."),
    ),
    "escalate": ActionSpec(
        _("Escalate to the regulator"), ("reason",), ("reason",), reason_label=_("Why the case is escalated")
    ),
    "refer": ActionSpec(
        _("Refer for enforcement"), ("reason",), ("reason",), reason_label=_("The suspected violation")
    ),
    "reroute": ActionSpec(
        _("Reroute"),
        ("handled_by", "company_id", "reason"),
        ("reason",),
        reason_label=_("Why it is rerouted"),
    ),
    "reopen": ActionSpec(
        _("Reopen"),
        ("reason",),
        ("reason",),
        reason_label=_("What the spot check found"),
        help=_("Sends the case back to its handler with a new time limit."),
    ),
}


def spec_for(action: str) -> ActionSpec:
    """An action added to the lifecycle before this table knows it still gets a form: a reason."""
    spec = ACTIONS.get(action)
    if spec is None:
        return ActionSpec(action.replace("_", " ").capitalize(), ("reason",))
    return spec


NOTIFY_CHANNELS = [
    ("", _("— how? —")),
    ("phone", _("phone call")),
    ("sms", _("SMS")),
    ("letter", _("letter")),
    ("in_person", _("in person")),
    ("email", _("email")),
]


def mediation_body_choices() -> list[tuple[int, str]]:
    return list(
        Organization.objects.filter(kind=Organization.Kind.MEDIATION, is_active=True)
        .order_by("name")
        .values_list("id", "name")
    )


def company_choices(case: Case) -> list[tuple[int, str]]:
    """Where a regulator can reroute: the case's company tree first, then every other insurer
    or intermediary head office."""
    own = Organization.objects.filter(Q(pk=case.company_root_id) | Q(head_office_id=case.company_root_id))
    others = Organization.objects.filter(
        kind__in=[Organization.Kind.INSURER, Organization.Kind.INTERMEDIARY], parent__isnull=True, is_active=True
    ).exclude(pk=case.company_root_id)
    return list(own.order_by("parent_id", "name").values_list("id", "name")) + list(
        others.order_by("name").values_list("id", "name")
    )


class ActionForm(ServiceErrorsMixin, forms.Form):
    """The fields of one lifecycle action; the prefix is the action's name, so several forms
    live on one page with distinct ids (`id_decide-reply`). A refusal of the service shows its
    message at the top and each field's message at its input."""

    show_service_message = True

    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    level = forms.ChoiceField(
        label=_("Extension"),
        required=False,
        choices=[c for c in Case.Extension.choices if c[0]],
        widget=forms.RadioSelect,
    )
    decision = forms.ChoiceField(
        label=_("Decision"), required=False, choices=Case.Decision.choices, widget=forms.RadioSelect
    )
    reply = forms.CharField(
        label=_("Reply to the consumer"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 8})
    )
    amount_paid = forms.CharField(
        label=_("Amount paid (yuan, optional)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "0.00"}),
    )
    mediation_body_id = forms.TypedChoiceField(label=_("Mediation body"), required=False, coerce=int, empty_value=None)
    handled_by = forms.ChoiceField(label=_("Handled by"), required=False, choices=Visit.HandledBy.choices)
    company_id = forms.TypedChoiceField(label=_("Company"), required=False, coerce=int, empty_value=None)
    channel = forms.ChoiceField(label=_("How the consumer was told"), required=False, choices=NOTIFY_CHANNELS)

    def __init__(self, action: str, case: Case, *args, **kwargs):
        kwargs.setdefault("prefix", action)
        super().__init__(*args, **kwargs)
        self.action = action
        self.spec = spec_for(action)
        for name in list(self.fields):
            if name not in self.spec.fields:
                del self.fields[name]
        for name in self.spec.required:
            if name in self.fields:
                self.fields[name].widget.attrs["required"] = True
        if "reason" in self.fields:
            self.fields["reason"].label = self.spec.reason_label
        if "mediation_body_id" in self.fields:
            field = self.fields["mediation_body_id"]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = [("", "—"), *mediation_body_choices()]
        if "company_id" in self.fields:
            field = self.fields["company_id"]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = [("", _("— keep the current company —")), *company_choices(case)]
            self.initial.setdefault("company_id", None)
        if "handled_by" in self.fields:
            self.initial.setdefault("handled_by", case.handled_by)

    def action_fields(self) -> dict:
        """The cleaned values the service takes, blanks left out."""
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class QueueFilterForm(forms.Form):
    """The queue's GET filters; every field optional."""

    q = forms.CharField(label=_("Tracking number"), required=False, max_length=40)
    status = forms.ChoiceField(label=_("Status"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    due_soon = forms.BooleanField(label=_("Due within 3 days"), required=False)
    company = forms.TypedChoiceField(label=_("Company"), required=False, coerce=int, empty_value=None)
    handler = forms.ChoiceField(
        label=_("Handled by"), required=False, choices=[("", _("anyone")), *Visit.HandledBy.choices]
    )

    def __init__(self, *args, companies: list[tuple[int, str]], regulator: bool, **kwargs):
        super().__init__(*args, **kwargs)
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [
            ("", _("open (every running case)")),
            *Case.Status.choices,
            (queries.QUEUE_ALL, _("all, closed included")),
        ]
        company = self.fields["company"]
        assert isinstance(company, forms.TypedChoiceField)
        company.choices = [("", _("all")), *companies]
        company.label = _("Company") if regulator else _("Branch")
        if not companies:
            del self.fields["company"]
        if not regulator:
            del self.fields["handler"]
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("e.g. 240324 1234 5678 90"), "autocomplete": "off", "data-queue-search": True}
        )

    def filters(self) -> queries.CaseFilters:
        """The queue's filters: no status chosen is every open case, `all` every case."""
        d = self.cleaned_data if self.is_bound else {}
        status = d.get("status") or ""
        return queries.CaseFilters(
            status=None if status in ("", queries.QUEUE_ALL) else status,
            open_only=not status,
            overdue=True if d.get("overdue") else None,
            due_soon=bool(d.get("due_soon")),
            company_id=d.get("company"),
            handler=d.get("handler") or None,
            tracking_no=(d.get("q") or "").strip() or None,
        )


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"), required=False)


def all_actions_have_specs() -> list[str]:
    """Actions of the lifecycle this module has no form for (a test keeps it empty)."""
    return [a for a in TRANSITIONS if a not in ACTIONS]
