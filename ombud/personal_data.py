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


# ---- validation ----------------------------------------------------------------------------

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def normalise_phone(phone: str) -> str:
    return re.sub(r"[\s()]", "", phone).removeprefix("+86")


def is_valid_phone(phone: str) -> bool:
    p = normalise_phone(phone)
    return bool(MOBILE_RE.match(p) or LANDLINE_RE.match(p))


def id_check_digit(first17: str) -> str:
    """GB 11643-1999 ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_valid_id_number(number: str) -> bool:
    """An 18-character resident ID number with a correct check character (GB 11643-1999)."""
    n = number.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", n):
        return False
    return id_check_digit(n[:17]) == n[17]
