"""Encryption, masking, validation and log scrubbing of personal data."""

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ombud.logfilters import ScrubPersonalData, scrub
from ombud.personal_data import (
    blind_index,
    decrypt,
    encrypt,
    id_check_digit,
    is_valid_id_number,
    is_valid_phone,
    mask_id_number,
    mask_name,
    mask_phone,
)


@given(st.text(max_size=200))
def test_encryption_round_trips_any_text(text):
    assert decrypt(encrypt(text)) == text


def test_the_same_value_encrypts_differently_each_time():
    assert encrypt("13812345678") != encrypt("13812345678")


def test_a_tampered_ciphertext_is_refused():
    token = encrypt("李秀英")
    tampered = token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB")
    with pytest.raises(Exception):  # noqa: B017 (cryptography raises InvalidTag or a decode error)
        decrypt(tampered)


def test_the_blind_index_matches_equal_phones_only():
    assert blind_index("138 1234 5678") == blind_index("13812345678")
    assert blind_index("13812345678") != blind_index("13812345679")
    assert "13812345678" not in blind_index("13812345678")


@pytest.mark.parametrize(
    ("value", "masked"),
    [("张三丰", "张**"), ("欧阳", "欧*"), ("李", "*"), ("Zhang San", "Z**** S**"), ("", "")],
)
def test_names_are_masked(value, masked):
    assert mask_name(value) == masked


def test_phones_and_ids_are_masked():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("020-83331234") == "020-****1234"
    assert mask_id_number("440902198503150028") == "4409**********0028"


def test_id_numbers_need_the_right_check_character():
    assert is_valid_id_number("440902198503150028")
    assert is_valid_id_number("11010519491231002x")  # lower-case X accepted
    assert not is_valid_id_number("440902198503150021")
    assert not is_valid_id_number("44090219850315002")
    assert id_check_digit("11010519491231002") == "X"


@pytest.mark.parametrize("phone", ["13812345678", "+8613812345678", "020-83331234", "07552345678"])
def test_valid_phones(phone):
    assert is_valid_phone(phone)


@pytest.mark.parametrize("phone", ["12345", "23812345678", "1381234567", "phone", "12378"])
def test_invalid_phones(phone):
    assert not is_valid_phone(phone)


def test_logs_never_carry_phones_or_id_numbers(caplog):
    logger = logging.getLogger("ombud.test")
    logger.addFilter(ScrubPersonalData())
    with caplog.at_level(logging.INFO, logger="ombud.test"):
        logger.info("visitor %s with id %s called", "13812345678", "440902198503150028")
    assert "13812345678" not in caplog.text and "440902198503150028" not in caplog.text
    assert "138****5678" in caplog.text


def test_scrub_leaves_amounts_and_dates_alone():
    text = "理赔金额 120000 元，2024-03-01 出险，保单号 P2024001"
    assert scrub(text) == text
