"""The `count` filter shows every count exactly as `floatformat:"g"` does, in both languages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import engines
from django.template.defaultfilters import floatformat
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from ombud.templatetags.figures import count


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@given(value=st.integers(min_value=-(10**15), max_value=10**15))
def test_an_integer_is_shown_as_floatformat_g_shows_it(language, value):
    with translation.override(language):
        assert count(value) == floatformat(value, "g")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_edges_and_other_values_too(language):
    with translation.override(language):
        for value in [0, 1, 12, 123, 1234, 12345, 999_999, 1_000_000, -1, -1000, 15307, 6000, 10**12]:
            assert count(value) == floatformat(value, "g"), value
        for value in [None, "", "x", 3.5, Decimal("1234.0"), True, False]:
            assert count(value) == floatformat(value, "g"), value


def test_every_template_has_it_without_a_load():
    template = engines["django"].from_string("{{ n|count }} · {{ m|count }}")
    with translation.override("en"):
        assert template.render({"n": 15307, "m": None}) == "15,307 · "
    with translation.override("zh-hans"):
        assert template.render({"n": 15307, "m": 6000}) == "15307 · 6000"
