"""GraphQLApp's batching setting, on a tiny inline schema (no Neo4j)."""

from __future__ import annotations

from typing import Any

import httpx
import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.websockets import WebSocket

from api.graphql_http import GraphQLApp, response_media_type
from tests.helpers import error_codes


@strawberry.type
class Query:
    @strawberry.field
    def hello(self, name: str = "world") -> str:
        return f"hello {name}"


class NoContext:
    def context(self, request: Request | WebSocket | None = None, response: Response | None = None) -> Any:
        return None


async def post(max_batch_operations: int, payload: object) -> httpx.Response:
    app = Starlette(
        routes=[
            Route(
                "/graphql",
                GraphQLApp(strawberry.Schema(query=Query), graphql_ide=None, max_batch_operations=max_batch_operations),
            )
        ]
    )
    app.state.yimaqing = NoContext()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        return await client.post("/graphql", json=payload)


async def test_a_batch_within_the_setting_runs_each_request() -> None:
    response = await post(
        2, [{"query": "{ hello }"}, {"query": "query($n: String!) { hello(name: $n) }", "variables": {"n": "交口"}}]
    )
    assert response.status_code == 200
    assert response.json() == [{"data": {"hello": "hello world"}}, {"data": {"hello": "hello 交口"}}]


async def test_a_batch_over_the_setting_is_refused() -> None:
    response = await post(2, [{"query": "{ hello }"}] * 3)
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_REQUEST"]


async def test_batch_items_are_checked_like_single_requests() -> None:
    for payload in ([], [1], [{"query": "{ hello }", "variables": "x"}]):
        response = await post(2, payload)
        assert response.status_code == 400 and error_codes(response.json()) == ["BAD_REQUEST"], payload


async def test_zero_turns_batching_off() -> None:
    response = await post(0, [{"query": "{ hello }"}])
    assert response.status_code == 400 and error_codes(response.json()) == ["BAD_REQUEST"]


def test_response_media_type_follows_the_accept_header() -> None:
    assert response_media_type(None) == "application/json"
    assert response_media_type("*/*") == "application/json"
    assert response_media_type("application/graphql-response+json, application/json;q=0.9") == (
        "application/graphql-response+json"
    )
    assert response_media_type("application/json, application/graphql-response+json") == "application/json"
    assert response_media_type("application/graphql-response+json;q=0, application/json") == "application/json"
    assert response_media_type("text/html") == "application/json"
