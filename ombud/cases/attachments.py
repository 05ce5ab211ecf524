"""Evidence attached to a case: checked, encrypted, recorded on the timeline.

Rules (docs/workspace.md explains why):
- The type comes from the bytes (the `filetype` library reads the file's signature), never
  from the name or the Content-Type the browser claims. Allowed: PDF, JPEG and PNG — what
  scanners, phones and "print to PDF" produce, and what every office machine opens without
  running anything. Office files (Word, Excel) are archives that can carry macros, external
  links and embedded objects: ask the sender to print them to PDF.
- The stored name is the uploaded one made safe, with the extension of the detected type
  (a PNG uploaded as "policy.pdf" is kept as "policy.png", served as image/png).
- At most MAX_BYTES per file and MAX_PER_CASE files per case; an empty file is refused.
- The content is encrypted at rest (AES-256-GCM, `personal_data.encrypt_bytes`): evidence
  routinely shows names, ID numbers and medical details.
- Who may attach: the case's handling party and the regulator overseeing it; who may
  download: whoever may see the case. Anyone else gets 404 (the case is not theirs to know of).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import filetype
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ombud.cases import events
from ombud.cases.models import Attachment, Case
from ombud.cases.queries import access_case
from ombud.directory.models import User
from ombud.errors import DomainError, Forbidden, InvalidInput, NotFound
from ombud.personal_data import decrypt_bytes, encrypt_bytes

MAX_BYTES = 10 * 1024 * 1024  # 10 MiB: a scanned multi-page PDF or a phone photo fits
MAX_PER_CASE = 50
# The request body may exceed the file by the multipart framing and the CSRF token; anything
# beyond this is refused from its Content-Length, before a byte of it is read.
MAX_REQUEST_BYTES = MAX_BYTES + 64 * 1024

# Detected MIME type → (canonical extension, extensions a name may already carry).
ALLOWED_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "application/pdf": ("pdf", ("pdf",)),
    "image/jpeg": ("jpg", ("jpg", "jpeg", "jpe")),
    "image/png": ("png", ("png",)),
}
ALLOWED_LABEL = gettext_lazy("PDF, JPEG or PNG")
ACCEPT_ATTRIBUTE = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class TooLarge(DomainError):
    """The request body is over MAX_REQUEST_BYTES (HTTP 413)."""

    status = 413
    code = "too_large"


class Upload(Protocol):
    """What Django's UploadedFile offers and this module uses."""

    name: str | None
    size: int | None

    def read(self, n: int = -1) -> bytes: ...


