"""Helpers of the day-to-day mutation tests (status, membership, corrections, projects, pairing): a fresh
household to change, raw reads, the latest Change of a household, refusals, and the callers who may not."""

from __future__ import annotations

import json
from typing import Any, LiteralString

from neo4j import AsyncDriver

from graph.access import Role, Viewer
from tests.api.writes import VILLAGE, household_input, member, register
from tests.conftest import GraphQLPost
from tests.helpers import data_of

OTHER_TOWNSHIP_VILLAGE = "141130100200"
FAR_CADRE = Viewer(Role.CADRE, sub="far-cadre", villages=frozenset({OTHER_TOWNSHIP_VILLAGE}))
NEAR_CADRE = Viewer(Role.CADRE, sub="near-cadre", villages=frozenset({VILLAGE}))
ANALYST = Viewer(Role.ANALYST, sub="analyst")


async def new_household(gql: GraphQLPost, size: int = 3, poor: bool = False) -> str:
    """A household registered for the test in VILLAGE: a head and `size - 1` children."""
    members = [member("测试户主", "户主")] + [member(f"成员{n}", "之子") for n in range(1, size)]
    extra: dict[str, Any] = {"registeredPoor": True, "status": "POOR"} if poor else {}
    return str(data_of(await register(gql, household_input(*members, **extra)))["registerHousehold"]["id"])


async def rows(driver: AsyncDriver, query: LiteralString, **params: Any) -> list[dict[str, Any]]:
    result = await driver.execute_query(query, params, routing_="r")
    return [dict(r) for r in result.records]


async def one(driver: AsyncDriver, query: LiteralString, **params: Any) -> dict[str, Any]:
    found = await rows(driver, query, **params)
    assert len(found) == 1, found
    return found[0]


async def latest_change(driver: AsyncDriver, household_id: str) -> dict[str, Any]:
    """The newest Change about a household: its action, by and fields (parsed)."""
    change = await one(
        driver,
        "MATCH (c:Change)-[:ABOUT]->(:Household|DeregisteredHousehold {id: $id}) "
        "WITH c ORDER BY c.id DESC LIMIT 1 RETURN c.action AS action, c.by AS by, c.fields AS fields",
        id=household_id,
    )
    return {**change, "fields": json.loads(change["fields"])}


async def change_count(driver: AsyncDriver, household_id: str) -> int:
    found = await one(
        driver,
        "MATCH (c:Change)-[:ABOUT]->(:Household|DeregisteredHousehold {id: $id}) RETURN count(c) AS n",
        id=household_id,
    )
    return int(found["n"])


def refusal(body: dict[str, Any]) -> tuple[str, str | None]:
    """The first error's code and field path, after checking that nothing was returned."""
    assert body.get("data") is None or not any(body["data"].values()), body
    error = body["errors"][0]
    return error["extensions"]["code"], error["extensions"].get("field")
