from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from ombud.directory import queries
from ombud.directory.services import issue_token, revoke_token
from ombud.http import ApiRequest
from ombud.schemas import Id

router = Router(tags=["directory"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    expires_at: str


@router.post("/auth/token", auth=None, response=TokenOut)
def token(request: HttpRequest, payload: TokenIn) -> dict:
    raw, tok = issue_token(request, payload.username, payload.password)
    return {"token": raw, "expires_at": tok.expires_at.isoformat()}


@router.delete("/auth/token", response={204: None})
def revoke(request: ApiRequest) -> Status:
    """Revoke the token this request is authenticated with (a client's logout)."""
    revoke_token(request.bearer_token)
    return Status(204, None)


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None


@router.get("/regions", response=list[RegionOut])
def regions(request: ApiRequest, parent: str | None = None, level: str | None = None) -> list[Mapping[str, Any]]:
    return queries.regions(parent=parent, level=level)


class OrganizationOut(Schema):
    id: int
    name: str
    kind: str
    parent_id: int | None
    region_code: str | None
    company_type: str
    short_name: str


@router.get("/organizations", response=list[OrganizationOut])
def organizations(
    request: ApiRequest, kind: str | None = None, parent_id: Id | None = None, region_code: str | None = None
) -> list[Mapping[str, Any]]:
    return queries.organizations(kind=kind, parent_id=parent_id, region_code=region_code)
