"""Errors of the routes other than /graphql, in the GraphQL error shape every client already reads:
`{"errors": [{"message": ..., "extensions": {"code": ...}}]}`."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

# Codes of the statuses Starlette itself answers (no route, wrong method, a malformed form...).
STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, **extensions: Any
) -> JSONResponse:
    body = {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}
    return JSONResponse(body, status_code=status, headers=headers)


async def http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (404 for no route, 405, a malformed multipart body) as JSON errors."""
    assert isinstance(exc, HTTPException)
    code = STATUS_CODES.get(exc.status_code, "BAD_REQUEST" if exc.status_code < 500 else "INTERNAL_SERVER_ERROR")
    return error_response(exc.status_code, code, str(exc.detail), headers=dict(exc.headers or {}))
