"""The Idempotency-Key header: a retried mutation is answered with the first response and writes once; a
key is per caller, reused for another body it is refused, and a twin racing the first is told to wait."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import httpx
import pytest
from neo4j import AsyncDriver

from graph.access import Role
from tests.api.writes import household_input, member, register
from tests.conftest import GraphQLPost
from tests.helpers import bearer, data_of, mint_token

pytestmark = pytest.mark.mutates

MEASURE = """
mutation($id: ID!, $description: String!) {
  recordMeasure(householdId: $id, kind: "EMPLOYMENT", year: 2019, description: $description) { description }
}"""


async def new_household(gql: GraphQLPost) -> str:
    return str(data_of(await register(gql, household_input(member("幂等户主", "户主"))))["registerHousehold"]["id"])


async def measures(driver: AsyncDriver, hid: str) -> int:
    records, _, _ = await driver.execute_query(
        "RETURN COUNT { (:Household {id: $id})-[:RECEIVED]->(:Measure) } AS n", {"id": hid}, routing_="r"
    )
    return int(records[0]["n"])


async def post(http: httpx.AsyncClient, variables: dict[str, Any], key: str | None, **headers: str) -> httpx.Response:
    if key is not None:
        headers["Idempotency-Key"] = key
    return await http.post("/graphql", json={"query": MEASURE, "variables": variables}, headers=headers)


async def test_a_retry_with_the_same_key_replays_the_first_response_and_writes_once(
    gql: GraphQLPost, http: httpx.AsyncClient, driver: AsyncDriver
) -> None:
    hid = await new_household(gql)
    key = secrets.token_hex(16)
    variables = {"id": hid, "description": "转移就业"}
    first = await post(http, variables, key)
    again = await post(http, variables, key)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and first.json()["data"] == {"recordMeasure": {"description": "转移就业"}}
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert await measures(driver, hid) == 1
    await post(http, variables, None)
    await post(http, variables, None)
    assert await measures(driver, hid) == 3  # without a key, every request writes


async def test_a_key_is_per_caller_and_bound_to_its_request(
    gql: GraphQLPost, http: httpx.AsyncClient, driver: AsyncDriver
) -> None:
    hid = await new_household(gql)
    key = secrets.token_hex(16)
    assert (await post(http, {"id": hid, "description": "甲"}, key)).status_code == 200
    reused = await post(http, {"id": hid, "description": "乙"}, key)
    assert reused.status_code == 422 and reused.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    other_admin = bearer(mint_token(Role.ADMIN, sub="another-admin"))
    assert (await post(http, {"id": hid, "description": "甲"}, key, **other_admin)).status_code == 200
    assert await measures(driver, hid) == 2
    malformed = await post(http, {"id": hid, "description": "丙"}, "k" * 201)
    assert malformed.status_code == 400


async def test_refusals_are_replayed_too(http: httpx.AsyncClient) -> None:
    key = secrets.token_hex(16)
    first = await post(http, {"id": "H-none", "description": "x"}, key)
    again = await post(http, {"id": "H-none", "description": "x"}, key)
    assert first.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"


async def test_parallel_twins_write_once(gql: GraphQLPost, http: httpx.AsyncClient, driver: AsyncDriver) -> None:
    hid = await new_household(gql)
    key = secrets.token_hex(16)
    responses = await asyncio.gather(*(post(http, {"id": hid, "description": "并发"}, key) for _ in range(6)))
    assert {r.status_code for r in responses} <= {200, 409}
    assert sum(1 for r in responses if r.status_code == 200 and "idempotent-replayed" not in r.headers) == 1
    assert await measures(driver, hid) == 1