def check_request_size(content_length: str | int | None) -> None:
    """Refuse an upload whose body is over the limit from its Content-Length, before parsing.

    Django never reads past Content-Length, so this bounds what a request can make the server
    receive; a body without one is read as empty."""
    try:
        length = int(content_length or 0)
    except (TypeError, ValueError):
        length = 0
    if length > MAX_REQUEST_BYTES:
        raise TooLarge(
            _("The file is too large: at most %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)},
            fields={"file": _("at most %(mb)d MB") % {"mb": MAX_BYTES // (1024 * 1024)}},
        )


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*;]+')


def safe_filename(name: str | None, extension: str, aliases: tuple[str, ...]) -> str:
    """A name safe for a Content-Disposition header and any file system: no path, no control
    or reserved characters, no leading dots, at most 120 characters, ending in an extension of
    the detected type (replacing another type's: "policy.pdf" holding a PNG → "policy.png")."""
    base = unicodedata.normalize("NFC", name or "")
    base = re.split(r"[/\\]", base)[-1]
    base = _UNSAFE.sub("_", base)
    base = re.sub(r"\s+", " ", base).strip(" ._")
    stem, dot, ext = base.rpartition(".")
    if dot and ext.lower() in aliases:
        stem, ext = stem.strip(" ._"), ext.lower()
    elif dot and stem and re.fullmatch(r"(?=.*[A-Za-z])[A-Za-z0-9]{1,5}", ext):
        stem, ext = stem.strip(" ._"), extension  # another type's extension: replaced
    else:
        stem, ext = base, extension
    stem = stem[: 120 - len(ext) - 1].strip(" ._") or "attachment"
    return f"{stem}.{ext}"


def _may_attach(actor: User, case: Case) -> bool:
    from ombud.cases.services import parties

    return bool(parties(actor, case))


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every rule (`check_upload`), ready to be stored."""

    filename: str
    content_type: str
    content: bytes


def check_upload(upload: Upload | None, field: str = "file") -> CheckedFile:
    """Apply the rules to one upload without writing anything: size, emptiness, type from the
    bytes, a safe name. InvalidInput names `field`."""
    mb = MAX_BYTES // (1024 * 1024)
    if upload is None:
        raise InvalidInput(_("Choose a file to attach."), fields={field: _("no file was sent")})
    if upload.size is not None and upload.size > MAX_BYTES:
        raise InvalidInput(
            _("The file is too large: at most %(mb)d MB.") % {"mb": mb},
            fields={field: _("at most %(mb)d MB") % {"mb": mb}},
        )
    content = upload.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise InvalidInput(
            _("The file is too large: at most %(mb)d MB.") % {"mb": mb},
            fields={field: _("at most %(mb)d MB") % {"mb": mb}},
        )
    if not content:
        raise InvalidInput(_("The file is empty."), fields={field: _("the file is empty")})
    kind = filetype.guess(content)
    mime = kind.mime if kind is not None else ""
    if mime not in ALLOWED_TYPES:
        raise InvalidInput(
            _("This type of file cannot be attached: use %(types)s.") % {"types": ALLOWED_LABEL},
            fields={field: _("only %(types)s files") % {"types": ALLOWED_LABEL}},
        )
    extension, aliases = ALLOWED_TYPES[mime]
    return CheckedFile(filename=safe_filename(upload.name, extension, aliases), content_type=mime, content=content)


def store_attachment(
    case: Case, checked: CheckedFile, *, uploaded_by: User | None, now: datetime, field: str = "file"
) -> Attachment:
    """Encrypt and store one checked file on a case the caller has locked, in the caller's
    transaction, within the per-case count; no timeline event (the caller writes its own:
    ATTACHED for staff, SUPPLEMENTED for the consumer, whose `uploaded_by` is None)."""
    if Attachment.objects.filter(case=case).count() >= MAX_PER_CASE:
        raise InvalidInput(
            _("A case holds at most %(n)d attachments.") % {"n": MAX_PER_CASE},
            fields={field: _("at most %(n)d attachments per case") % {"n": MAX_PER_CASE}},
        )
    return Attachment.objects.create(
        case=case,
        filename=checked.filename,
        content_type=checked.content_type,
        size=len(checked.content),
        sha256=hashlib.sha256(checked.content).hexdigest(),
        content=encrypt_bytes(checked.content),
        uploaded_by=uploaded_by,
        created_at=now,
    )


def _store(case: Case, checked: CheckedFile, actor: User | None, field: str = "file") -> Attachment:
    now = timezone.now()
    attachment = store_attachment(case, checked, uploaded_by=actor, now=now, field=field)
    events.case_attached_event(case, actor, now, attachment_id=attachment.pk, filename=attachment.filename)
    return attachment


@transaction.atomic
def add_attachment(actor: User, case_id: int, upload: Upload | None) -> Attachment:
    """Check, encrypt and store one uploaded file, and write its timeline event."""
    case = access_case(actor, case_id, for_update=True)
    if not _may_attach(actor, case):
        raise Forbidden(_("Only the handler of this case and the regulator may attach evidence."))
    return _store(case, check_upload(upload), actor)


def add_consumer_attachment(case: Case, checked: CheckedFile, field: str = "file") -> Attachment:
    """The consumer's own evidence (portal/), inside the caller's transaction: no account, so
    no uploader and an event without actor. The caller has proved the consumer's right to the
    case (the verified phone that just filed it, or the tracking number and its code)."""
    assert transaction.get_connection().in_atomic_block, "call inside the caller's transaction"
    return _store(case, checked, None, field)


def attachments_of(actor: User, case_id: int) -> list[Attachment]:
    """The case's attachments without their content (404 if the case is not visible)."""
    case = access_case(actor, case_id)
    return list(case.attachments.defer("content").select_related("uploaded_by").order_by("created_at", "id"))


def access_attachment(actor: User, case_id: int, attachment_id: int) -> Attachment:
    """One attachment of a case the actor may see, with its content (404 otherwise)."""
    case = access_case(actor, case_id)
    attachment = Attachment.objects.filter(case=case, pk=attachment_id).first()
    if attachment is None:
        raise NotFound(_("No such attachment."))
    return attachment


def content_of(attachment: Attachment) -> bytes:
    """The clear bytes (checked against the recorded digest)."""
    content = decrypt_bytes(attachment.content)
    if hashlib.sha256(content).hexdigest() != attachment.sha256:
        raise ValueError(f"attachment {attachment.pk}: content does not match its digest")
    return content
