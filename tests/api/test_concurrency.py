"""Ten parallel registerHousehold calls with the same head create exactly one household; parallel
registrations of different heads in one village get distinct ids."""

from __future__ import annotations

import asyncio

import pytest
from neo4j import AsyncDriver

from tests.api.writes import VILLAGE, fresh_id, household_input, member, register
from tests.conftest import GraphQLPost
from tests.helpers import data_of

pytestmark = pytest.mark.mutates


async def test_ten_parallel_registrations_of_one_head_make_one_household(gql: GraphQLPost, driver: AsyncDriver) -> None:
    head = fresh_id()
    payload = household_input(member("并发户主", "户主", head), member("并发成员", "之女", fresh_id(False)))
    bodies = await asyncio.gather(*(register(gql, payload) for _ in range(10)))
    ids = {data_of(body)["registerHousehold"]["id"] for body in bodies}
    assert len(ids) == 1
    records, _, _ = await driver.execute_query(
        "MATCH (p:Person {idNumber: $head}) "
        "RETURN count(p) AS people, COUNT { (p)-[:MEMBER_OF]->(:Household) } AS households",
        {"head": head},
        routing_="r",
    )
    assert (records[0]["people"], records[0]["households"]) == (1, 1)


async def test_parallel_registrations_in_one_village_get_distinct_ids(gql: GraphQLPost, driver: AsyncDriver) -> None:
    bodies = await asyncio.gather(*(register(gql, household_input(member(f"户主{n}", "户主"))) for n in range(8)))
    ids = [data_of(body)["registerHousehold"]["id"] for body in bodies]
    assert len(set(ids)) == 8 and all(i.startswith("H" + VILLAGE) for i in ids)
    records, _, _ = await driver.execute_query(
        "UNWIND $ids AS id MATCH (h:Household {id: id}) RETURN count(h) AS n", {"ids": ids}, routing_="r"
    )
    assert records[0]["n"] == 8
