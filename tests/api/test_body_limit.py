"""The body limit middleware and the HTTP settings, on tiny inline apps (no Neo4j)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.body_limit import BodyLimit
from api.settings import Settings, SettingsError


def echo_app(max_bytes: int, drain_bytes: int = 100) -> Starlette:
    async def echo(request: Request) -> Response:
        return JSONResponse({"received": len(await request.body())})

    return Starlette(
        routes=[Route("/", echo, methods=["POST"])],
        middleware=[Middleware(BodyLimit, max_bytes=max_bytes, drain_bytes=drain_bytes)],
    )


async def post(app: Starlette, content: bytes | AsyncIterator[bytes]) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        return await client.post("/", content=content)


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_a_body_at_the_limit_passes() -> None:
    response = await post(echo_app(10), b"x" * 10)
    assert response.json() == {"received": 10}


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_body_over_the_limit_is_413(chunked: bool) -> None:
    content = chunks(b"x" * 6, b"x" * 6, b"x" * 6) if chunked else b"x" * 18
    response = await post(echo_app(10), content)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"] == {"code": "PAYLOAD_TOO_LARGE", "maxBytes": 10}
    assert "connection" not in response.headers  # drained: the connection can carry the next request


async def test_a_body_over_the_drain_cap_closes_the_connection() -> None:
    response = await post(echo_app(10, drain_bytes=20), chunks(*[b"x" * 8] * 5))
    assert response.status_code == 413
    assert response.headers["connection"] == "close"


async def test_zero_turns_the_limit_off() -> None:
    response = await post(echo_app(0), b"x" * 1000)
    assert response.json() == {"received": 1000}


def test_settings_read_the_http_limits() -> None:
    defaults = Settings.from_env({})
    assert (defaults.max_body_bytes, defaults.max_batch_operations) == (1_048_576, 0)
    settings = Settings.from_env(
        {"MAX_BODY_BYTES": "2048", "MAX_BODY_DRAIN_BYTES": "4096", "MAX_BATCH_OPERATIONS": "5"}
    )
    assert (settings.max_body_bytes, settings.max_body_drain_bytes, settings.max_batch_operations) == (2048, 4096, 5)
    with pytest.raises(SettingsError, match="MAX_BODY_BYTES"):
        Settings.from_env({"MAX_BODY_BYTES": "-1"})
