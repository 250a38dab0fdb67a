"""Exception handlers: every API error is JSON ``{"code", "message", "field"?}``.

``code`` is stable for programs; ``message`` is a whole sentence in the request's
language (zh-hans unless the client sends ``Accept-Language: en``).
"""

from __future__ import annotations

import re
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from salespulse.core.errors import DomainError

# Parameter sources that Ninja puts first in an error location. They are not part of the field name.
PARAMETER_SOURCES = frozenset({"query", "path", "body", "header", "cookie", "form", "file"})


def domain_error_response(exc: DomainError) -> JsonResponse:
    # A service's DomainError keeps the base status 400 when no more specific one applies.
    # To the API the request was well-formed but broke a business rule, so it returns 422,
    # as it does for invalid input.
    status = 422 if exc.status == 400 else exc.status
    response = JsonResponse(exc.as_dict(), status=status, json_dumps_params={"ensure_ascii": False})
    if exc.status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


def not_found_response(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """404 for a path under /api/ that no endpoint serves, or an Http404 raised inside one."""
    return domain_error_response(
        DomainError(
            "not_found", _("Nothing was found at %(path)s.") % {"path": request.path}, status=404
        )
    )


def _field_name(location: list[Any] | tuple[Any, ...]) -> str:
    if len(location) > 2 and str(location[0]) == "body":
        # ("body", "payload", "ids"): "payload" is the name of the endpoint's parameter
        # that contains the whole JSON body, and the client never sees that name.
        location = location[2:]
    parts = [str(part) for part in location if str(part) not in PARAMETER_SOURCES]
    return ".".join(parts)


def _sent_value(request: HttpRequest, location: list[Any] | tuple[Any, ...]) -> str | None:
    """Return the raw value the client sent for a query or path parameter.

    Ninja drops pydantic's ``input`` from its errors, so the value is read back from
    the request. For other sources, such as a JSON body, the value is unknown and None is returned.
    """
    if len(location) < 2:
        return None
    source, name = str(location[0]), str(location[-1])
    if source == "query":
        return request.GET.get(name)
    if source == "path" and request.resolver_match is not None:
        value = request.resolver_match.kwargs.get(name)
        return None if value is None else str(value)
    return None


def _validation_message(error: dict[str, Any], field: str, value: str | None) -> str:
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "missing":
        return _("%(field)s is required.") % {"field": field}
    if value is None:
        return _("The value of %(field)s is invalid.") % {"field": field}
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("%(field)s must be a whole number, not %(value)s.") % {
            "field": field,
            "value": value,
        }
    if kind in {"greater_than_equal", "greater_than"}:
        limit = context.get("ge", context.get("gt"))
        return _("%(field)s must be at least %(limit)s, not %(value)s.") % {
            "field": field,
            "limit": limit,
            "value": value,
        }
    if kind in {"literal_error", "enum"}:
        # pydantic words the choices in English ("'open', 'won' or 'lost'"), so keep the values.
        choices = ", ".join(re.findall(r"'([^']*)'", str(context.get("expected", ""))))
        return _("%(field)s must be one of %(choices)s, not %(value)s.") % {
            "field": field,
            "choices": choices,
            "value": value,
        }
    return _("The value %(value)s of %(field)s is invalid.") % {"field": field, "value": value}


def validation_error_response(request: HttpRequest, exc: ValidationError) -> JsonResponse:
    errors = []
    for error in exc.errors:
        location = error.get("loc", ())
        field = _field_name(location)
        message = _validation_message(error, field, _sent_value(request, location))
        errors.append({"code": "invalid_input", "message": message, "field": field})

    first = (
        errors[0]
        if errors
        else {"code": "invalid_input", "message": _("The request is invalid."), "field": ""}
    )
    body: dict[str, Any] = {"code": "invalid_input", "message": first["message"]}
    if first["field"]:
        body["field"] = first["field"]
    body["errors"] = errors
    return JsonResponse(body, status=422, json_dumps_params={"ensure_ascii": False})


def install_exception_handlers(api: NinjaAPI) -> None:
    """Replace Ninja's default error bodies (``{"detail": …}``) with the shared shape."""

    @api.exception_handler(DomainError)
    def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return domain_error_response(exc)

    @api.exception_handler(AuthenticationError)
    def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        # Ninja raises this for an Authorization header that is not "Bearer …".
        return domain_error_response(
            DomainError(
                "not_authenticated",
                _("Send an API token in the Authorization header as: Bearer TOKEN."),
                status=401,
            )
        )

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
            # Ninja raises HttpError(400) from the JSON decoder's error for a body it cannot parse.
            response = domain_error_response(
                DomainError(
                    "invalid_json",
                    _("The request body is not valid JSON (%(error)s); send a JSON object.")
                    % {"error": exc.__cause__},
                )
            )
            response.status_code = 400  # malformed, unlike a well-formed request that breaks a rule
            return response
        return domain_error_response(
            DomainError(
                f"http_{exc.status_code}",
                _("The request failed with HTTP status %(status)s.") % {"status": exc.status_code},
                status=exc.status_code,
            )
        )

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return not_found_response(request, exc)

    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return validation_error_response(request, exc)
