"""The public filing API (docs/api.md, "Public: filing"): an SMS code, a filing, the company
search. No account (`auth=None`); every route is limited per address (portal/limits.py), and
answers the same whether or not a number has filed before."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from ombud.errors import InvalidInput
from ombud.portal import limits, verification
from ombud.portal.filing import queries
from ombud.portal.filing.services import FilingInput, PhoneProof, file_online
from ombud.portal.models import PhoneChallenge
from ombud.schemas import Id

router = Router(tags=["public: filing"])


class OtpIn(Schema):
    phone: str = Field(max_length=32)
    purpose: str = PhoneChallenge.Purpose.FILE


class OtpOut(Schema):
    expires_at: datetime
    resend_after: int


@router.post("/public/otp", auth=None, response={202: OtpOut})
def send_otp(request: HttpRequest, payload: OtpIn) -> Status:
    """Send a one-time code by SMS (limits: one per number and purpose a minute; per number and
    per address an hour): 202 whether or not the number has ever filed."""
    sent = verification.send_code(payload.phone, payload.purpose, limits.client_address(request))
    return Status(202, {"expires_at": sent.expires_at, "resend_after": sent.resend_after})


class FilingIn(Schema):
    kind: str = Field(max_length=16)
    otp: str = Field(max_length=16)
    phone: str = Field(max_length=32)
    name: str = Field(max_length=200)
    id_number: str = Field("", max_length=40)
    company_id: Id | None = None
    city_code: str = Field(max_length=6)
    summary: str = Field(max_length=8000)
    request: str = Field("", max_length=4000)
    product_line: str = Field("", max_length=32)
    category: str = Field("", max_length=48)
    # The calling app showed the privacy notice of the current version and the consumer agreed.
    consent: bool = True


class CaseOut(Schema):
    status: str
    due_at: datetime | None


class FiledOut(Schema):
    tracking_no: str
    code: str
    case: CaseOut | None


@router.post("/public/filings", auth=None, response={201: FiledOut})
def create_filing(request: HttpRequest, payload: FilingIn, response: HttpResponse) -> Status:
    """File a complaint, consultation or suggestion with the SMS code sent to `phone`
    (purpose `file`). `Idempotency-Key` (per phone): a retry of the same body returns the first
    filing; another body with the same key is 409."""
    filed = file_online(
        FilingInput(
            kind=payload.kind,
            name=payload.name,
            id_number=payload.id_number,
            summary=payload.summary,
            request=payload.request,
            city_code=payload.city_code,
            company_id=payload.company_id,
            product_line=payload.product_line,
            category=payload.category,
            consent=payload.consent,
        ),
        phone_proof=PhoneProof.from_code(payload.phone, payload.otp),
        address=limits.client_address(request),
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    if filed.replayed:
        response["Idempotent-Replayed"] = "true"
    case = {"status": filed.case_status, "due_at": filed.due_at} if filed.case_status else None
    return Status(201, {"tracking_no": filed.tracking_no, "code": filed.code, "case": case})


class CompanyOut(Schema):
    id: int
    name: str
    short_name: str


def search_limit() -> limits.Limit:
    return limits.Limit("companies.address", settings.OMBUD_COMPANY_SEARCH_LIMIT, 60)


@router.get("/public/companies", auth=None, response=list[CompanyOut])
def companies(request: HttpRequest, q: str = "") -> list[dict]:
    """Insurers and intermediaries by name, short name, pinyin initials or full pinyin
    (「平安」, "pa", "zgrs"); at least one character, at most 20 results, best first."""
    text = q.strip()
    if not text:
        raise InvalidInput(_("Type at least one character."), fields={"q": _("at least 1 character")})
    if len(text) > queries.QUERY_MAX:
        raise InvalidInput(
            _("At most %d characters.") % queries.QUERY_MAX,
            fields={"q": _("at most %d characters") % queries.QUERY_MAX},
        )
    address = limits.client_address(request)
    per_address = search_limit()
    if limits.hit(per_address, address) > per_address.limit:
        raise limits.refusal(
            per_address, address, _("Too many searches; please try again after %(time)s."), code="search_limited"
        )
    return [{"id": h.id, "name": h.name, "short_name": h.short_name} for h in queries.search_companies(text)]
