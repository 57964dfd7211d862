"""GraphQL over HTTP against the real server: every refusal is a 4xx with a coded GraphQL error body."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.settings import Settings
from tests.helpers import data_of, error_codes

JSON = {"content-type": "application/json"}
GRAPHQL_RESPONSE = {"content-type": "application/json", "accept": "application/graphql-response+json"}
MAX_BODY_BYTES = Settings().max_body_bytes  # the server runs with the defaults


def refusal(response: httpx.Response, status: int) -> str:
    """The one error code of a refused request, after checking its status and that the body is JSON."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert "data" not in body
    [code] = error_codes(body)
    return code


async def post(http: httpx.AsyncClient, payload: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return await http.post("/graphql", content=json.dumps(payload).encode(), headers=headers or JSON)


async def test_unknown_operation_name(http: httpx.AsyncClient) -> None:
    response = await post(http, {"query": "query A { __typename }", "operationName": "B"})
    assert refusal(response, 400) == "OPERATION_NOT_FOUND"


async def test_several_operations_and_no_operation_name(http: httpx.AsyncClient) -> None:
    response = await post(http, {"query": "query A { __typename } query B { county { name } }"})
    assert refusal(response, 400) == "OPERATION_NOT_FOUND"
    chosen = await post(http, {"query": "query A { __typename } query B { __typename }", "operationName": "B"})
    assert data_of(chosen.json()) == {"__typename": "Query"}


async def test_a_document_without_operations(http: httpx.AsyncClient) -> None:
    response = await post(http, {"query": "fragment F on Query { __typename }"})
    assert refusal(response, 400) == "OPERATION_NOT_FOUND"


@pytest.mark.parametrize("body", [b"", b"  \n"], ids=["empty", "blank"])
async def test_empty_body(http: httpx.AsyncClient, body: bytes) -> None:
    response = await http.post("/graphql", content=body, headers=JSON)
    assert refusal(response, 400) == "BAD_REQUEST"


@pytest.mark.parametrize(
    "body", [b'{"query": "{ county { name } ', b'{"query": "{ county { name } }"', b"\xff\xfe{}"], ids=str
)
async def test_truncated_or_malformed_json(http: httpx.AsyncClient, body: bytes) -> None:
    response = await http.post("/graphql", content=body, headers=JSON)
    assert refusal(response, 400) == "BAD_REQUEST"


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1", None]
)
async def test_wrong_content_type(http: httpx.AsyncClient, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await http.post("/graphql", content=b'{"query": "{ __typename }"}', headers=headers)
    assert refusal(response, 415) == "UNSUPPORTED_MEDIA_TYPE"


async def test_a_batch_is_refused_while_batching_is_off(http: httpx.AsyncClient) -> None:
    response = await post(http, [{"query": "{ __typename }"}, {"query": "{ county { name } }"}])
    assert refusal(response, 400) == "BAD_REQUEST"
    assert "Batching is off" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "payload",
    [
        {"query": 1},
        {"query": "{ __typename }", "operationName": 0},
        {"query": "{ __typename }", "variables": "{}"},
        {"query": "{ __typename }", "extensions": []},
        {"notquery": "{ __typename }"},
        "{ __typename }",
    ],
    ids=str,
)
async def test_malformed_request_parameters(http: httpx.AsyncClient, payload: object) -> None:
    assert refusal(await post(http, payload), 400) == "BAD_REQUEST"


async def test_other_methods_are_refused(http: httpx.AsyncClient) -> None:
    response = await http.put("/graphql", content=b'{"query": "{ __typename }"}', headers=JSON)
    assert refusal(response, 405) == "METHOD_NOT_ALLOWED"
    assert response.headers["allow"] == "GET, POST"


async def test_get_queries_work(http: httpx.AsyncClient) -> None:
    response = await http.get(
        "/graphql",
        params={"query": "query($code: ID!) { industry(code: $code) { name } }", "variables": '{"code": "FUNGI"}'},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 200
    assert data_of(response.json())["industry"]["name"]


async def test_mutations_over_get_are_refused(http: httpx.AsyncClient) -> None:
    # The schema has no mutations yet; the method is checked before the document is validated.
    response = await http.get("/graphql", params={"query": "mutation { __typename }"})
    assert refusal(response, 405) == "METHOD_NOT_ALLOWED"
    assert response.headers["allow"] == "POST"


async def test_graphql_response_json_is_a_4xx_without_data_for_request_errors(http: httpx.AsyncClient) -> None:
    for query, variables, code in [
        ("{", None, "GRAPHQL_PARSE_FAILED"),
        ("{ county { nope } }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("query($y: Int!) { projectPipeline(year: $y) { declared } }", {"y": "twenty"}, "BAD_USER_INPUT"),
    ]:
        response = await post(http, {"query": query, "variables": variables}, GRAPHQL_RESPONSE)
        assert response.headers["content-type"].startswith("application/graphql-response+json")
        assert response.status_code == 400, response.text
        assert "data" not in response.json()
        assert error_codes(response.json()) == [code]


async def test_graphql_response_json_keeps_200_once_execution_started(http: httpx.AsyncClient) -> None:
    response = await post(http, {"query": "{ households(first: 101) { totalCount } }"}, GRAPHQL_RESPONSE)
    assert response.status_code == 200
    body = response.json()
    assert "data" in body and error_codes(body) == ["BAD_USER_INPUT"]


async def test_application_json_keeps_request_errors_at_200(http: httpx.AsyncClient) -> None:
    response = await post(http, {"query": "{"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["data"] is None and error_codes(response.json()) == ["GRAPHQL_PARSE_FAILED"]


def oversized_body() -> bytes:
    padding = b"x" * (MAX_BODY_BYTES + 1)
    return b'{"query": "{ __typename }", "extensions": {"padding": "' + padding + b'"}}'


async def test_a_body_over_the_limit_with_content_length(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", content=oversized_body(), headers=JSON)
    assert refusal(response, 413) == "PAYLOAD_TOO_LARGE"
    assert response.json()["errors"][0]["extensions"]["maxBytes"] == MAX_BODY_BYTES


async def test_a_chunked_body_over_the_limit(http: httpx.AsyncClient) -> None:
    body = oversized_body()

    async def chunks() -> AsyncIterator[bytes]:  # no content-length: the bytes received are counted
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    request = http.build_request("POST", "/graphql", content=chunks(), headers=JSON)
    assert "content-length" not in request.headers and request.headers["transfer-encoding"] == "chunked"
    response = await http.send(request)  # read in full: a reset connection would raise here
    assert refusal(response, 413) == "PAYLOAD_TOO_LARGE"
    # The rest of the body was read and discarded, so the connection still serves requests.
    assert response.headers.get("connection") != "close"
    assert data_of((await post(http, {"query": "{ __typename }"})).json()) == {"__typename": "Query"}


async def test_a_body_at_the_limit_is_served(http: httpx.AsyncClient) -> None:
    head, tail = b'{"query": "{ __typename }", "extensions": {"padding": "', b'"}}'
    body = head + b"x" * (MAX_BODY_BYTES - len(head) - len(tail)) + tail
    assert len(body) == MAX_BODY_BYTES
    response = await http.post("/graphql", content=body, headers=JSON)
    assert data_of(response.json()) == {"__typename": "Query"}
