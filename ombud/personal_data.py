"""Personal data: encryption at rest, masking on screen, validation, blind indexes.

A consumer's name, phone and ID-card number are stored with AES-256-GCM (`EncryptedTextField`);
screens, exports and APIs show the `mask_*` forms unless a role needs the clear value; logs go
through `ombud.logfilters.ScrubPersonalData`. Lookups by phone use `blind_index()`, a keyed
HMAC, so the database never holds a searchable clear value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from cryptography.exceptions import InvalidTag
from django.db import models

from ombud import keyring

_PREFIX = "v1:"


def encrypt(plain: str) -> str:
    """`v1:<key id>:` + base64(nonce ‖ AES-256-GCM ciphertext), under the ring's current key."""
    key = keyring.ring().current
    nonce = os.urandom(12)
    sealed = key.aes.encrypt(nonce, plain.encode(), None)
    return f"{_PREFIX}{key.kid}:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def key_id_of(token: str) -> str | None:
    """The key id a ciphertext names (None for one written before key ids existed)."""
    kid, sep, _rest = token[len(_PREFIX) :].partition(":")
    return kid if sep else None


def decrypt(token: str) -> str:
    if not token.startswith(_PREFIX):
        raise ValueError("not an Ombud ciphertext")
    kid, sep, body = token[len(_PREFIX) :].partition(":")
    if sep:
        blob = base64.urlsafe_b64decode(body)
        return keyring.key_for(kid).aes.decrypt(blob[:12], blob[12:], None).decode()
    # Written before ciphertexts named their key ("v1:" + base64, no second colon).
    blob = base64.urlsafe_b64decode(kid)
    return _decrypt_with_any(blob[:12], blob[12:]).decode()


def _decrypt_with_any(nonce: bytes, sealed: bytes) -> bytes:
    for key in keyring.ring().keys:
        try:
            return key.aes.decrypt(nonce, sealed, None)
        except InvalidTag:
            continue
    raise InvalidTag


_BYTES_PREFIX = b"OMB1"  # + nonce + ciphertext, written before key ids existed
_BYTES_PREFIX_KID = b"OMB2"  # + 8-character key id + nonce + ciphertext


def is_sealed_bytes(value: bytes) -> bool:
    return bytes(value[:4]) in (_BYTES_PREFIX, _BYTES_PREFIX_KID)


def key_id_of_bytes(sealed: bytes) -> str | None:
    sealed = bytes(sealed[:12])
    return sealed[4:12].decode("ascii", "replace") if sealed.startswith(_BYTES_PREFIX_KID) else None


def encrypt_bytes(plain: bytes) -> bytes:
    """Binary content (an attachment) sealed with the ring's current key: prefix, key id,
    nonce, ciphertext+tag."""
    key = keyring.ring().current
    nonce = os.urandom(12)
    return _BYTES_PREFIX_KID + key.kid.encode() + nonce + key.aes.encrypt(nonce, bytes(plain), None)


def decrypt_bytes(sealed: bytes) -> bytes:
    """The inverse of `encrypt_bytes`; raises (cryptography.exceptions.InvalidTag) if tampered."""
    sealed = bytes(sealed)  # a BinaryField may hand back a memoryview
    if sealed.startswith(_BYTES_PREFIX_KID):
        kid, body = sealed[4:12].decode("ascii", "replace"), sealed[12:]
        return keyring.key_for(kid).aes.decrypt(body[:12], body[12:], None)
    if not sealed.startswith(_BYTES_PREFIX):
        raise ValueError("not an Ombud binary ciphertext")
    body = sealed[len(_BYTES_PREFIX) :]
    return _decrypt_with_any(body[:12], body[12:])


def blind_index(value: str) -> str:
    """A keyed digest of a normalised value, for equality lookups (same phone, same ID)."""
    key = keyring.ring().index_key
    normalised = re.sub(r"[\s\-]", "", value).upper()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()[:32]


class EncryptedTextField(models.TextField):
    """Text stored encrypted; Python code sees the clear value, the database never does."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))


# ---- masking -------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """张三丰 → 张**; Zhang San → Z*** S**; keeps the family name a caller uses to greet."""
    if not name:
        return ""
    if re.fullmatch(r"[\u3400-\u9fff·]+", name):
        return name[0] + "*" * (len(name) - 1) if len(name) > 1 else "*"
    return " ".join(part[0] + "*" * (len(part) - 1) for part in name.split())


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678; 020-83331234 → 020-****1234."""
    if not phone:
        return ""
    digits = phone.replace(" ", "")
    if "-" in digits:
        area, _, local = digits.partition("-")
        return area + "-" + "*" * max(0, len(local) - 4) + local[-4:]
    if len(digits) <= 4:
        return "*" * len(digits)
    head = 3 if len(digits) >= 11 else max(0, len(digits) - 8)
    return digits[:head] + "*" * (len(digits) - head - 4) + digits[-4:]


