"""One-time SMS codes: proof that a consumer holds a mobile number (docs/portal.md).

`send_code(phone, purpose, address)` sends a 6-digit code by SMS through the configured SMS
backend (cases/notify_backends.py; the console and file backends show it in development and the
demo). The code lives `OMBUD_OTP_TTL_SECONDS` (10 minutes), takes at most
`OMBUD_OTP_MAX_ATTEMPTS` wrong tries (5), and a new one is sent to the same number and purpose
only `OMBUD_OTP_RESEND_SECONDS` (60) after the last; at most `OMBUD_OTP_PHONE_LIMIT` codes per
number and `OMBUD_OTP_ADDRESS_LIMIT` per address are sent per `OMBUD_OTP_WINDOW_SECONDS`
(portal/limits.py counts them in the database, shared by every worker). A new code replaces the
older ones of that number and purpose.

`verify(phone, purpose, code)` checks a code, counting a wrong one at once (call it in
autocommit, outside the caller's transaction, so a rollback does not give the try back), and
returns the challenge; `consume(challenge)`
marks it used inside the caller's transaction, so that one code files one thing (of two
requests racing with the same code, one wins) and a filing that fails leaves the code usable.

The table holds neither number nor code: the number as its blind index, the code as an HMAC.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.cases.notify_backends import Message, backend_for
from ombud.errors import DomainError, InvalidInput
from ombud.personal_data import MOBILE_RE, blind_index, normalise_phone
from ombud.portal import limits
from ombud.portal.models import PhoneChallenge

CODE_DIGITS = 6
SESSION_KEY = "ombud.portal.verified"
SESSION_SECONDS = 30 * 60  # a page's proof of a number lasts half an hour


class SmsUnavailable(DomainError):
    """The SMS backend did not take the message: answered 503, nothing kept."""

    status = 503
    code = "sms_unavailable"


@dataclass(frozen=True)
class Sent:
    expires_at: datetime
    resend_after: int  # seconds until another code may be asked for


def phone_limit() -> limits.Limit:
    return limits.Limit("otp.phone", settings.OMBUD_OTP_PHONE_LIMIT, settings.OMBUD_OTP_WINDOW_SECONDS)


def address_limit() -> limits.Limit:
    return limits.Limit("otp.address", settings.OMBUD_OTP_ADDRESS_LIMIT, settings.OMBUD_OTP_WINDOW_SECONDS)


def mobile_or_error(phone: str, field: str = "phone") -> str:
    """The normalised mobile number, or InvalidInput naming `field` (an SMS reaches no landline)."""
    number = normalise_phone(phone or "")
    if not MOBILE_RE.match(number):
        raise InvalidInput(
            _("Enter the 11-digit mobile number the code is sent to."),
            fields={field: _("Enter an 11-digit mobile number, e.g. 13800138000.")},
        )
    return number


def _hash(challenge_key: str, code: str) -> str:
    secret = hashlib.sha256(f"ombud.portal.verification:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(secret, f"{challenge_key}\x00{code}".encode(), hashlib.sha256).hexdigest()


def _text(code: str, purpose: str) -> str:
    minutes = max(1, settings.OMBUD_OTP_TTL_SECONDS // 60)
    what = PhoneChallenge.Purpose(purpose).label
    return _(
        "Your verification code is %(code)s, to %(what)s; it is valid for %(minutes)d minutes. "
        "Do not tell anyone this code. If you did not ask for it, ignore this message."
    ) % {"code": code, "what": what, "minutes": minutes}


def send_code(phone: str, purpose: str, address: str, *, now: datetime | None = None) -> Sent:
    """Send a new code to `phone` for `purpose`. Raises InvalidInput (not a mobile number, unknown
    purpose), TooManyAttempts (429: asked again too soon, or over a number's or an address's
    limit) or SmsUnavailable (503)."""
    now = now or timezone.now()
    number = mobile_or_error(phone)
    if purpose not in PhoneChallenge.Purpose.values:
        raise InvalidInput(_("Unknown purpose."), fields={"purpose": ", ".join(PhoneChallenge.Purpose.values)})
    index = blind_index(number)
    last = (
        PhoneChallenge.objects.filter(phone_index=index, purpose=purpose)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    resend = settings.OMBUD_OTP_RESEND_SECONDS
    if last is not None and now < last + timedelta(seconds=resend):
        wait = max(1, int((last + timedelta(seconds=resend) - now).total_seconds()) + 1)
        raise limits.TooManyAttempts(
            _("A code was sent to this number a moment ago. You can ask for another in %(seconds)d seconds.")
            % {"seconds": wait},
            retry_after=wait,
            until=last + timedelta(seconds=resend),
            code="otp_resend_too_soon",
        )
    per_phone, per_address = phone_limit(), address_limit()
    if limits.hit(per_address, address, now=now) > per_address.limit:
        raise limits.refusal(
            per_address,
            address,
            _("Too many codes have been asked for from your network. Please try again after %(time)s."),
            code="otp_address_limited",
            now=now,
        )
    if limits.hit(per_phone, index, now=now) > per_phone.limit:
        raise limits.refusal(
            per_phone,
            index,
            _("Too many codes have been sent to this number. Please try again after %(time)s."),
            code="otp_phone_limited",
            now=now,
        )
    code = "".join(secrets.choice("0123456789") for _i in range(CODE_DIGITS))
    key = secrets.token_hex(8)
    expires_at = now + timedelta(seconds=settings.OMBUD_OTP_TTL_SECONDS)
    with transaction.atomic():
        # A new code replaces the older ones of this number and purpose.
        older = PhoneChallenge.objects.filter(phone_index=index, purpose=purpose, used_at__isnull=True)
        replaced = list(older.values_list("pk", flat=True))
        older.update(used_at=now)
        challenge = PhoneChallenge.objects.create(
            phone_index=index,
            purpose=purpose,
            code_hash=f"{key}${_hash(key, code)}",
            created_at=now,
            expires_at=expires_at,
        )
    try:
        backend_for("sms").send(
            Message(
                id=challenge.pk,
                channel="sms",
                address=number,
                subject="",
                body=_text(code, purpose),
                key=f"ombud-otp-{challenge.pk}",
            )
        )
    except Exception:
        # Nothing was sent: the code never existed, the older one still works, and the attempt
        # does not count against the number or the address.
        with transaction.atomic():
            challenge.delete()
            PhoneChallenge.objects.filter(pk__in=replaced, used_at=now).update(used_at=None)
        limits.refund(per_phone, index, now=now)
        limits.refund(per_address, address, now=now)
        raise SmsUnavailable(_("The text message could not be sent just now. Please try again in a minute.")) from None
    return Sent(expires_at=expires_at, resend_after=resend)


def _wrong(message: str) -> InvalidInput:
    return InvalidInput(message, fields={"otp": message}, code="otp_invalid")


def verify(phone: str, purpose: str, code: str, *, now: datetime | None = None) -> PhoneChallenge:
    """The live challenge of `phone` and `purpose` if `code` is its code. A wrong code counts a
    try at once; after the last try, or past its expiry, or once used, the code is dead and
    InvalidInput (field `otp`) says to ask for a new one.

    Call it outside any transaction that may roll back (in autocommit), or a rollback gives the
    tries back. Each try is reserved with one conditional UPDATE before the code is compared,
    so requests racing with guesses get at most `OMBUD_OTP_MAX_ATTEMPTS` comparisons between
    them; a right code gives its try back. Full-width digits (a Chinese keyboard's) count as
    digits."""
    now = now or timezone.now()
    number = mobile_or_error(phone)
    given = unicodedata.normalize("NFKC", code or "").strip().replace(" ", "")
    challenge = (
        PhoneChallenge.objects.filter(
            phone_index=blind_index(number), purpose=purpose, used_at__isnull=True, expires_at__gt=now
        )
        .order_by("-created_at")
        .first()
    )
    dead = _("This code has expired or was used up. Ask for a new code.")
    if challenge is None:
        raise _wrong(dead)
    tries = PhoneChallenge.objects.filter(pk=challenge.pk, attempts__lt=settings.OMBUD_OTP_MAX_ATTEMPTS)
    if not tries.update(attempts=F("attempts") + 1):
        raise _wrong(dead)
    key, _sep, digest = challenge.code_hash.partition("$")
    if not (
        given.isascii()
        and given.isdigit()
        and len(given) == CODE_DIGITS
        and hmac.compare_digest(_hash(key, given), digest)
    ):
        challenge.refresh_from_db(fields=["attempts"])
        left = settings.OMBUD_OTP_MAX_ATTEMPTS - challenge.attempts
        if left <= 0:
            raise _wrong(_("The code is wrong, and no tries are left. Ask for a new code."))
        raise _wrong(_("The code is wrong. %(left)d tries left.") % {"left": left})
    PhoneChallenge.objects.filter(pk=challenge.pk).update(attempts=F("attempts") - 1)
    challenge.refresh_from_db(fields=["attempts"])
    return challenge


def consume(challenge: PhoneChallenge, *, now: datetime | None = None) -> None:
    """Mark a verified code used, in the caller's transaction: one code, one use."""
    taken = PhoneChallenge.objects.filter(pk=challenge.pk, used_at__isnull=True).update(used_at=now or timezone.now())
    if not taken:
        raise _wrong(_("This code has already been used. Ask for a new code."))


# ---- a page's proof, kept in the session -------------------------------------------------------


def remember(session: SessionBase, purpose: str, phone: str, *, now: datetime | None = None) -> None:
    """After `verify` + `consume` on a page: this browser holds `phone` for `purpose` for half an
    hour (the session is server-side; the number is not in the cookie)."""
    now = now or timezone.now()
    proofs = dict(session.get(SESSION_KEY) or {})
    proofs[purpose] = {"phone": normalise_phone(phone), "until": (now + timedelta(seconds=SESSION_SECONDS)).timestamp()}
    session[SESSION_KEY] = proofs
    session.cycle_key()  # a new session id once a number is proven (no fixation)


def verified_phone(session: SessionBase, purpose: str, *, now: datetime | None = None) -> str | None:
    """The number this browser proved for `purpose`, while the proof lasts."""
    proof = (session.get(SESSION_KEY) or {}).get(purpose)
    now = now or timezone.now()
    if not proof or proof.get("until", 0) < now.timestamp():
        return None
    return str(proof["phone"])


def forget(session: SessionBase, purpose: str) -> None:
    proofs = dict(session.get(SESSION_KEY) or {})
    if proofs.pop(purpose, None) is not None:
        session[SESSION_KEY] = proofs
