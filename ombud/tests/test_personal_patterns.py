"""One registry of personal-data patterns (`personal_data.PATTERNS`): validation, the scrubber
of published texts and the log filter all draw from it, so a kind added there is known to all
three and a kind's check applies everywhere."""

import pytest

from ombud import logfilters, personal_data
from ombud.insight import scrubber
from ombud.personal_data import PATTERNS, PersonalPattern

# 港澳居民来往内地通行证: H (Hong Kong) or M (Macao) and eight digits, the last one even here
# so that the test can see the registry's check applied.
PERMIT = PersonalPattern(
    "travel_permit", "id_number", r"[HM]\d{8}", check=lambda v: int(v[-1]) % 2 == 0, log_keep=(1, 2)
)
TEXT = "投诉人持H12345678入境"


@pytest.fixture
def permit(monkeypatch):
    monkeypatch.setitem(PATTERNS, PERMIT.kind, PERMIT)


def test_a_kind_added_to_the_registry_is_validated_scrubbed_and_kept_out_of_logs(permit):
    assert personal_data.is_valid("travel_permit", "H12345678")
    assert not personal_data.is_valid("travel_permit", "H1234567")

    found = scrubber.scrub(TEXT)
    assert found.text == "投诉人持XXXX入境"
    assert [(s.kind, TEXT[s.start : s.end]) for s in found.spans] == [("id_number", "H12345678")]

    assert logfilters.scrub("permit H12345678 shown") == "permit H******78 shown"


def test_the_registry_check_applies_to_all_three(permit):
    odd = "H12345677"
    assert not personal_data.is_valid("travel_permit", odd)
    assert scrubber.scrub(f"投诉人持{odd}入境").text == f"投诉人持{odd}入境"
    # Logs mask by shape alone: a log line is no place to decide whether a number is real.
    assert logfilters.scrub(f"permit {odd}") == "permit H******77"


def test_without_it_none_of_the_three_knows_the_kind():
    assert "travel_permit" not in PATTERNS
    with pytest.raises(KeyError):
        personal_data.is_valid("travel_permit", "H12345678")
    assert scrubber.scrub(TEXT).text == TEXT
    assert logfilters.scrub("permit H12345678") == "permit H12345678"


def test_the_phone_and_id_patterns_are_the_registry_s():
    assert personal_data.MOBILE_RE.pattern == f"^{PATTERNS['mobile'].value}$"
    assert personal_data.LANDLINE_RE.pattern == f"^{PATTERNS['landline'].value}$"
    assert {p.span_kind for p in PATTERNS.values()} <= set(scrubber.KINDS)
    assert [p.kind for p in PATTERNS.values() if p.log_keep] == ["id_number", "mobile"]
