"""What is removed from a typical case, and the final guard before it is published.

`scrub_all` runs the scrubber (`ombud.insight.scrubber`) over the title, narrative and lesson
with what Ombud knows of the people in the case (`known_values`) and the terms the author
marked by hand. `personal_data_left` is the last check before publication: broader than the
scrubber on purpose, it only has to say whether the complainant's name, phone or ID-card
number is still in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ombud.cases.models import Case, CaseEvent
from ombud.directory.models import User
from ombud.insight.scrubber import Scrubbed, scrub
from ombud.personal_data import normalise_phone


def known_values(case: Case) -> list[str | tuple[str, str]]:
    """What Ombud knows of the people in `case`, for the scrubber: clear values, in memory only."""
    visit = case.visit
    known: list[str | tuple[str, str]] = []
    if visit.visitor_name:
        known.append(("name", visit.visitor_name))
    if visit.visitor_phone:
        known.append(("phone", visit.visitor_phone))
    if visit.visitor_id_number:
        known.append(("id_number", visit.visitor_id_number))
    if visit.practitioner is not None:
        known.append(("name", visit.practitioner.name))
    actor_ids = CaseEvent.objects.filter(case=case, actor__isnull=False).values("actor_id")
    for first, last in User.objects.filter(pk__in=actor_ids).values_list("first_name", "last_name"):
        # Chinese order (郑小敏) and Western order (Xiaomin Zheng).
        fulls = {f"{last}{first}".strip(), f"{first} {last}".strip()}
        known.extend(("name", full) for full in sorted(fulls) if len(full) >= 2)
    return known


@dataclass(frozen=True)
class Scrubbing:
    narrative: Scrubbed
    title: str
    lesson: str


def scrub_all(case: Case, title: str, narrative: str, lesson: str, terms: list[str]) -> Scrubbing:
    known = [*known_values(case), *(("manual", t) for t in terms)]
    return Scrubbing(
        narrative=scrub(narrative, known=known),
        title=scrub(title, known=known).text,
        lesson=scrub(lesson, known=known).text,
    )


_CN_DIGITS = str.maketrans("〇零一二三四五六七八九幺", "001234567891")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_NAME_NOISE = re.compile(r"[\s·・.\-_/|*,，、]+")


def personal_data_left(text: str, case: Case) -> list[str]:
    """The final guard before publication: which of the complainant's name, phone and ID-card
    number still appear in `text`, in any spelling the guard knows — split by spaces, dots or
    slashes (李·秀·英), with separators or Chinese numerals in the digits (一三八…). Broader
    than the scrubber on purpose: it only has to say yes or no."""
    visit = case.visit
    left = []
    name = _NAME_NOISE.sub("", visit.visitor_name or "")
    if len(name) >= 2 and name.lower() in _NAME_NOISE.sub("", text).lower():
        left.append("name")
    digits = re.sub(r"[^0-9Xx]", "", text.translate(_FULLWIDTH_DIGITS).translate(_CN_DIGITS)).upper()
    phone = re.sub(r"\D", "", normalise_phone(visit.visitor_phone or ""))
    if len(phone) >= 7 and phone in digits:
        left.append("phone")
    id_number = re.sub(r"[^0-9Xx]", "", visit.visitor_id_number or "").upper()
    if len(id_number) >= 15 and id_number in digits:
        left.append("id_number")
    return left
