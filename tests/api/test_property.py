"""Property-based: queries generated from the served schema never cause an internal error.

A bounded number of examples in the test command; `PROPERTY_EXAMPLES=5000 make soak` runs many more."""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest
from graphql import StringValueNode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import queries

from schema.build import print_sdl

# Valid values for our custom scalars, as GraphQL literals.
SCALARS: dict[str, Any] = {
    "Decimal": st.decimals(min_value=0, max_value=100000, places=2).map(lambda d: StringValueNode(value=str(d))),
    "Date": st.dates().map(lambda d: StringValueNode(value=d.isoformat())),
}

ALLOWED_CODES = {
    "BAD_USER_INPUT",
    "GRAPHQL_VALIDATION_FAILED",
    "QUERY_TOO_DEEP",
    "TOO_MANY_ALIASES",
    "TOO_MANY_TOKENS",
    "QUERY_TOO_COSTLY",
    "NOT_FOUND",
    "FORBIDDEN",  # the client sends no credentials: entry points closed to anonymous callers say so
}


@pytest.fixture(scope="module")
def client(server: str) -> Any:
    with httpx.Client(base_url=server, timeout=60) as http:
        yield http


def check(client: httpx.Client, query: str) -> None:
    response = client.post("/graphql", json={"query": query})
    assert response.status_code < 500, (query, response.text[:500])
    body = response.json()
    for error in body.get("errors", []):
        code = error.get("extensions", {}).get("code")
        assert code != "INTERNAL_SERVER_ERROR", (query, error)
        assert code in ALLOWED_CODES, (query, error)


@settings(
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=os.environ.get("PROPERTY_EXAMPLES") is None,
)
@given(query=queries(print_sdl(), custom_scalars=SCALARS, allow_x00=False))
def test_generated_queries_never_fail_internally(client: httpx.Client, query: str) -> None:
    check(client, query)
