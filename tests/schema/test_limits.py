"""Query limits against the schema object: every rejection happens before execution, so no database."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from graphql import FragmentDefinitionNode, get_introspection_query, get_operation_ast, parse, validate

from schema.build import build_schema
from schema.limits import QueryLimits, query_cost, validation_rules

SCHEMA = build_schema()

CARD_PAGE = "{ households(first: 100) { edges { node { id headName members { name } village { name } industries { name } } } } }"
# Every industry × 100 driven households × their village's 100 households: 100 × 100 × 100 objects and more.
NESTED_PAGES = """{ industries { drivenHouseholds(first: 100) { edges { node {
  village { households(first: 100) { edges { node { id } } } }
} } } } }"""


def _nested(depth: int) -> str:
    """A query `depth` levels deep, the root field being level 1: county, townships, villages, township..."""
    fields = ["county", "townships"] + ["villages", "township"] * depth
    return "{ " + " { ".join(fields[: depth - 1]) + " { name" + " }" * (depth - 1) + " }"


def _aliases(count: int) -> str:
    return "{ " + " ".join(f"a{i}: county {{ name }}" for i in range(count)) + " }"


def _codes(result: strawberry.types.ExecutionResult) -> list[str]:
    return [(error.extensions or {}).get("code", "") for error in result.errors or []]


def _validation_codes(query: str, limits: QueryLimits | None = None) -> list[str]:
    errors = validate(SCHEMA._schema, parse(query), validation_rules(limits or QueryLimits()))
    return [(error.extensions or {}).get("code", "") for error in errors]


def _cost(query: str, variables: dict[str, Any] | None = None) -> int:
    document = parse(query)
    operation = get_operation_ast(document)
    assert operation is not None
    assert validate(SCHEMA._schema, document) == []
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return query_cost(SCHEMA._schema, operation, fragments, variables or {})


# Depth


def test_nested_counts_the_root_field_as_level_one() -> None:
    assert _validation_codes(_nested(10)) == []
    assert _validation_codes("{ county { name } }", QueryLimits(max_depth=2)) == []
    assert _validation_codes("{ county { name } }", QueryLimits(max_depth=1)) == ["QUERY_TOO_DEEP"]


async def test_a_query_deeper_than_10_is_refused() -> None:
    result = await SCHEMA.execute(_nested(11))
    assert _codes(result) == ["QUERY_TOO_DEEP"]
    assert result.errors and result.errors[0].extensions == {"code": "QUERY_TOO_DEEP", "depth": 11, "maxDepth": 10}
    assert result.data is None


async def test_depth_follows_fragments() -> None:
    query = "{ county { ...T } } fragment T on County { townships { villages { township { villages { township { villages { township { villages { township { name } } } } } } } } } }"
    assert _codes(await SCHEMA.execute(query)) == ["QUERY_TOO_DEEP"]


def test_depth_limit_can_be_turned_off() -> None:
    assert _validation_codes(_nested(11), QueryLimits(max_depth=None)) == []


# Aliases


def test_15_aliases_pass_and_16_are_refused() -> None:
    assert _validation_codes(_aliases(15)) == []
    assert _validation_codes(_aliases(16)) == ["TOO_MANY_ALIASES"]


async def test_aliases_inside_fragments_count_wherever_they_are_spread() -> None:
    fields = " ".join(f"a{i}: county {{ name }}" for i in range(8))
    query = (
        f"query {{ ...F x: county {{ ...G }} }} fragment F on Query {{ {fields} }} fragment G on County {{ n: name }}"
    )
    assert _validation_codes(query) == []  # 8 + 1 + 1
    twice = f"query {{ ...F ...F }} fragment F on Query {{ {fields} }}"
    result = await SCHEMA.execute(twice)
    assert _codes(result) == ["TOO_MANY_ALIASES"]
    assert result.errors and result.errors[0].extensions == {
        "code": "TOO_MANY_ALIASES",
        "aliases": 16,
        "maxAliases": 15,
    }


# Tokens


async def test_more_than_2000_tokens_are_refused() -> None:
    result = await SCHEMA.execute("{ county { " + "name " * 1997 + "} }")  # 3 + 1997 + 2 tokens
    assert _codes(result) == ["TOO_MANY_TOKENS"]


async def test_comments_do_not_get_around_the_token_limit() -> None:
    result = await SCHEMA.execute("{ county { name } }\n" + "# padding\n" * 2001)
    assert _codes(result) == ["TOO_MANY_TOKENS"]


async def test_syntax_errors_have_a_code() -> None:
    assert _codes(await SCHEMA.execute("{ county { name ")) == ["GRAPHQL_PARSE_FAILED"]


# Cost


def test_a_page_of_100_household_cards_costs_2301() -> None:
    # 1 connection + 100 × (edge + household + 10 members + village + 10 industries)
    assert _cost(CARD_PAGE) == 1 + 100 * (1 + 1 + 10 + 1 + 10)
    assert _cost(CARD_PAGE) <= QueryLimits().max_cost  # type: ignore[operator]


async def test_100_by_100_by_100_nested_items_are_refused_with_their_cost() -> None:
    result = await SCHEMA.execute(NESTED_PAGES)
    assert _codes(result) == ["QUERY_TOO_COSTLY"]
    cost = 20 * (1 + 1 + 100 * (1 + 1 + 1 + 1 + 100 * (1 + 1)))
    assert result.errors and result.errors[0].extensions == {
        "code": "QUERY_TOO_COSTLY",
        "cost": cost,
        "maxCost": 10_000,
    }
    assert result.extensions == {"cost": cost, "masked": []}
    assert result.data is None


def test_page_size_comes_from_first_its_variable_or_its_default() -> None:
    query = "query($n: Int) { households(first: $n) { edges { node { id } } } }"
    assert _cost(query, {"n": 5}) == 1 + 5 * 2
    assert _cost(query) == 1 + 20 * 2
    assert _cost("query($n: Int = 7) { households(first: $n) { edges { node { id } } } }") == 1 + 7 * 2
    assert _cost("{ households { edges { node { id } } } }") == 1 + 20 * 2
    # A larger page is refused when it resolves; the cost counts the largest allowed.
    assert _cost("{ households(first: 1000) { edges { node { id } } } }") == 1 + 100 * 2


def test_only_edges_are_multiplied_by_the_page() -> None:
    query = """{ households(first: 30) { ...Page } }
    fragment Page on HouseholdConnection { edges { node { id } } pageInfo { hasNextPage } totalCount }"""
    assert _cost(query) == 1 + 30 * 2 + 1


def test_scalars_and_unions_and_plain_lists() -> None:
    assert _cost("{ county { name households } }") == 1
    assert _cost("{ county { townships { villages { name } } } }") == 1 + 10 * (1 + 30)
    hits = '{ search(text: "李", first: 10) { ... on Household { members { name } } ... on Village { name } } }'
    assert _cost(hits) == 10 * (1 + 10)
    assert _cost('{ node(id: "H1") { id ... on Household { members { name } } } }') == 1 + 10


async def test_cost_limit_is_a_setting() -> None:
    schema = build_schema(QueryLimits(max_cost=40))
    result = await schema.execute("{ households(first: 20) { edges { node { id } } } }")
    assert _codes(result) == ["QUERY_TOO_COSTLY"]
    assert result.extensions == {"cost": 41, "masked": []}


# Introspection, fragments, production


async def test_the_introspection_query_is_exempt_from_depth_and_cost() -> None:
    query = get_introspection_query(descriptions=True)
    assert _validation_codes(query, QueryLimits(max_depth=3)) == []
    result = await build_schema(QueryLimits(max_depth=3, max_cost=1)).execute(query)
    assert result.errors is None
    assert result.data is not None and result.data["__schema"]["queryType"]["name"] == "Query"
    assert "cost" not in (result.extensions or {})


async def test_introspection_mixed_with_data_is_not_exempt() -> None:
    query = '{ county { name } __type(name: "Household") { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } }'
    assert _codes(await SCHEMA.execute(query)) == ["QUERY_TOO_DEEP"]


async def test_recursive_fragments_are_refused() -> None:
    query = "{ county { ...A } } fragment A on County { name townships { ...B } } fragment B on Township { villages { township { ...B } } }"
    result = await SCHEMA.execute(query)
    assert _codes(result) == ["GRAPHQL_VALIDATION_FAILED"]
    assert result.errors and "within itself" in result.errors[0].message


async def test_production_turns_off_introspection_and_field_suggestions() -> None:
    production = build_schema(production=True)
    assert set(_codes(await production.execute("{ __schema { queryType { name } } }"))) == {"GRAPHQL_VALIDATION_FAILED"}
    result = await production.execute("{ countyy { name } }")
    assert result.errors and "Did you mean" not in result.errors[0].message
    development = await SCHEMA.execute("{ countyy { name } }")
    assert development.errors and "Did you mean 'county'" in development.errors[0].message


@pytest.mark.parametrize("limits", [QueryLimits(), QueryLimits(max_depth=None, max_aliases=None)])
def test_rules_are_the_same_classes_every_time_so_validation_is_cached(limits: QueryLimits) -> None:
    assert validation_rules(limits) is validation_rules(QueryLimits(**vars(limits)))
