"""Session fixtures: a real Neo4j (TEST_NEO4J_URI, or a throwaway local one on a free port), the demo county
seeded once, and the real app served by uvicorn in a child process on a free port.

The server verifies tokens signed with tests.helpers.TEST_JWT_SECRET. `http` and `gql` ask as an ADMIN
unless told otherwise: `gql(query, variables, as_viewer=Viewer(Role.CADRE, "c1", frozenset({code})))`,
`as_viewer=Viewer.anonymous()` for no credentials; `anonymous_http` is a client that sends none."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from neo4j import AsyncDriver

from graph.access import Role, Viewer
from graph.constraints import migrate
from graph.driver import Graph, open_driver
from graph.local_neo4j import LocalNeo4j, free_port
from graph.places import county_exists
from seeds import seed_demo_county
from tests.helpers import bearer, mint_token, serve_app, token_for

ROOT = Path(__file__).resolve().parent.parent

GraphQLPost = Callable[..., Awaitable[dict[str, Any]]]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that write to the shared demo county run last, so that every read-only test (the article's
    figures among them) sees the county as seeded. A stable sort keeps each group's order."""
    items.sort(key=lambda item: item.get_closest_marker("mutates") is not None)


@pytest.fixture(scope="session")
def neo4j_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("TEST_NEO4J_URI")
    if configured:
        yield configured
        return
    local = LocalNeo4j(data_dir=tmp_path_factory.mktemp("neo4j"), port=free_port(), heap_mb=1024, pagecache_mb=256)
    asyncio.run(local.start())
    try:
        yield local.uri
    finally:
        local.stop()


def _auth() -> tuple[str | None, str | None]:
    return os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD")


@pytest.fixture(scope="session")
async def driver(neo4j_uri: str) -> AsyncIterator[AsyncDriver]:
    user, password = _auth()
    neo4j_driver = open_driver(neo4j_uri, user, password)
    try:
        await neo4j_driver.verify_connectivity()
        await migrate(neo4j_driver)
        yield neo4j_driver
    finally:
        await neo4j_driver.close()


@pytest.fixture(scope="session")
async def demo_county(driver: AsyncDriver) -> Graph:
    """The demo county with the default seed and size, seeded once per session (kept if already there)."""
    graph = Graph(driver)
    if not await graph.read(county_exists):
        await seed_demo_county(driver)
    return graph


@pytest.fixture(scope="session")
def server(neo4j_uri: str, demo_county: Graph, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app, served by `yimaqing serve` in a child process; yields its base URL. Scans are not
    rate limited here (tests/api/test_rate_limit.py starts its own server)."""
    with serve_app(neo4j_uri, tmp_path_factory.mktemp("server"), SCAN_RATE_LIMIT="0") as base_url:
        yield base_url


@pytest.fixture(scope="session")
async def http(server: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client that sends an ADMIN's Bearer token with every request (valid for the whole session)."""
    token = mint_token(Role.ADMIN, sub="test-admin", ttl_s=24 * 3600)
    async with httpx.AsyncClient(base_url=server, timeout=30, headers=bearer(token)) as client:
        yield client


@pytest.fixture(scope="session")
async def anonymous_http(server: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client that sends no credentials."""
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def gql(http: httpx.AsyncClient, anonymous_http: httpx.AsyncClient) -> GraphQLPost:
    """POST a GraphQL request over HTTP as an ADMIN, or `as_viewer`; returns the JSON body. Fails on
    transport errors only. Other keywords go into the request body (`operationName`, `extensions`)."""

    async def post(
        query: str, variables: dict[str, Any] | None = None, *, as_viewer: Viewer | None = None, **extra: Any
    ) -> dict[str, Any]:
        payload = {"query": query, "variables": variables or {}, **extra}
        if as_viewer is None:
            response = await http.post("/graphql", json=payload)
        elif as_viewer.role is Role.ANONYMOUS:
            response = await anonymous_http.post("/graphql", json=payload)
        else:
            response = await http.post("/graphql", json=payload, headers=bearer(token_for(as_viewer)))
        body: dict[str, Any] = response.json()
        return body

    return post
