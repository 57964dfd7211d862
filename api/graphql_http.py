"""GraphQL over HTTP: Strawberry's ASGI view, held to the GraphQL over HTTP spec.

Every refusal is a GraphQL error body whose errors carry `extensions.code`, never plain text or a 5xx:
a body that is not JSON, empty, of another media type or a batch while batching is off is a 4xx before
execution. A client that accepts `application/graphql-response+json` gets it, and a 4xx for a request
that fails before execution (parse, validation, variable coercion), with no `data` entry; with
`application/json` such a failure stays a 200 with `"data": null`, as before."""

from __future__ import annotations

import itertools
import logging
import re
from typing import Any, Protocol

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.base import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult

from graph.access import Viewer
from schema.context import Context

log = logging.getLogger("yimaqing.http")

JSON = "application/json"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"

# The codes this module gives; the schema adds its own (BAD_USER_INPUT, GRAPHQL_VALIDATION_FAILED, ...).
BAD_REQUEST = "BAD_REQUEST"
OPERATION_NOT_FOUND = "OPERATION_NOT_FOUND"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
NOT_FOUND = "NOT_FOUND"
UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"

_CODE_BY_STATUS = {400: BAD_REQUEST, 404: NOT_FOUND, 405: METHOD_NOT_ALLOWED, 415: UNSUPPORTED_MEDIA_TYPE}

# Every named operation starts with one of these; a document that holds fewer than two cannot be ambiguous.
_OPERATION_KEYWORD = re.compile(r"\b(?:query|mutation|subscription)\b")
# The most tokens parsed to find the operations (the schema's own token limit is lower by default).
OPERATION_SCAN_MAX_TOKENS = 10_000


class RequestError(Exception):
    """A request refused before execution: an HTTP status, an `extensions.code` and a message."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


class ContextFactory(Protocol):
    """What the app's state offers the view (`AppState` in api/app.py)."""

    def context(self, request: Request | WebSocket | None = None, response: Response | None = None) -> Context: ...


