"""Filing online: a consumer's complaint, consultation or suggestion, from a verified phone
(docs/portal.md, "Filing online").

`file_online(data, phone_proof=…, address=…, idempotency_key=…)` is the one service behind the
filing page and `POST /api/v1/public/filings`. It checks everything first (every field error at
once, nothing written), counts the filing against the phone's and the address's limits, then in
one transaction consumes the SMS code, records the visit through
`intake.services.record_online_visit` (channel online, no site, the consumer's city, no outcome:
a complaint's case opens received, routed, with its legal deadlines, like one by phone), writes
its `OnlineFiling`, sets the case's category and attaches the evidence. After the commit it
sends the consumer an SMS with the tracking number, the secret code and the tracking address,
straight through the SMS backend: the case notification outbox stores its texts, and this one
holds the secret code.

A filled honeypot (a field people never see) is refused quietly: `Filed.quiet`, nothing stored.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ombud.cases import attachments
from ombud.cases.models import Case
from ombud.cases.notify_backends import Message, backend_for
from ombud.cases.services import set_category
from ombud.errors import Conflict, InvalidInput
from ombud.intake.models import Visit
from ombud.intake.services import VisitInput, online_visit_errors, record_online_visit
from ombud.intake.tracking import tracking_url
from ombud.personal_data import blind_index
from ombud.portal import limits, verification
from ombud.portal.models import FilingKey, OnlineFiling, PhoneChallenge

logger = logging.getLogger("ombud.portal")

PRIVACY_VERSION = "2026-12"  # the privacy notice shown with the form (templates/portal/filing/_privacy.html)
REQUEST_MAX = 2000
MAX_REPRESENTATIVES = 5  # Order 2020 No. 3 art. 12
MAX_EVIDENCE = 10
KEY_MAX = 128

# Categories of complaints (RULES.md): the stored value is the bureau's Chinese label.
CATEGORIES: tuple[tuple[str, object], ...] = (
    ("理赔难·理赔金额", gettext_lazy("Claims: the amount paid")),
    ("理赔难·保险责任认定", gettext_lazy("Claims: whether the policy covers it")),
    ("理赔难·理赔时效", gettext_lazy("Claims: too slow")),
    ("销售纠纷·销售误导", gettext_lazy("Sales: misleading selling")),
    ("销售纠纷·电销扰民", gettext_lazy("Sales: unwanted sales calls")),
    ("退保", gettext_lazy("Surrender and refunds")),
    ("保全·满期给付", gettext_lazy("Policy changes and maturity payments")),
    ("承保", gettext_lazy("Underwriting")),
    ("服务态度", gettext_lazy("Attitude of the staff")),
    ("其他", gettext_lazy("Something else")),
)
CATEGORY_VALUES = frozenset(value for value, _label in CATEGORIES)


@dataclass(frozen=True)
class FilingInput:
    """What a consumer sends. Files are uploads (Django's UploadedFile or alike)."""

    kind: str
    name: str
    summary: str
    city_code: str
    request: str = ""
    id_number: str = ""
    company_id: int | None = None
    product_line: str = ""
    category: str = ""
    filed_as: str = OnlineFiling.FiledAs.SELF
    principal_name: str = ""
    representatives: tuple[str, ...] = ()
    consent: bool = False
    honeypot: str = ""
    evidence: tuple[attachments.Upload, ...] = field(default=(), compare=False)
    authorisation: attachments.Upload | None = field(default=None, compare=False)

    def fingerprint(self, phone: str, otp: str) -> str:
        """The request as a retry repeats it (files by name and size)."""
        data = asdict(self)
        data["evidence"] = [(getattr(f, "name", ""), getattr(f, "size", 0)) for f in self.evidence]
        auth = self.authorisation
        data["authorisation"] = (getattr(auth, "name", ""), getattr(auth, "size", 0)) if auth else None
        data["phone"], data["otp"] = phone, otp
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class PhoneProof:
    """How the consumer proved the phone: the page's session (`verified`, code already used),
    or an SMS code sent with the filing (the API), verified and used by `file_online`."""

    phone: str
    otp: str = ""
    verified: bool = False

    @classmethod
    def from_session(cls, phone: str) -> PhoneProof:
        return cls(phone=phone, verified=True)

    @classmethod
    def from_code(cls, phone: str, otp: str) -> PhoneProof:
        return cls(phone=phone, otp=otp)


@dataclass(frozen=True)
class Filed:
    tracking_no: str
    code: str
    kind: str
    visit_id: int | None
    case_status: str | None = None
    due_at: datetime | None = None
    replayed: bool = False
    quiet: bool = False  # a filled honeypot: nothing stored, nothing to show


def phone_limit() -> limits.Limit:
    return limits.Limit("filing.phone", settings.OMBUD_FILING_PHONE_LIMIT, settings.OMBUD_FILING_PHONE_WINDOW_SECONDS)


def address_limit() -> limits.Limit:
    return limits.Limit(
        "filing.address", settings.OMBUD_FILING_ADDRESS_LIMIT, settings.OMBUD_FILING_ADDRESS_WINDOW_SECONDS
    )


def _visit_input(data: FilingInput, phone: str) -> VisitInput:
    return VisitInput(
        kind=data.kind,
        channel=Visit.Channel.ONLINE,
        visitor_name=data.name,
        visitor_phone=phone,
        visitor_id_number=data.id_number.strip(),
        summary=data.summary,
        city_code=data.city_code or None,
        company_id=data.company_id,
        product_line=data.product_line,
    )


def _filing_errors(data: FilingInput) -> dict[str, str]:
    """What the filing adds to a visit's checks (Order 2020 No. 3 arts. 12–13)."""
    errors: dict[str, str] = {}
    complaint = data.kind == Visit.Kind.COMPLAINT
    if not data.consent:
        errors["consent"] = _("Agree to the privacy notice to file.")
    if complaint and not data.request.strip():
        errors["request"] = _("Write what you ask the company to do.")
    elif len(data.request) > REQUEST_MAX:
        errors["request"] = _("The request has at most %d characters.") % REQUEST_MAX
    elif data.request.strip() and not complaint:
        errors["request"] = _("Only a complaint has a request.")
    if data.category and (not complaint or data.category not in CATEGORY_VALUES):
        errors["category"] = _("Choose a category from the list.")
    if data.filed_as not in OnlineFiling.FiledAs.values:
        errors["filed_as"] = _("Unknown choice; use one of: %s.") % ", ".join(OnlineFiling.FiledAs.values)
    elif data.filed_as != OnlineFiling.FiledAs.SELF and not complaint:
        errors["filed_as"] = _("Only a complaint is filed for someone else or for a group.")
    agent = data.filed_as == OnlineFiling.FiledAs.AGENT
    group = data.filed_as == OnlineFiling.FiledAs.GROUP
    if agent:
        if not data.principal_name.strip():
            errors["principal_name"] = _("Give the name of the person you file for.")
        elif len(data.principal_name.strip()) > 64:
            errors["principal_name"] = _("A name has at most %d characters.") % 64
        if data.authorisation is None:
            errors["authorisation"] = _("Upload the signed authorisation (委托书) of the person you file for.")
    else:
        if data.principal_name.strip():
            errors["principal_name"] = _("Only an agent names the person represented.")
        if data.authorisation is not None:
            errors["authorisation"] = _("Only an agent uploads an authorisation.")
    names = [n.strip() for n in data.representatives if n.strip()]
    if group:
        if not names:
            errors["representatives"] = _("Name the group's representatives (at most %d).") % MAX_REPRESENTATIVES
        elif len(names) > MAX_REPRESENTATIVES:
            errors["representatives"] = _("A group names at most %d representatives.") % MAX_REPRESENTATIVES
        elif any(len(n) > 64 for n in names):
            errors["representatives"] = _("A name has at most %d characters.") % 64
    elif names:
        errors["representatives"] = _("Only a group complaint names representatives.")
    if data.evidence and not complaint:
        errors["evidence"] = _("Only a complaint takes evidence files.")
    elif len(data.evidence) > MAX_EVIDENCE:
        errors["evidence"] = _("At most %d files at once; add more later on your case page.") % MAX_EVIDENCE
    return errors


def _check_files(
    data: FilingInput, errors: dict[str, str]
) -> tuple[list[attachments.CheckedFile], attachments.CheckedFile | None]:
    evidence: list[attachments.CheckedFile] = []
    if "evidence" not in errors:
        for upload in data.evidence:
            try:
                evidence.append(attachments.check_upload(upload, field="evidence"))
            except InvalidInput as exc:
                errors.update(exc.fields)
                break
    authorisation = None
    if data.authorisation is not None and "authorisation" not in errors:
        try:
            authorisation = attachments.check_upload(data.authorisation, field="authorisation")
        except InvalidInput as exc:
            errors.update(exc.fields)
    return evidence, authorisation


def _replay(phone_index: str, key: str, fingerprint: str) -> Filed | None:
    row = FilingKey.objects.select_related("visit").filter(phone_index=phone_index, key=key).first()
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        raise Conflict(
            _("This Idempotency-Key was already used for a different filing."),
            fields={"Idempotency-Key": _("reused with a different request")},
            code="idempotency_key_reused",
        )
    return _filed(row.visit, replayed=True)


def _filed(visit: Visit, *, replayed: bool = False) -> Filed:
    case = Case.objects.filter(visit=visit).only("status", "due_at").first()
    return Filed(
        tracking_no=visit.tracking_no,
        code=visit.secret_code,
        kind=visit.kind,
        visit_id=visit.pk,
        case_status=case.status if case else None,
        due_at=case.due_at if case else None,
        replayed=replayed,
    )


def receipt_text(tracking_no: str, code: str) -> str:
    return _(
        "Ombud: we have received what you filed. Tracking number %(no)s, code %(code)s; follow it at %(url)s. "
        "Keep the code to yourself."
    ) % {"no": tracking_no, "code": code, "url": tracking_url(tracking_no)}


def _send_receipt(phone: str, filed: Filed) -> None:
    """After the commit: the SMS with number, code and address. A failure is logged (without
    the number); the receipt page shows the same."""
    try:
        backend_for("sms").send(
            Message(
                id=filed.visit_id or 0,
                channel="sms",
                address=phone,
                subject="",
                body=receipt_text(filed.tracking_no, filed.code),
                key=f"ombud-filing-{filed.visit_id}",
            )
        )
    except Exception:
        logger.warning("the receipt SMS of visit %s could not be sent", filed.visit_id)


def file_online(
    data: FilingInput,
    *,
    phone_proof: PhoneProof,
    address: str,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Filed:
    """File one complaint, consultation or suggestion (see the module's docstring). Raises
    InvalidInput (every field at once; `otp` for a wrong code), Conflict (an Idempotency-Key
    reused for a different body) or limits.TooManyAttempts (429) before anything is stored."""
    now = now or timezone.now()
    if data.honeypot.strip():
        return Filed(tracking_no="", code="", kind=data.kind, visit_id=None, quiet=True)
    phone = verification.mobile_or_error(phone_proof.phone)
    index = blind_index(phone)
    fingerprint = data.fingerprint(phone, phone_proof.otp)
    if idempotency_key is not None:
        if not 1 <= len(idempotency_key) <= KEY_MAX:
            raise InvalidInput(
                _("Idempotency-Key has 1 to 128 characters."), fields={"Idempotency-Key": _("1 to 128 characters")}
            )
        # Before the code is checked: the first filing used it. A replay needs the same phone,
        # key and body, code included.
        replay = _replay(index, idempotency_key, fingerprint)
        if replay:
            return replay

    visit_data = _visit_input(data, phone)
    errors = {**online_visit_errors(visit_data), **_filing_errors(data)}
    evidence, authorisation = _check_files(data, errors)
    challenge: PhoneChallenge | None = None
    if not phone_proof.verified:
        try:
            challenge = verification.verify(phone, PhoneChallenge.Purpose.FILE, phone_proof.otp, now=now)
        except InvalidInput as exc:
            errors.update(exc.fields)
    if errors:
        raise InvalidInput(_("Nothing was filed: please correct the entries marked."), fields=errors)

    per_phone, per_address = phone_limit(), address_limit()
    if limits.hit(per_phone, index, now=now) > per_phone.limit:
        raise limits.refusal(
            per_phone,
            index,
            _("This number has filed the most allowed for today. Please try again after %(time)s, or call 12378."),
            code="filing_phone_limited",
            now=now,
        )
    if limits.hit(per_address, address, now=now) > per_address.limit:
        limits.refund(per_phone, index, now=now)
        raise limits.refusal(
            per_address,
            address,
            _("Too many filings have come from your network. Please try again after %(time)s."),
            code="filing_address_limited",
            now=now,
        )
    try:
        filed = _write(
            data, visit_data, phone, index, challenge, evidence, authorisation, idempotency_key, fingerprint, now
        )
    except BaseException:
        limits.refund(per_phone, index, now=now)
        limits.refund(per_address, address, now=now)
        raise
    if not filed.replayed:
        transaction.on_commit(lambda: _send_receipt(phone, filed))
    return filed


def _write(
    data: FilingInput,
    visit_data: VisitInput,
    phone: str,
    index: str,
    challenge: PhoneChallenge | None,
    evidence: list[attachments.CheckedFile],
    authorisation: attachments.CheckedFile | None,
    idempotency_key: str | None,
    fingerprint: str,
    now: datetime,
) -> Filed:
    try:
        with transaction.atomic():
            if challenge is not None:
                try:
                    verification.consume(challenge, now=now)
                except InvalidInput:
                    # A concurrent retry with the same key used the code first: its replay.
                    replay = _replay(index, idempotency_key, fingerprint) if idempotency_key else None
                    if replay:
                        return replay
                    raise
            recorded = record_online_visit(visit_data, received_at=now)
            visit = recorded.visit
            case = Case.objects.select_related("visit").filter(visit=visit).first() if recorded.case_id else None
            if case is not None and data.category:
                set_category(case, data.category)
            stored_auth = None
            if case is not None:
                for checked in evidence:
                    attachments.add_consumer_attachment(case, checked, field="evidence")
                if authorisation is not None:
                    stored_auth = attachments.add_consumer_attachment(case, authorisation, field="authorisation")
            names = [n.strip() for n in data.representatives if n.strip()]
            OnlineFiling.objects.create(
                visit=visit,
                request=data.request.strip(),
                filed_as=data.filed_as,
                principal_name=data.principal_name.strip(),
                representatives=json.dumps(names, ensure_ascii=False) if names else "",
                authorisation=stored_auth,
                privacy_version=PRIVACY_VERSION,
                consented_at=now,
            )
            if idempotency_key is not None:
                FilingKey.objects.create(phone_index=index, key=idempotency_key, fingerprint=fingerprint, visit=visit)
            return Filed(
                tracking_no=visit.tracking_no,
                code=visit.secret_code,
                kind=visit.kind,
                visit_id=visit.pk,
                case_status=case.status if case else None,
                due_at=case.due_at if case else None,
            )
    except IntegrityError:
        # The same key committed by a concurrent request first: answer as its replay.
        if idempotency_key is not None:
            replay = _replay(index, idempotency_key, fingerprint)
            if replay:
                return replay
        raise
