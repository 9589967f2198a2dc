"""Request and response bodies of the server API (validated before any transaction)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictStr


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Health(_Strict):
    """``GET /health``."""

    status: str
    version: str
    schema_revision: str
    server_epoch: str


class EnrollRequest(_Strict):
    """``POST /v1/enroll``: a one-time token and a name for the workstation."""

    token: StrictStr = Field(min_length=1, max_length=200)
    device_name: StrictStr = Field(min_length=1, max_length=100)


class EnrollResponse(_Strict):
    """The device identity, given once; the secret is never shown again."""

    device_id: str
    device_number: int
    office_code: str
    counter_number: int | None
    secret: str
    server_epoch: str


class WhoAmI(_Strict):
    """``GET /v1/whoami``: the authenticated device and the offices it may read and write."""

    device_id: str
    device_number: int
    office_code: str
    counter_number: int | None
    name: str
    quarantined: bool
    unit_code: str | None
    unit_level: str | None
    scope: list[str]
    server_epoch: str


class Problem(_Strict):
    """An error answer: a Vietnamese message for the user."""

    detail: str
