"""Consultations in each state for the tests of portal/consultations (and the ownership walk)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ombud.directory.models import User
from ombud.portal.consultations import services
from ombud.portal.models import Consultation

QUESTIONS = (
    services.QuestionInput(
        text="您对理赔速度满意吗？", kind="choice", choices=("满意", "一般", "不满意"), required=True
    ),
    services.QuestionInput(text="您最希望保险公司改进什么？", kind="text"),
)


def consultation_input(**overrides) -> services.ConsultationInput:
    now = timezone.now()
    data = {
        "title": "车险理赔服务征求意见",
        "description": "广东保监局就车险理赔服务向社会公众征求意见。",
        "opens_at": now + timedelta(hours=1),
        "closes_at": now + timedelta(days=14),
        "questions": QUESTIONS,
    }
    data.update(overrides)
    return services.ConsultationInput(**data)


def make_consultation(
    officer: User, state: str = "open", title: str = "车险理赔服务征求意见", **overrides
) -> Consultation:
    """A consultation of the officer's bureau that is `scheduled`, `open` or `closed` now (it is
    opened "in the past" by passing the service an earlier clock)."""
    now = timezone.now()
    if state == "scheduled":
        opens, closes, clock = now + timedelta(days=1), now + timedelta(days=8), now
    elif state == "open":
        opens, closes, clock = now - timedelta(days=1), now + timedelta(days=6), now - timedelta(days=1, minutes=1)
    else:
        opens, closes, clock = now - timedelta(days=8), now - timedelta(days=1), now - timedelta(days=8, minutes=1)
    data = consultation_input(title=title, opens_at=opens, closes_at=closes, **overrides)
    return services.open_consultation(officer, data, now=clock)


def answer(consultation: Consultation, choice: str = "不满意", text: str = "理赔太慢", city: str = "", **kw):
    """A public answer to the first two questions (address 203.0.113.7 unless given)."""
    qs = list(consultation.questions.order_by("position"))
    data = services.ResponseInput(
        answers=(
            services.AnswerInput(question_id=qs[0].pk, choice=choice),
            services.AnswerInput(question_id=qs[1].pk, text=text),
        ),
        city_code=city,
    )
    kw.setdefault("address", "203.0.113.7")
    return services.submit_response(consultation.pk, data, **kw)
