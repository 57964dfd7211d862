"""Household.history: one Change per mutation, newest first, keyset-paged; who, when, what before and after;
imports record file and row; only administrators and in-scope cadres may read it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from graph.access import Role, Viewer
from graph.driver import Graph
from graph.history import ChangeEntry, change, record_changes
from tests.api.writes import VILLAGE, household_input, member, register
from tests.conftest import GraphQLPost
from tests.helpers import data_of, error_codes

pytestmark = pytest.mark.mutates

HISTORY = """
query($id: ID!, $first: Int, $after: String) {
  household(id: $id) {
    history(first: $first, after: $after) {
      totalCount
      edges { cursor node { at by action fields file row } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""

INCOME = """
mutation($id: ID!) {
  recordIncome(householdId: $id, income: {year: 2019, wage: "900.00", operating: "0", property: "0", transfer: "0"}) {
    id
  }
}"""
ENROL = 'mutation($id: ID!) { enrol(householdId: $id, policyCode: "YBT", year: 2019) { id } }'


async def history(gql: GraphQLPost, hid: str, **variables: Any) -> dict[str, Any]:
    return dict(data_of(await gql(HISTORY, {"id": hid, **variables}))["household"]["history"])


async def test_each_mutation_records_who_what_and_each_field_newest_first(gql: GraphQLPost) -> None:
    started = datetime.datetime.now(datetime.UTC)
    hid = data_of(await register(gql, household_input(member("史一", "户主"))))["registerHousehold"]["id"]
    data_of(await gql(INCOME, {"id": hid}))
    data_of(await gql(ENROL, {"id": hid}))
    data_of(await gql(INCOME, {"id": hid}))  # the same values again: nothing changed, nothing recorded

    trail = await history(gql, hid)
    nodes = [edge["node"] for edge in trail["edges"]]
    assert trail["totalCount"] == 3
    assert [n["action"] for n in nodes] == ["enrol", "recordIncome", "registerHousehold"]
    assert {n["by"] for n in nodes} == {"test-admin"}
    assert all(
        started <= datetime.datetime.fromisoformat(n["at"]) <= datetime.datetime.now(datetime.UTC) for n in nodes
    )
    assert nodes[2]["fields"]["headName"] == {"before": None, "after": "史一"}
    assert nodes[2]["fields"]["villageCode"] == {"before": None, "after": VILLAGE}
    assert nodes[1]["fields"]["income.wage"] == {"before": None, "after": "900.00"}
    assert nodes[1]["fields"]["income.netPerCapita"] == {"before": None, "after": "900.00"}
    assert nodes[0]["fields"] == {"coverage.YBT.2019": {"before": None, "after": {"premium": "16.00"}}}

    changed = {"year": 2019, "wage": "1000.00", "operating": "0", "property": "0", "transfer": "0"}
    mutation = "mutation($id: ID!, $i: IncomeInput!) { recordIncome(householdId: $id, income: $i) { id } }"
    data_of(await gql(mutation, {"id": hid, "i": changed}))
    newest = (await history(gql, hid, first=1))["edges"][0]["node"]
    assert newest["fields"]["income.wage"] == {"before": "900.00", "after": "1000.00"}


async def test_history_pages_by_cursor(gql: GraphQLPost) -> None:
    hid = data_of(await register(gql, household_input(member("史二", "户主"))))["registerHousehold"]["id"]
    data_of(await gql(INCOME, {"id": hid}))
    data_of(await gql(ENROL, {"id": hid}))
    first = await history(gql, hid, first=2)
    assert [e["node"]["action"] for e in first["edges"]] == ["enrol", "recordIncome"]
    assert first["pageInfo"]["hasNextPage"]
    rest = await history(gql, hid, first=2, after=first["pageInfo"]["endCursor"])
    assert [e["node"]["action"] for e in rest["edges"]] == ["registerHousehold"]
    assert not rest["pageInfo"]["hasNextPage"]
    assert error_codes(await gql(HISTORY, {"id": hid, "after": "bogus"})) == ["BAD_USER_INPUT"]


async def test_imports_record_their_file_and_row(gql: GraphQLPost, demo_county: Graph) -> None:
    hid = data_of(await register(gql, household_input(member("史三", "户主"))))["registerHousehold"]["id"]

    async def imported(tx: Any) -> None:
        entry = ChangeEntry(hid, "import", "importRow", {"status": change("NOT_POOR", "POOR")}, "登记表.csv", 12)
        await record_changes(tx, [entry])

    await demo_county.write(imported)
    newest = (await history(gql, hid, first=1))["edges"][0]["node"]
    assert (newest["action"], newest["by"], newest["file"], newest["row"]) == ("importRow", "import", "登记表.csv", 12)


async def test_only_administrators_and_cadres_in_scope_read_history(gql: GraphQLPost) -> None:
    hid = data_of(await register(gql, household_input(member("史四", "户主"))))["registerHousehold"]["id"]
    serving = Viewer(Role.CADRE, sub="serving-cadre", villages=frozenset({VILLAGE}))
    body = await gql(HISTORY, {"id": hid}, as_viewer=serving)
    assert data_of(body)["household"]["history"]["totalCount"] == 1
    for viewer in (Viewer(Role.CADRE, sub="far", villages=frozenset({"141130100200"})), Viewer(Role.ANALYST, sub="a")):
        body = await gql(HISTORY, {"id": hid}, as_viewer=viewer)
        assert "FORBIDDEN" in error_codes(body) or not body["data"]["household"]["history"]["edges"], body
