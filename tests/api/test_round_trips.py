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
    # their industries, claims, policies: one query per level and relationship, at most 12 whatever the
    # number of households (a loader shared by two levels batches them together when they meet in one tick).
    assert few <= 12
    assert many <= 12


async def test_driven_households_are_not_fetched_one_by_one(gql: GraphQLPost) -> None:
    body = await gql(
        """{ industries { code drivenHouseholds(first: 30) { edges { enterprise { name } node { village { name } } } } } }"""
    )
    industries = data_of(body)["industries"]
    assert len(industries) >= 11
    assert body["extensions"]["roundTrips"] <= 5


async def test_filters_sorting_and_aggregates_stay_bounded(gql: GraphQLPost) -> None:
    query = """query($first: Int!) {
      villages(first: $first, orderBy: POOR_HOUSEHOLDS_DESC, filter: {OR: [{townshipCode: "141130200000"}, {poorHouseholdsMin: 1}]}) {
        totalCount
        edges { node { name township { name }
          households(first: 5, orderBy: INCOME_DESC, filter: {AND: [{registeredPoor: true}, {NOT: {status: MONITORED}}]}) {
            totalCount edges { node { incomePerCapita industries { coverage { poorShare } } } } }
          projects(first: 3) { totalCount edges { node { funds { amount } } } } } } }
    }"""
    few = await gql(query, {"first": 3})
    many = await gql(query, {"first": 40})
    assert len(data_of(many)["villages"]["edges"]) == 40
    assert few["extensions"]["roundTrips"] <= 12
    assert many["extensions"]["roundTrips"] <= 12
