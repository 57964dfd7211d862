"""Relay pagination both ways, with filters and sort orders, checked against what the pages return."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.conftest import GraphQLPost
from tests.helpers import data_of, error_codes

PAGE = """
query($code: ID!, $first: Int, $after: String, $last: Int, $before: String, $filter: HouseholdFilter,
      $orderBy: HouseholdOrder) {
  village(code: $code) {
    households(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id headName size incomePerCapita status registeredPoor } }
    }
  }
}"""


async def _village(gql: GraphQLPost) -> str:
    data = data_of(await gql('{ township(code: "141130200000") { villages { code } } }'))
    code: str = data["township"]["villages"][1]["code"]
    return code


async def _walk(gql: GraphQLPost, code: str, backward: bool, **variables: Any) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    cursor = None
    while True:
        page_args = {"last": 23, "before": cursor} if backward else {"first": 23, "after": cursor}
        connection = data_of(await gql(PAGE, {"code": code, **page_args, **variables}))["village"]["households"]
        edges = [edge["node"] for edge in connection["edges"]]
        nodes = edges + nodes if backward else nodes + edges
        info = connection["pageInfo"]
        if not (info["hasPreviousPage"] if backward else info["hasNextPage"]):
            return nodes
        cursor = info["startCursor"] if backward else info["endCursor"]


async def test_backward_walk_sees_the_same_households_as_forward(gql: GraphQLPost) -> None:
    code = await _village(gql)
    forward = await _walk(gql, code, backward=False)
    backward = await _walk(gql, code, backward=True)
    assert [n["id"] for n in forward] == [n["id"] for n in backward]
    assert len(forward) > 23


async def test_every_order_is_a_stable_total_order(gql: GraphQLPost) -> None:
    code = await _village(gql)
    for order, key, descending in (
        ("HEAD_NAME", "headName", False),
        ("INCOME_DESC", "incomePerCapita", True),
        ("INCOME_ASC", "incomePerCapita", False),
        ("SIZE_DESC", "size", True),
    ):
        forward = await _walk(gql, code, backward=False, orderBy=order)
        backward = await _walk(gql, code, backward=True, orderBy=order)
        assert [n["id"] for n in forward] == [n["id"] for n in backward], order
        values = [Decimal(n[key]) if key == "incomePerCapita" else n[key] for n in forward]
        assert values == sorted(values, reverse=descending), order
        assert len({n["id"] for n in forward}) == len(forward)


async def test_page_flags_and_cursors(gql: GraphQLPost) -> None:
    code = await _village(gql)
    first = data_of(await gql(PAGE, {"code": code, "first": 5}))["village"]["households"]
    assert first["pageInfo"]["hasPreviousPage"] is False and first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["startCursor"] == first["edges"][0]["cursor"]
    last = data_of(await gql(PAGE, {"code": code, "last": 5}))["village"]["households"]
    assert last["pageInfo"]["hasPreviousPage"] is True and last["pageInfo"]["hasNextPage"] is False
    between = data_of(
        await gql(
            PAGE,
            {
                "code": code,
                "first": 100,
                "after": first["pageInfo"]["endCursor"],
                "before": last["pageInfo"]["startCursor"],
            },
        )
    )["village"]["households"]
    assert len(between["edges"]) == min(100, first["totalCount"] - 10)
    ids = [e["node"]["id"] for e in between["edges"]]
    assert first["edges"][-1]["node"]["id"] < ids[0] and ids[-1] < last["edges"][0]["node"]["id"]


async def test_bad_page_arguments(gql: GraphQLPost) -> None:
    code = await _village(gql)
    for variables in ({"first": 5, "last": 5}, {"last": 101}, {"first": -1}, {"last": 1, "before": "abc"}):
        body = await gql(PAGE, {"code": code, **variables})
        assert error_codes(body) == ["BAD_USER_INPUT"], variables


async def test_filters_compose(gql: GraphQLPost) -> None:
    code = await _village(gql)

    async def count(filter_: dict[str, Any]) -> int:
        total: int = data_of(await gql(PAGE, {"code": code, "first": 0, "filter": filter_}))["village"]["households"][
            "totalCount"
        ]
        return total

    everyone = await count({})
    poor = await count({"registeredPoor": True})
    assert 0 < poor < everyone
    assert await count({"NOT": {"registeredPoor": True}}) == everyone - poor
    assert await count({"OR": [{"registeredPoor": True}, {"NOT": {"registeredPoor": True}}]}) == everyone
    by_status = {s: await count({"status": s}) for s in ("NOT_POOR", "POOR", "EXITED", "MONITORED")}
    assert sum(by_status.values()) == everyone
    assert await count({"statusIn": ["POOR", "EXITED"]}) == by_status["POOR"] + by_status["EXITED"]
    assert (
        await count({"AND": [{"registeredPoor": True}, {"drivenByEnterprise": False}]})
        + await count({"registeredPoor": True, "drivenByEnterprise": True})
        == poor
    )


async def test_income_range_filter_holds_for_every_household(gql: GraphQLPost) -> None:
    code = await _village(gql)
    nodes = await _walk(
        gql, code, backward=False, filter={"incomePerCapitaMin": "4000.00", "incomePerCapitaMax": "9000"}
    )
    assert nodes
    assert all(Decimal("4000") <= Decimal(n["incomePerCapita"]) <= Decimal("9000") for n in nodes)


async def test_filter_nesting_is_bounded(gql: GraphQLPost) -> None:
    code = await _village(gql)
    deep: dict[str, Any] = {"registeredPoor": True}
    for _ in range(5):
        deep = {"NOT": deep}
    assert error_codes(await gql(PAGE, {"code": code, "filter": deep})) == ["BAD_USER_INPUT"]


async def test_money_filters_refuse_floats(gql: GraphQLPost) -> None:
    code = await _village(gql)
    body = await gql(PAGE, {"code": code, "filter": {"incomePerCapitaMin": 4000.5}})
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_projects_page_backward_by_performance(gql: GraphQLPost) -> None:
    query = """query($last: Int, $before: String) { projects(filter: {year: 2018, stageIn: [RESERVE, IMPLEMENTED]},
      orderBy: PERFORMANCE_DESC, last: $last, before: $before) { totalCount pageInfo { hasPreviousPage startCursor }
      edges { node { code performanceScore stage } } } }"""
    scores: list[float] = []
    cursor = None
    while True:
        connection = data_of(await gql(query, {"last": 100, "before": cursor}))["projects"]
        scores = [e["node"]["performanceScore"] for e in connection["edges"]] + scores
        assert {e["node"]["stage"] for e in connection["edges"]} <= {"RESERVE", "IMPLEMENTED"}
        if not connection["pageInfo"]["hasPreviousPage"]:
            break
        cursor = connection["pageInfo"]["startCursor"]
    assert len(scores) == connection["totalCount"] == 503 + 379
    assert scores == sorted(scores, reverse=True)
