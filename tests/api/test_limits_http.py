"""Query limits over HTTP against the real server: abusive requests get their code, real ones pass."""

from __future__ import annotations

import pytest
from graphql import get_introspection_query

from api.app import query_limits
from api.settings import Settings, SettingsError
from schema.limits import QueryLimits
from tests.conftest import GraphQLPost
from tests.helpers import data_of, error_codes

CARD_PAGE = """query Cards($first: Int!) {
  households(first: $first) { edges { node { id headName members { name } village { name } industries { name } } } }
}"""
NESTED_PAGES = """{ industries { drivenHouseholds(first: 100) { edges { node {
  village { households(first: 100) { edges { node { id } } } }
} } } } }"""
# Ten levels, the root field being level 1, with pages of one so that the query is cheap.
DEPTH_10 = """{ households(first: 1) { edges { node { village { township {
  households(first: 1) { edges { node { village { name } } } }
} } } } } }"""
DEPTH_11 = DEPTH_10.replace("village { name }", "village { township { name } }")


def _aliases(count: int) -> str:
    return "{ " + " ".join(f"a{i}: county {{ name }}" for i in range(count)) + " }"


async def test_a_page_of_100_household_cards_passes_and_reports_its_cost(gql: GraphQLPost) -> None:
    body = await gql(CARD_PAGE, {"first": 100})
    edges = data_of(body)["households"]["edges"]
    assert len(edges) == 100 and all(edge["node"]["members"] for edge in edges)
    assert body["extensions"]["cost"] == 2301


async def test_100_by_100_by_100_nested_items_are_too_costly(gql: GraphQLPost) -> None:
    body = await gql(NESTED_PAGES)
    assert error_codes(body) == ["QUERY_TOO_COSTLY"]
    assert body["errors"][0]["extensions"]["cost"] > 10_000
    assert body["extensions"]["cost"] == body["errors"][0]["extensions"]["cost"]
    assert body.get("data") is None


async def test_depth_10_passes_and_11_is_refused(gql: GraphQLPost) -> None:
    assert data_of(await gql(DEPTH_10))["households"]["edges"]
    body = await gql(DEPTH_11)
    assert error_codes(body) == ["QUERY_TOO_DEEP"]
    assert body["errors"][0]["extensions"]["maxDepth"] == 10


async def test_15_aliases_pass_and_16_are_refused(gql: GraphQLPost) -> None:
    assert len(data_of(await gql(_aliases(15)))) == 15
    assert error_codes(await gql(_aliases(16))) == ["TOO_MANY_ALIASES"]


async def test_aliases_in_a_fragment_count_each_time_it_is_spread(gql: GraphQLPost) -> None:
    fields = " ".join(f"a{i}: county {{ name }}" for i in range(8))
    body = await gql(f"query {{ ...F ...F }} fragment F on Query {{ {fields} }}")
    assert error_codes(body) == ["TOO_MANY_ALIASES"]


async def test_2000_tokens_pass_and_2001_are_refused(gql: GraphQLPost) -> None:
    def coverage(codes: int) -> str:  # 12 tokens around the list of codes
        return "{ coverage(industryCodes: [" + ' "FUNGI"' * codes + " ]) { households } }"

    assert data_of(await gql(coverage(1988)))["coverage"]["households"] > 0
    assert error_codes(await gql(coverage(1989))) == ["TOO_MANY_TOKENS"]


async def test_recursive_fragments_are_refused(gql: GraphQLPost) -> None:
    body = await gql(
        "{ county { ...A } } fragment A on County { townships { ...B } } fragment B on Township { villages { township { ...B } } }"
    )
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_the_introspection_query_passes_in_development(gql: GraphQLPost) -> None:
    body = await gql(get_introspection_query(descriptions=True, specified_by_url=True))
    types = {t["name"] for t in data_of(body)["__schema"]["types"]}
    assert {"Household", "HouseholdConnection", "Query"} <= types
    assert "cost" not in body.get("extensions", {})


async def test_a_syntax_error_has_a_code(gql: GraphQLPost) -> None:
    assert error_codes(await gql("{ county { name ")) == ["GRAPHQL_PARSE_FAILED"]


def test_limits_and_read_timeout_are_settings() -> None:
    settings = Settings.from_env(
        {
            "MAX_QUERY_DEPTH": "12",
            "MAX_QUERY_ALIASES": "0",
            "MAX_QUERY_TOKENS": "500",
            "MAX_QUERY_COST": "50000",
            "READ_TIMEOUT_S": "2.5",
        }
    )
    assert query_limits(settings) == QueryLimits(max_depth=12, max_aliases=None, max_tokens=500, max_cost=50_000)
    assert settings.read_timeout_s == 2.5
    assert query_limits(Settings.from_env({})) == QueryLimits()
    assert Settings.from_env({}).read_timeout_s == 10.0


@pytest.mark.parametrize(
    ("key", "value"),
    [("MAX_QUERY_DEPTH", "-1"), ("MAX_QUERY_COST", "lots"), ("READ_TIMEOUT_S", "soon"), ("READ_TIMEOUT_S", "inf")],
)
def test_bad_limit_settings_name_key_and_value(key: str, value: str) -> None:
    with pytest.raises(SettingsError, match=key):
        Settings.from_env({key: value})