def mask_id_number(number: str) -> str:
    """440902199001011234 → 4409**********1234 (region of issue and last four kept)."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


# ---- the kinds of personal data: one registry -----------------------------------------------
#
# Every pattern of a number or address that identifies a person is named here once, with the
# shape of one value, how it is found in running text and the check it must pass. Validation
# (below), the scrubber of published texts (`insight/scrubber.py`) and the log filter
# (`logfilters.py`) all read `PATTERNS`; a kind added here is validated, scrubbed and, if it
# says what logs keep of it, masked in logs. What is particular to one user stays with it:
# the scrubber's labels (身份证号…, 卡号…) and its tests of context (an amount, a date).

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """GB 11643-1999 ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _id_check_ok(number: str) -> bool:
    return id_check_digit(number[:17]) == number[17].upper()


def luhn_ok(digits: str) -> bool:
    """The Luhn check of bank-card numbers (ISO/IEC 7812)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


@dataclass(frozen=True)
class PersonalPattern:
    """One kind of personal data.

    - `value`: the regex of one value written plainly (no spaces, no country code);
      validation matches it whole, logs find it between non-digits.
    - `in_text`: the regex that finds it in running text as people write it (grouped digits,
      +86); defaults to `value` between non-digits.
    - `check`: what a value must pass beyond its shape (a check digit), given the value.
    - `span_kind`: what the scrubber calls a finding (``phone`` for mobiles and landlines).
    - `log_keep`: (leading, trailing) characters logs keep, the rest replaced by ``*``;
      None when logs leave the kind alone.
    """

    kind: str
    span_kind: str
    value: str
    in_text: str = ""
    check: Callable[[str], bool] | None = None
    log_keep: tuple[int, int] | None = None

    @cached_property
    def value_re(self) -> re.Pattern[str]:
        return re.compile(self.value)

    @cached_property
    def text_re(self) -> re.Pattern[str]:
        return re.compile(self.in_text or rf"(?<!\d){self.value}(?!\d)")

    @cached_property
    def log_re(self) -> re.Pattern[str]:
        return re.compile(rf"(?<!\d){self.value}(?!\d)")

    def is_valid(self, value: str) -> bool:
        """`value` has the kind's shape, whole, and passes its check."""
        return bool(self.value_re.fullmatch(value)) and (self.check is None or self.check(value))

    def mask_for_log(self, value: str) -> str:
        head, tail = self.log_keep or (0, 0)
        return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]


PATTERNS: dict[str, PersonalPattern] = {
    p.kind: p
    for p in (
        PersonalPattern(
            "id_number",  # resident ID card, 18 characters (GB 11643-1999)
            "id_number",
            r"\d{17}[\dXx]",
            # optionally grouped 6-8-4 with spaces
            in_text=r"(?<!\d)[1-9]\d{5}\s?(?:\d{4}\s?\d{4})\s?\d{3}[\dXx](?![\dXx])",
            check=_id_check_ok,
            log_keep=(6, 4),
        ),
        PersonalPattern("id_number_15", "id_number", r"[1-9]\d{14}"),  # the old 15-digit card
        PersonalPattern(
            "bank_card",
            "bank_card",
            r"\d{16,19}",
            in_text=r"(?<!\d)(?:\d{16,19}|\d{4}(?:[\s-]\d{4}){3}(?:[\s-]?\d{1,3})?|\d{6}[\s-]\d{10,13})(?![\d])",
            check=luhn_ok,
        ),
        PersonalPattern(
            "mobile",
            "phone",
            r"1[3-9]\d{9}",
            in_text=r"(?<!\d)(?<!\d[.,])(?:(?:\+|00)86[\s-]?|\(\+?86\)\s?|86[\s-])?1[3-9]\d(?:[\s-]?\d){8}(?!\d)",
            log_keep=(3, 4),
        ),
        PersonalPattern(
            "landline",
            "phone",
            r"0\d{2,3}-?\d{7,8}",
            in_text=(
                r"(?<!\d)(?<!\d[.,])(?:(?:\+86[\s-]?|\(\+86\)\s?)\(?[1-9]\d{1,2}\)?[\s-]?|\(0\d{2,3}\)\s?|0\d{2,3}[\s-]?)"
                r"[2-9]\d{2,3}[\s-]?\d{4}(?:(?:-|转|ext\.?\s?)\d{1,5})?(?!\d)"
            ),
        ),
        PersonalPattern(
            "email",
            "email",
            r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
            in_text=r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
        ),
    )
}


# ---- validation ----------------------------------------------------------------------------

MOBILE_RE = re.compile(rf"^{PATTERNS['mobile'].value}$")
LANDLINE_RE = re.compile(rf"^{PATTERNS['landline'].value}$")


def is_valid(kind: str, value: str) -> bool:
    """Is `value` a valid value of the registered `kind` (a key of `PATTERNS`)?"""
    return PATTERNS[kind].is_valid(value)


def normalise_phone(phone: str) -> str:
    return re.sub(r"[\s()]", "", phone).removeprefix("+86")


def is_valid_phone(phone: str) -> bool:
    p = normalise_phone(phone)
    return is_valid("mobile", p) or is_valid("landline", p)


def is_valid_id_number(number: str) -> bool:
    """An 18-character resident ID number with a correct check character (GB 11643-1999)."""
    return is_valid("id_number", number.strip().upper())
