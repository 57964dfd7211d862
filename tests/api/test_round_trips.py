"""Cypher round trips per request are bounded by the query's depth, not by how many objects it returns."""

from __future__ import annotations

from tests.conftest import GraphQLPost
from tests.helpers import data_of

NESTED = """
query($first: Int!) {
  households(first: $first, filter: {registeredPoor: true, hasClaims: true}) {
    edges { node {
      id headName
      village { name township { name } }
      industries { code }
      drivenBy { mode incomeGain enterprise { name industry { code } } }
      claims { cost policy { name } }
    } }
  }
}"""


async def _round_trips(gql: GraphQLPost, first: int) -> tuple[int, int]:
    body = await gql(NESTED, {"first": first})
    households = data_of(body)["households"]["edges"]
    return body["extensions"]["roundTrips"], len(households)


async def test_round_trips_do_not_grow_with_the_number_of_households(gql: GraphQLPost) -> None:
    few, few_count = await _round_trips(gql, 10)
    many, many_count = await _round_trips(gql, 50)
    assert (few_count, many_count) == (10, 50)
    # households page, villages, townships, industries (codes + records), drive links, enterprises,
    # their industries, claims, policies: one query per level and relationship.
    assert many == few
    assert many <= 12


async def test_driven_households_are_not_fetched_one_by_one(gql: GraphQLPost) -> None:
    body = await gql(
        """{ industries { code drivenHouseholds(first: 30) { edges { enterprise { name } node { village { name } } } } } }"""
    )
    industries = data_of(body)["industries"]
    assert len(industries) >= 11
    assert body["extensions"]["roundTrips"] <= 5