class DocumentPolicy(Protocol):
    """Which documents a caller may run, and the text of a document named by its hash
    (api/trusted_documents.py); raises RequestError to refuse."""

    def resolve(self, data: GraphQLRequestData, viewer: Viewer) -> GraphQLRequestData: ...


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI app, with our per-request context (fresh loaders, counted round trips) and the
    GraphQL over HTTP rules above; `max_batch_operations` > 0 accepts a JSON array of that many requests."""

    def __init__(
        self,
        schema: BaseSchema,
        *,
        max_batch_operations: int = 0,
        documents: DocumentPolicy | None = None,
        **options: Any,
    ) -> None:
        super().__init__(schema, **options)
        self.max_batch_operations = max_batch_operations
        self.documents = documents

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        try:
            response = await self.run(request)
        except RequestError as error:
            response = self._error_response(request, error)
        except HTTPException as error:  # raised by Strawberry where we override nothing
            code = _CODE_BY_STATUS.get(error.status_code, BAD_REQUEST)
            headers = {"Allow": "GET, POST"} if error.status_code == 405 else None
            response = self._error_response(request, RequestError(error.status_code, code, error.reason, headers))
        except ClientDisconnect:  # the client went away mid-body: nobody to answer
            log.info("client disconnected before its request was read")
            return
        await response(scope, receive, send)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A GET naming a trusted document by its hash has no `query` either, but is a request, not the IDE.
        return super().should_render_graphql_ide(request) and request.query_params.get("extensions") is None

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        state: ContextFactory = request.app.state.yimaqing
        return state.context(request, response if isinstance(response, Response) else None)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        # Read back by create_response, which is not given the request.
        sub_response.media_type = response_media_type(request.headers.get("accept"))
        return sub_response

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData | list[GraphQLRequestData]:
        if request.method == "GET":
            data = await super().parse_http_body(request)
            assert isinstance(data, GraphQLRequestData)  # query parameters hold one request
            return data
        media_type, params = parse_content_type(request.content_type or "")
        media_type = media_type.lower()  # media types are case-insensitive (RFC 9110)
        if media_type == "multipart/form-data" and self.multipart_uploads_enabled:
            return await super().parse_http_body(request)
        if media_type != JSON or params.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
            raise RequestError(
                415,
                UNSUPPORTED_MEDIA_TYPE,
                f"A GraphQL POST must have content-type {JSON} (utf-8), not {request.content_type or 'none'!r}",
            )
        body = await request.get_body()
        if not body.strip():
            raise RequestError(400, BAD_REQUEST, "The request body is empty: expected a JSON object")
        payload = self.parse_json(body)
        if not isinstance(payload, list):
            return _request_data(payload)
        if self.max_batch_operations <= 0:
            raise RequestError(400, BAD_REQUEST, "Batching is off: send one GraphQL request (a JSON object)")
        if not 0 < len(payload) <= self.max_batch_operations:
            raise RequestError(
                400, BAD_REQUEST, f"A batch holds 1 to {self.max_batch_operations} requests, not {len(payload)}"
            )
        return [_request_data(item) for item in payload]

    def parse_json(self, data: str | bytes) -> Any:
        try:
            return self.decode_json(data)
        except (ValueError, RecursionError) as error:  # JSONDecodeError, UnicodeDecodeError, nesting
            raise RequestError(400, BAD_REQUEST, f"Malformed JSON: {error}") from None

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        if self.documents is not None:
            request_data = self.documents.resolve(request_data, context.viewer)
        if request_data.operation_name is None and request_data.query is not None:
            _require_single_operation(request_data.query)
        try:
            return await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        except HTTPException as error:
            cause = error.__cause__
            if isinstance(cause, CannotGetOperationTypeError):
                raise RequestError(400, OPERATION_NOT_FOUND, _operation_not_found(cause)) from None
            if isinstance(cause, InvalidOperationTypeError):
                kind = cause.operation_type.value.capitalize()
                raise RequestError(
                    405, METHOD_NOT_ALLOWED, f"{kind} operations are not allowed over GET: use POST", {"Allow": "POST"}
                ) from None
            if isinstance(cause, MissingQueryError):
                raise RequestError(400, BAD_REQUEST, "The request has no GraphQL query") from None
            raise

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        response_data = await super().process_result(request, result)
        if response_media_type(request.headers.get("accept")) == GRAPHQL_RESPONSE_JSON and _failed_before_execution(
            result
        ):
            # A request error: no `data` entry, which create_response turns into a 4xx.
            del response_data["data"]
        return response_data

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type == GRAPHQL_RESPONSE_JSON:
            response.headers["content-type"] = GRAPHQL_RESPONSE_JSON
            if isinstance(response_data, dict) and "data" not in response_data and not sub_response.status_code:
                response.status_code = 500 if _has_code(response_data, INTERNAL_SERVER_ERROR) else 400
        return response

    def _error_response(self, request: Request, error: RequestError) -> Response:
        body = {"errors": [{"message": error.message, "extensions": {"code": error.code}}]}
        media_type = response_media_type(request.headers.get("accept"))
        return JSONResponse(body, status_code=error.status, headers=error.headers, media_type=media_type)


def response_media_type(accept: str | None) -> str:
    """The media type to answer with: the first of the two JSON types the Accept header lists, else
    application/json (also for a missing header, `*/*`, or types we do not serve)."""
    for item in (accept or "").split(","):
        media_type, params = parse_content_type(item.strip() or "*/*")
        if params.get("q") in ("0", "0.0", "0.00", "0.000"):
            continue
        if media_type == GRAPHQL_RESPONSE_JSON:
            return GRAPHQL_RESPONSE_JSON
        if media_type in (JSON, "application/*", "*/*"):
            return JSON
    return JSON


def _request_data(item: object) -> GraphQLRequestData:
    if not isinstance(item, dict):
        raise RequestError(400, BAD_REQUEST, "A GraphQL request must be a JSON object")
    query, variables = item.get("query"), item.get("variables")
    operation_name, extensions = item.get("operationName"), item.get("extensions")
    if not isinstance(query, str | None):
        raise RequestError(400, BAD_REQUEST, "`query` must be a string")
    if not isinstance(variables, dict | None):
        raise RequestError(400, BAD_REQUEST, "`variables` must be an object or null")
    if not isinstance(operation_name, str | None):
        raise RequestError(400, BAD_REQUEST, "`operationName` must be a string or null")
    if not isinstance(extensions, dict | None):
        raise RequestError(400, BAD_REQUEST, "`extensions` must be an object or null")
    return GraphQLRequestData(query=query, variables=variables, operation_name=operation_name, extensions=extensions)


def _require_single_operation(query: str) -> None:
    """Refuses a document with several operations and no `operationName`: Strawberry would run the
    first, the spec wants a request error. Parses only documents that may hold several."""
    if sum(1 for _ in itertools.islice(_OPERATION_KEYWORD.finditer(query), 2)) < 2:
        return
    try:
        document = parse(
            query,
            no_location=True,
            max_lexical_tokens=OPERATION_SCAN_MAX_TOKENS,
            max_comments=OPERATION_SCAN_MAX_TOKENS,
        )
    except GraphQLError:  # a syntax error, or too long: the schema reports it
        return
    operations = [node for node in document.definitions if isinstance(node, OperationDefinitionNode)]
    # An anonymous operation among others is the schema's validation error (LoneAnonymousOperation).
    if len(operations) > 1 and all(node.name is not None for node in operations):
        names = ", ".join(node.name.value for node in operations if node.name is not None)
        raise RequestError(
            400,
            OPERATION_NOT_FOUND,
            f"The document holds {len(operations)} operations ({names}): name the one to run in `operationName`",
        )


def _operation_not_found(error: CannotGetOperationTypeError) -> str:
    if error.operation_name is None:
        return "The document holds no operation, or several: name the one to run in `operationName`"
    return f"The document holds no operation named {error.operation_name!r}"


def _failed_before_execution(result: ExecutionResult) -> bool:
    """Parse, validation and variable coercion errors: no data, and no error is located on a field."""
    errors = result.errors or []
    return result.data is None and bool(errors) and all(error.path is None for error in errors)


def _has_code(response_data: GraphQLHTTPResponse, code: str) -> bool:
    for error in response_data.get("errors") or []:
        if isinstance(error, dict) and (error.get("extensions") or {}).get("code") == code:
            return True
    return False
