"""The scan rate limit over real HTTP: RATE_LIMITED with 429 and Retry-After past the limit, allowed again
in the next window; unknown tokens count double; two servers on one Neo4j share the count."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from neo4j import AsyncDriver

from tests.helpers import error_codes, serve_app

SCAN = "query($token: String!) { scan(token: $token) { __typename } }"
LIMIT = 5
WINDOW_S = 4


@pytest.fixture(scope="module")
def limited_server(neo4j_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = {"SCAN_RATE_LIMIT": str(LIMIT), "SCAN_RATE_WINDOW_S": str(WINDOW_S), "AUDIT_FLUSH_S": "0.2"}
    with serve_app(neo4j_uri, tmp_path_factory.mktemp("limited"), **settings) as base_url:
        yield base_url


@pytest.fixture(scope="module")
async def token(driver: AsyncDriver) -> str:
    records, _, _ = await driver.execute_query(
        "MATCH (q:QrCode)-[:IDENTIFIES]->(:Village) WHERE q.revokedAt IS NULL RETURN q.token AS token LIMIT 1"
    )
    found: str = records[0]["token"]
    return found


async def _fresh_window(window_s: float = WINDOW_S, margin_s: float = 0.2) -> None:
    """Waits until a window has just begun (windows are aligned on multiples of their length)."""
    await asyncio.sleep(window_s - time.time() % window_s + margin_s)


async def _scan(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/graphql", json={"query": SCAN, "variables": {"token": token}})


async def test_past_the_limit_is_429_then_allowed_after_the_window(limited_server: str, token: str) -> None:
    async with httpx.AsyncClient(base_url=limited_server) as client:
        await _fresh_window()
        for _ in range(LIMIT):
            allowed = await _scan(client, token)
            assert allowed.status_code == 200 and allowed.json()["data"]["scan"] == {"__typename": "Village"}
        refused = await _scan(client, token)
        assert refused.status_code == 429
        assert error_codes(refused.json()) == ["RATE_LIMITED"]
        assert refused.json()["data"] == {"scan": None}
        retry_after = int(refused.headers["retry-after"])
        assert 1 <= retry_after <= WINDOW_S
        page = await client.get(f"/q/{token}")
        assert page.status_code == 429 and page.headers["retry-after"] and "扫码过于频繁" in page.text
        await asyncio.sleep(retry_after)
        assert (await _scan(client, token)).status_code == 200


async def test_unknown_tokens_count_double(limited_server: str, token: str) -> None:
    async with httpx.AsyncClient(base_url=limited_server) as client:
        await _fresh_window()
        for _ in range(2):  # 4 units
            assert (await _scan(client, secrets.token_urlsafe(18))).json()["data"] == {"scan": None}
        assert (await _scan(client, token)).status_code == 200  # 5 units
        assert (await _scan(client, token)).status_code == 429


async def test_two_servers_share_the_count(neo4j_uri: str, token: str, tmp_path: Path) -> None:
    window_s, limit = 12, 6
    settings = {
        "SCAN_RATE_LIMIT": str(limit),
        "SCAN_RATE_WINDOW_S": str(window_s),
        "AUDIT_FLUSH_S": "0.2",
        "AUDIT_SALT": "one-salt-for-both-workers",
    }
    with (
        serve_app(neo4j_uri, tmp_path / "a", **settings) as first_url,
        serve_app(neo4j_uri, tmp_path / "b", **settings) as second_url,
    ):
        async with httpx.AsyncClient(base_url=first_url) as first, httpx.AsyncClient(base_url=second_url) as second:
            await _fresh_window(window_s)
            for client in (first, second):
                for _ in range(limit // 2):
                    assert (await _scan(client, token)).status_code == 200
                await asyncio.sleep(1)  # both have synced their counts
            assert (await _scan(first, token)).status_code == 429
            assert (await _scan(second, token)).status_code == 429
