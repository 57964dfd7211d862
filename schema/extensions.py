"""Schema extensions: client errors keep their code; everything else is masked and logged. Parsing is
cached, and a document that does not parse is reported like any other client error."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import ParserCache, SchemaExtension

from graph.errors import AccessDenied, FilterTooLarge, ReadTimeout
from schema.errors import ClientError
from schema.limits import TOO_MANY_TOKENS, is_token_limit_error

log = logging.getLogger("yimaqing.errors")

INTERNAL_MESSAGE = "Internal server error"


def _client_code(error: GraphQLError) -> str | None:
    """The code of an error the client caused, or None for an internal one."""
    original = error.original_error
    if original is None:
        # Raised by graphql-core itself while parsing, validating or coercing the request.
        if isinstance(error, GraphQLSyntaxError):
            return TOO_MANY_TOKENS if is_token_limit_error(error) else "GRAPHQL_PARSE_FAILED"
        existing = (error.extensions or {}).get("code")
        if isinstance(existing, str):
            return existing
        return "GRAPHQL_VALIDATION_FAILED" if error.nodes else "BAD_USER_INPUT"
    if isinstance(original, ClientError):
        return original.code
    if isinstance(original, ReadTimeout):
        return "TIMEOUT"
    if isinstance(original, AccessDenied):
        return "FORBIDDEN"
    if isinstance(original, FilterTooLarge | UnicodeEncodeError):
        return "BAD_USER_INPUT"
    if isinstance(original, GraphQLError) and original.original_error is None and error.path is None:
        # Input coercion (a wrong type for an argument or variable) wraps a plain GraphQLError; one with a
        # path was raised while serializing our own output, which is our fault, not the client's.
        return "BAD_USER_INPUT"
    return None


class ReportingParserCache(ParserCache):
    """ParserCache, except that a document it cannot parse is left to Strawberry, which parses it again
    and returns the syntax error as the request's result. (ParserCache raises from its hook, which skips
    the extensions that give errors their code.)"""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        except GraphQLSyntaxError:
            context.graphql_document = None
        yield


class ErrorCodes(SchemaExtension):
    """Gives every error an `extensions.code`; masks internal errors as INTERNAL_SERVER_ERROR with a
    request id that is also logged (with the stack trace), so no Cypher or trace reaches a client."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        result.errors = [self._process(error) for error in result.errors]

    def _process(self, error: GraphQLError) -> GraphQLError:
        code = _client_code(error)
        if code is not None:
            extensions = {**(error.extensions or {}), "code": code}
            message = error.message
            if isinstance(error.original_error, UnicodeEncodeError):
                # The codec's message quotes the offending text; say what is wrong instead.
                message = "a string is not valid Unicode (it holds a lone surrogate)"
            return GraphQLError(
                message,
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                original_error=None,
                extensions=extensions,
            )
        request_id = uuid.uuid4().hex
        log.error("internal error %s at %s", request_id, error.path, exc_info=error.original_error)
        return GraphQLError(
            INTERNAL_MESSAGE,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )


class RoundTrips(SchemaExtension):
    """Reports how many Cypher round trips the request cost, in `extensions.roundTrips`."""

    def get_results(self) -> dict[str, object]:
        context = self.execution_context.context
        graph = getattr(context, "graph", None)
        return {"roundTrips": graph.round_trips} if graph is not None else {}
