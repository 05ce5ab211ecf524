"""Where a notification goes out: one small backend per channel, chosen in settings.

A backend has one method, `send(message)`, which returns when the message was handed over and
raises on any failure (the outbox in cases/notify.py retries, then records the failure). It
never writes the clear address to a log. Every message carries `idempotency_id`, the same on
every attempt: a backend passes it on so that the receiver can drop a repeat (a re-send after
a worker died mid-hand-over).

| alias     | class               | what it does                                                  |
|-----------|---------------------|---------------------------------------------------------------|
| `console` | `ConsoleBackend`    | logs the message with the address masked (development, demo)  |
| `email`   | `EmailBackend`      | Django's mail (SMTP settings, locmem in tests); `Message-ID` from the id |
| `gateway` | `SmsGatewayBackend` | HTTP POST of JSON to an SMS gateway, `Idempotency-Key` header and field |
| `memory`  | `MemoryBackend`     | appends to `notify_backends.outbox` (tests); `delivered()` dedupes on the id |
| `file`    | `FileBackend`       | a JSON line to `$OMBUD_DATA_DIR/sms-outbox.jsonl` (development, demo: `/dev/sms/`) |

`OMBUD_SMS_BACKEND` and `OMBUD_EMAIL_BACKEND` take an alias or a dotted path to a class.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from ombud.personal_data import mask_phone

logger = logging.getLogger("ombud.notify")


@dataclass(frozen=True)
class Message:
    """What a backend sends: the outbox row's id, channel, clear address (only the backend sees
    it), subject (e-mail), text, and which attempt this is (1, 2, 3)."""

    id: int
    channel: str
    address: str
    subject: str
    body: str
    attempt: int = 1
    # A message that is not an outbox row (a one-time code, portal/verification.py) names its
    # own idempotency id.
    key: str = ""

    @property
    def masked_address(self) -> str:
        return mask_address(self.channel, self.address)

    @property
    def idempotency_id(self) -> str:
        """Stable for the outbox row, whatever the attempt: the receiver's key to drop repeats."""
        return self.key or f"ombud-notification-{self.id}"


def message_id_header(message: Message) -> str:
    """The e-mail's Message-ID (RFC 5322): the idempotency id at the sender's domain, the same
    on every attempt, so a mail system that drops duplicate Message-IDs delivers it once."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "localhost"
    return f"<{message.idempotency_id}@{domain}>"


def mask_email(address: str) -> str:
    """wang.jianguo@example.cn → w***@example.cn"""
    local, at, domain = address.partition("@")
    if not at:
        return "*" * len(address)
    return (local[:1] + "***" if local else "***") + "@" + domain


def mask_address(channel: str, address: str) -> str:
    return mask_email(address) if channel == "email" else mask_phone(address)


class NotificationBackend(Protocol):
    def send(self, message: Message) -> None: ...


class ConsoleBackend:
    """Writes the message to the log (the worker's console), the address masked."""

    def send(self, message: Message) -> None:
        subject = f" [{message.subject}]" if message.subject else ""
        logger.info("%s to %s%s: %s", message.channel.upper(), message.masked_address, subject, message.body)


class EmailBackend:
    """E-mail through Django's mail framework (EMAIL_* settings; locmem in tests)."""

    def send(self, message: Message) -> None:
        mail = EmailMessage(
            message.subject,
            message.body,
            settings.DEFAULT_FROM_EMAIL,
            [message.address],
            headers={"Message-ID": message_id_header(message)},
        )
        mail.send(fail_silently=False)


class SmsGatewayError(Exception):
    pass


class SmsGatewayBackend:
    """The interface to a real SMS gateway (a carrier's or a cloud provider's, behind a small
    adapter): POST `{"id", "idempotency_key", "to", "text"}` as JSON with the API key as a
    bearer token and the header `Idempotency-Key: ombud-notification-<id>` (the same in the
    field), so a resend after a crash is not delivered twice by a gateway that honours it. Any
    status other than 2xx, or no answer within the timeout, is a failure."""

    timeout = 10.0

    def __init__(self, url: str | None = None, key: str | None = None):
        self.url = url if url is not None else settings.OMBUD_SMS_GATEWAY_URL
        self.key = key if key is not None else settings.OMBUD_SMS_GATEWAY_KEY
        if not self.url.startswith(("https://", "http://")):
            raise ImproperlyConfigured("OMBUD_SMS_GATEWAY_URL must be an http(s) URL when OMBUD_SMS_BACKEND=gateway")

    def send(self, message: Message) -> None:
        payload = json.dumps(
            {
                "id": str(message.id),
                "idempotency_key": message.idempotency_id,
                "to": message.address,
                "text": message.body,
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (scheme checked in __init__)
            self.url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {self.key}",
                "Idempotency-Key": message.idempotency_id,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            raise SmsGatewayError(f"gateway answered HTTP {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SmsGatewayError(f"gateway unreachable: {reason}") from None
        if not 200 <= status < 300:
            raise SmsGatewayError(f"gateway answered HTTP {status}")


outbox: list[Message] = []


class MemoryBackend:
    """Keeps every hand-over in the module-level `outbox` (like Django's locmem mail backend),
    with its idempotency id; `delivered()` is what a receiver honouring the id shows."""

    def send(self, message: Message) -> None:
        outbox.append(message)


def file_outbox_path() -> Path:
    return Path(settings.DATA_DIR) / "sms-outbox.jsonl"


class FileBackend:
    """Appends each message as one JSON line `{"at", "id", "channel", "to", "subject", "text"}`
    to `$OMBUD_DATA_DIR/sms-outbox.jsonl`: development and the demo, where a newcomer reads the
    one-time code on `/dev/sms/`. The file holds clear numbers and codes: never in production
    (`ombud check --deploy` warns)."""

    def send(self, message: Message) -> None:
        line = json.dumps(
            {
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "id": message.idempotency_id,
                "channel": message.channel,
                "to": message.address,
                "subject": message.subject,
                "text": message.body,
            },
            ensure_ascii=False,
        )
        path = file_outbox_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


def read_file_outbox(last: int = 20) -> list[dict]:
    """The last `last` messages of the file backend, newest first (an unreadable line is skipped)."""
    path = file_outbox_path()
    if not path.exists():
        return []
    rows = []
    for raw in path.read_text(encoding="utf-8").splitlines()[-last:]:
        try:
            rows.append(json.loads(raw))
        except ValueError:
            continue
    return rows[::-1]


def delivered() -> list[Message]:
    """The memory backend's hand-overs as a receiver that honours the idempotency id delivers
    them: the first of each id, once."""
    first: dict[str, Message] = {}
    for m in outbox:
        first.setdefault(m.idempotency_id, m)
    return list(first.values())


ALIASES = {
    "console": ConsoleBackend,
    "email": EmailBackend,
    "gateway": SmsGatewayBackend,
    "memory": MemoryBackend,
    "file": FileBackend,
}


def backend_for(channel: str) -> NotificationBackend:
    """The configured backend of a channel (read from settings at each call, so tests can
    override it); raises ImproperlyConfigured for an unknown alias or class."""
    setting = {"sms": "OMBUD_SMS_BACKEND", "email": "OMBUD_EMAIL_BACKEND"}.get(channel)
    if setting is None:
        raise ImproperlyConfigured(f"no notification backend for channel {channel!r}")
    name = getattr(settings, setting, "console")
    cls = ALIASES.get(name)
    if cls is None:
        try:
            cls = import_string(name)
        except ImportError:
            raise ImproperlyConfigured(
                f"{setting}={name!r} is neither one of {', '.join(ALIASES)} nor an importable class"
            ) from None
    return cls()
