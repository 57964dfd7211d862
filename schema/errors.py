"""Errors a client can cause: each carries an `extensions.code`. Anything else is masked."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError


class ClientError(GraphQLError):
    code = "BAD_USER_INPUT"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": self.code, **extensions})


class BadUserInput(ClientError):
    code = "BAD_USER_INPUT"


class NotFound(ClientError):
    code = "NOT_FOUND"


class Forbidden(ClientError):
    code = "FORBIDDEN"


class Conflict(ClientError):
    code = "CONFLICT"
