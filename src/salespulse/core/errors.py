"""The one domain error type that services raise and every interface renders."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the business was broken by the request.

    ``code`` is stable and machine-readable, ``message`` is a translated, whole
    sentence for the user (already formatted with ``params``), ``field`` names the
    input at fault when there is one. ``status`` is the HTTP status the API uses.
    """

    status = 400

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        params: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.params = params or {}
        if status is not None:
            self.status = status

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.field:
            data["field"] = self.field
        if self.params:
            data["params"] = {key: str(value) for key, value in self.params.items()}
        return data


class NotFound(DomainError):
    status = 404


class PermissionDenied(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409
