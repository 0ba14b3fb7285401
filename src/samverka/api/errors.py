"""Error responses of the API: always JSON with a readable ``detail`` (and ``errors`` per field)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import DataError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as RequestValidationError
from ninja.openapi.schema import REF_TEMPLATE

from samverka.api.schemas import ErrorOut

#: The error responses an operation can give, and when (see ``document_errors``).
ERROR_RESPONSES = {
    400: "The request is malformed: a body that is not JSON, or a NUL character (in the address "
    "or the body) or a lone surrogate (in the body)",
    401: "Authentication required (the operation needs a token or a session)",
    403: "The caller may not do this",
    404: "Not found",
    422: "The request's parameters or data are not valid",
}


def validation_errors(exc: ValidationError) -> dict[str, list[str]]:
    """Messages of a Django ValidationError by field; errors not tied to a field under ``__all__``."""
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    return {NON_FIELD_ERRORS: [str(m) for m in exc.messages]}


def _summary(errors: dict[str, list[str]]) -> str:
    parts = []
    for field, messages in errors.items():
        text = "; ".join(messages)
        parts.append(text if field == NON_FIELD_ERRORS else f"{field}: {text}")
    return " ".join(parts) or _("The data is not valid.")


def _request_errors(exc: RequestValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        # loc is e.g. ("body", "payload", "name") or ("query", "page"); keep the useful tail.
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        field = (
            ".".join(loc[1:] if loc and loc[0] in ("query", "path") else loc) or NON_FIELD_ERRORS
        )
        errors.setdefault(field, []).append(str(error.get("msg", "invalid")))
    return errors


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare the error responses of every operation in the OpenAPI ``schema`` (in place).

    The handlers below answer for all operations alike, so they are documented alike: 401 and 403
    where the operation needs authentication, 404 where its path names an object, 422 where it
    takes parameters or a body, 400 (a body that is not JSON, a NUL character in a parameter or
    the body) where it takes parameters or a body. An operation's own declaration of a code is
    kept.
    """
    schema.setdefault("components", {}).setdefault("schemas", {})["ErrorOut"] = (
        ErrorOut.model_json_schema(ref_template=REF_TEMPLATE)
    )
    error_content = {
        "application/json": {"schema": {"$ref": REF_TEMPLATE.format(model="ErrorOut")}}
    }
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            codes = set()
            if operation.get("security"):
                codes |= {401, 403}
            if "{" in path:
                codes.add(404)
            if operation.get("requestBody") or operation.get("parameters"):
                codes.add(400)
            if operation.get("parameters") or operation.get("requestBody"):
                codes.add(422)
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                responses.setdefault(
                    code, {"description": ERROR_RESPONSES[code], "content": error_content}
                )
    return schema


def install(api: NinjaAPI) -> None:
    """Register the exception handlers on ``api``, and document them in its OpenAPI schema."""
    get_openapi_schema = api.get_openapi_schema

    def get_documented_schema(**kwargs: Any) -> Any:
        return document_errors(get_openapi_schema(**kwargs))

    api.get_openapi_schema = get_documented_schema  # type: ignore[method-assign]

    def respond(request: HttpRequest, status: int, detail: str, **extra: Any) -> HttpResponse:
        return api.create_response(request, {"detail": detail, **extra}, status=status)

    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = validation_errors(exc)
        return respond(request, 422, _summary(errors), errors=errors)

    @api.exception_handler(RequestValidationError)
    def on_request_validation_error(
        request: HttpRequest, exc: RequestValidationError
    ) -> HttpResponse:
        errors = _request_errors(exc)
        return respond(request, 422, _summary(errors), errors=errors)

    @api.exception_handler(OverflowError)
    @api.exception_handler(DataError)
    def on_out_of_range(request: HttpRequest, exc: Exception) -> HttpResponse:
        # A number too large for the database's integer columns (SQLite raises OverflowError,
        # PostgreSQL DataError) or text it cannot store. A failed statement leaves an open
        # transaction unusable: roll it back rather than commit it.
        if transaction.get_connection().in_atomic_block:
            transaction.set_rollback(True)
        return respond(request, 422, _("A value in the request is out of range or not allowed."))

    @api.exception_handler(PermissionDenied)
    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, 403, str(exc) or _("You do not have permission to do this."))

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, str(exc) or _("Not found."))

    @api.exception_handler(AuthenticationError)
    def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = respond(
            request,
            401,
            _("Authentication required: send 'Authorization: Bearer <token>' or log in."),
        )
        response["WWW-Authenticate"] = "Bearer"
        return response
