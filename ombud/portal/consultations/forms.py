"""Forms of the consultation pages: the officers' consultation (with up to ten questions), the
summary and an answer's tags; the public's answer form (one field per question, built from the
consultation) and the optional phone check. Rules stay in `services`; a service's refusal is
shown next to its input (`ombud.forms.ServiceErrorsMixin`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ombud.campaigns.forms import LOCAL_FORMATS, LocalDateTimeInput
from ombud.directory.models import Organization, Region
from ombud.forms import ServiceErrorsMixin
from ombud.portal.consultations import services
from ombud.portal.models import Consultation, ConsultationQuestion

KIND_CHOICES = ConsultationQuestion.Kind.choices


class ConsultationForm(ServiceErrorsMixin, forms.Form):
    """A consultation and its questions: ten rows of question fields, blank rows ignored."""

    show_service_message = True

    title = forms.CharField(label=_("Title"), max_length=services.TITLE_MAX)
    description = forms.CharField(
        label=_("What the bureau asks and why"),
        max_length=services.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    opens_at = forms.DateTimeField(label=_("Opens at"), input_formats=LOCAL_FORMATS, widget=LocalDateTimeInput())
    closes_at = forms.DateTimeField(label=_("Closes at"), input_formats=LOCAL_FORMATS, widget=LocalDateTimeInput())

    def __init__(self, *args, bureaus: list[Organization] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if bureaus:  # a nationwide admin chooses the bureau
            self.fields["bureau"] = forms.TypedChoiceField(
                label=_("Bureau"), coerce=int, choices=[(b.pk, b.name) for b in bureaus]
            )
        self.service_fields = {"bureau_id": "bureau"}
        for i in range(services.QUESTIONS_MAX):
            self.fields[f"q{i}_text"] = forms.CharField(
                label=_("Question text"), required=False, max_length=services.QUESTION_MAX
            )
            self.fields[f"q{i}_kind"] = forms.ChoiceField(
                label=_("Kind of answer"), choices=KIND_CHOICES, initial=KIND_CHOICES[0][0], required=False
            )
            self.fields[f"q{i}_choices"] = forms.CharField(
                label=_("Choices (one per line)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
            )
            self.fields[f"q{i}_required"] = forms.BooleanField(label=_("An answer is required"), required=False)
            for part in ("text", "kind", "choices"):
                self.service_fields[f"questions.{i}.{part}"] = f"q{i}_{part}"

    def question_rows(self) -> list[dict]:
        return [
            {
                "n": i + 1,
                "text": self[f"q{i}_text"],
                "kind": self[f"q{i}_kind"],
                "choices": self[f"q{i}_choices"],
                "required": self[f"q{i}_required"],
                "filled": bool(self[f"q{i}_text"].value()),
            }
            for i in range(services.QUESTIONS_MAX)
        ]

    @property
    def more_open(self) -> bool:
        """Rows 4–10 are folded away unless one of them is filled or has an error."""
        return any(
            self[f"q{i}_text"].value() or self[f"q{i}_choices"].value() or self[f"q{i}_text"].errors
            for i in range(3, services.QUESTIONS_MAX)
        )

    def to_input(self) -> services.ConsultationInput:
        d = self.cleaned_data
        questions = []
        for i in range(services.QUESTIONS_MAX):
            text = (d.get(f"q{i}_text") or "").strip()
            choices = tuple(line.strip() for line in (d.get(f"q{i}_choices") or "").splitlines() if line.strip())
            if not text and not choices:
                continue  # a blank row
            questions.append(
                services.QuestionInput(
                    text=text,
                    kind=d.get(f"q{i}_kind") or ConsultationQuestion.Kind.TEXT,
                    choices=choices,
                    required=bool(d.get(f"q{i}_required")),
                )
            )
        return services.ConsultationInput(
            title=d["title"],
            description=d["description"],
            opens_at=d["opens_at"],
            closes_at=d["closes_at"],
            questions=tuple(questions),
            bureau_id=d.get("bureau"),
        )

    @staticmethod
    def initial_for(consultation: Consultation) -> dict:
        from django.utils import timezone

        initial: dict = {
            "title": consultation.title,
            "description": consultation.description,
            "opens_at": timezone.localtime(consultation.opens_at),
            "closes_at": timezone.localtime(consultation.closes_at),
        }
        for i, q in enumerate(consultation.questions.order_by("position")):
            initial[f"q{i}_text"] = q.text
            initial[f"q{i}_kind"] = q.kind
            initial[f"q{i}_choices"] = "\n".join(q.choices)
            initial[f"q{i}_required"] = q.required
        return initial


class SummaryForm(ServiceErrorsMixin, forms.Form):
    summary = forms.CharField(
        label=_("Summary of the results"),
        required=False,
        max_length=services.SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "What the public said and what the bureau will do about it. Published on the consultation's public "
            "page with the number of answers and the counts per choice; answers themselves are never published."
        ),
    )


class TagsForm(ServiceErrorsMixin, forms.Form):
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=services.TAG_MAX * services.TAGS_PER_RESPONSE + 20,
        help_text=_("Separate tags with commas, e.g. 理赔慢，服务态度"),
    )


class AnswerForm(ServiceErrorsMixin, forms.Form):
    """One field per question of the consultation (`q<id>`), the city (optional) and a field
    people do not see (`website`): a form that fills it is a robot's."""

    show_service_message = True

    def __init__(self, *args, questions: list[ConsultationQuestion], cities: list[Region], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.service_fields = {"city_code": "city"}
        for q in questions:
            name = f"q{q.pk}"
            self.service_fields[f"answers.{q.pk}"] = name
            if q.kind == ConsultationQuestion.Kind.CHOICE:
                self.fields[name] = forms.ChoiceField(
                    label=q.text, required=False, choices=[(c, c) for c in q.choices], widget=forms.RadioSelect
                )
            else:
                self.fields[name] = forms.CharField(
                    label=q.text,
                    required=False,
                    max_length=services.ANSWER_MAX,
                    widget=forms.Textarea(attrs={"rows": 4, "maxlength": services.ANSWER_MAX}),
                )
        self.fields["city"] = forms.ChoiceField(
            label=_("Your city (optional)"),
            required=False,
            choices=[("", _("I would rather not say")), *((c.code, c.name) for c in cities)],
        )
        self.fields["website"] = forms.CharField(required=False, label=_("Leave this field empty"))

    def question_fields(self) -> list[tuple[ConsultationQuestion, forms.BoundField]]:
        return [(q, self[f"q{q.pk}"]) for q in self.questions]

    def is_robot(self) -> bool:
        return bool((self.data.get("website") or "").strip())

    def to_input(self) -> services.ResponseInput:
        d = self.cleaned_data
        answers = []
        for q in self.questions:
            value = d.get(f"q{q.pk}") or ""
            if q.kind == ConsultationQuestion.Kind.CHOICE:
                answers.append(services.AnswerInput(question_id=q.pk, choice=value))
            else:
                answers.append(services.AnswerInput(question_id=q.pk, text=value))
        return services.ResponseInput(answers=tuple(answers), city_code=d.get("city") or "")


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
    )
    code = forms.CharField(
        label=_("SMS code"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
