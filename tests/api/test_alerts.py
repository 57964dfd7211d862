"""Alerts over HTTP: the paged, filtered list and its counts against raw Cypher; a household's alerts; the
subject union; acknowledging and resolving with history and permissions; re-evaluation after writes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from neo4j import AsyncDriver
from neo4j.exceptions import ConstraintError

from graph.access import Role, Viewer
from graph.alerts import evaluate_county, refresh_alerts
from graph.driver import Graph
from tests.api.writes import VILLAGE, household_input, member, register
from tests.conftest import GraphQLPost
from tests.helpers import data_of, error_codes

TOWNSHIP = VILLAGE[:9] + "000"
ALERT_FIELDS = "id rule severity state facts raisedAt history { state at note by }"
LIST = (
    """query($filter: AlertFilter, $first: Int, $after: String) {
  alerts(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { """
    + ALERT_FIELDS
    + """ subject { __typename ... on Household { id } ... on Project { code } } } }
  }
}"""
)
HOUSEHOLD_ALERTS = (
    "query($id: ID!, $state: AlertState) { household(id: $id) { alerts(state: $state) { " + ALERT_FIELDS + " } } }"
)
ACKNOWLEDGE = "mutation($id: ID!, $note: String) { acknowledgeAlert(id: $id, note: $note) { " + ALERT_FIELDS + " } }"
RESOLVE = "mutation($id: ID!, $note: String) { resolveAlert(id: $id, note: $note) { " + ALERT_FIELDS + " } }"
INCOME = "mutation($id: ID!, $income: IncomeInput!) { recordIncome(householdId: $id, income: $income) { id } }"

# Listed alerts, independently: their subject still on the registry, its place read through the graph.
LISTED = """
MATCH (a:Alert)-[:ABOUT]->(s)
WHERE (s:Household OR s:Project) AND ($rule IS NULL OR a.rule = $rule)
OPTIONAL MATCH (s)-[:IN|LOCATED_IN]->(v:Village)-[:IN]->(vt:Township)
OPTIONAL MATCH (s)-[:LOCATED_IN]->(t:Township)
WITH a, v.code AS village, coalesce(vt.code, t.code) AS township
WHERE ($township IS NULL OR township = $township) AND ($village IS NULL OR village = $village)
RETURN a.id AS id, a.raisedAt.epochMillis AS raised"""


async def listed(
    driver: AsyncDriver, rule: str | None, township: str | None = None, village: str | None = None
) -> list[dict[str, Any]]:
    records, _, _ = await driver.execute_query(LISTED, rule=rule, township=township, village=village)
    return [dict(r) for r in records]


@pytest.fixture(scope="module")
async def evaluated(demo_county: Graph, driver: AsyncDriver) -> AsyncDriver:
    await evaluate_county(driver)
    return driver


async def test_paging_through_a_rule_gives_every_alert_once_newest_first(
    gql: GraphQLPost, evaluated: AsyncDriver
) -> None:
    expected = await listed(evaluated, "UNSAFE_HOUSING")
    seen: list[dict[str, Any]] = []
    after = None
    while True:
        page = data_of(await gql(LIST, {"filter": {"rule": "UNSAFE_HOUSING"}, "first": 100, "after": after}))["alerts"]
        assert page["totalCount"] == len(expected)
        seen += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(expected) > 100
    assert {a["id"] for a in seen} == {r["id"] for r in expected}
    raised = {r["id"]: r["raised"] for r in expected}
    keys = [(raised[a["id"]], a["id"]) for a in seen]
    assert keys == sorted(keys, reverse=True)
    assert all(a["rule"] == "UNSAFE_HOUSING" and a["subject"]["__typename"] == "Household" for a in seen)
    assert all(a["history"][0]["state"] == "OPEN" and a["history"][0]["by"] == "early-warning rules" for a in seen)


async def test_place_filters_count_what_the_graph_places_say(gql: GraphQLPost, evaluated: AsyncDriver) -> None:
    for rule in ("MEMBER_UNINSURED", "PROJECT_OVERDUE", None):
        in_township = await listed(evaluated, rule, township=TOWNSHIP)
        body = await gql(LIST, {"filter": {"rule": rule, "townshipCode": TOWNSHIP}, "first": 0})
        assert data_of(body)["alerts"]["totalCount"] == len(in_township)
    in_village = await listed(evaluated, None, village=VILLAGE)
    page = data_of(await gql(LIST, {"filter": {"villageCode": VILLAGE}, "first": 100}))["alerts"]
    assert page["totalCount"] == len(in_village) > 0
    assert {e["node"]["id"] for e in page["edges"]} <= {r["id"] for r in in_village}


async def test_project_alerts_name_their_project(gql: GraphQLPost, evaluated: AsyncDriver) -> None:
    records, _, _ = await evaluated.execute_query(
        "MATCH (a:Alert {rule: 'PROJECT_OVERDUE'})-[:ABOUT]->(p:Project) WHERE a.state <> 'RESOLVED' "
        "RETURN p.code AS code, p.deadline AS deadline"
    )
    page = data_of(await gql(LIST, {"filter": {"rule": "PROJECT_OVERDUE", "state": "OPEN"}, "first": 100}))["alerts"]
    deadlines = {r["code"]: r["deadline"].iso_format() for r in records}
    assert page["totalCount"] > 0
    for edge in page["edges"]:
        node = edge["node"]
        assert node["subject"]["__typename"] == "Project"
        assert node["facts"]["deadline"] == deadlines[node["subject"]["code"]]


async def test_a_households_alerts_by_state(gql: GraphQLPost, evaluated: AsyncDriver) -> None:
    records, _, _ = await evaluated.execute_query(
        "MATCH (h:Household) WHERE h.housingGrade = 'D' AND NOT h.relocated "
        "RETURN h.id AS id, COLLECT { MATCH (a:Alert)-[:ABOUT]->(h) RETURN a.rule } AS rules ORDER BY id LIMIT 1"
    )
    household, rules = records[0]["id"], records[0]["rules"]
    every = data_of(await gql(HOUSEHOLD_ALERTS, {"id": household}))["household"]["alerts"]
    assert sorted(a["rule"] for a in every) == sorted(rules)
    unsafe = [a for a in every if a["rule"] == "UNSAFE_HOUSING"]
    assert unsafe and unsafe[0]["severity"] == "CRITICAL" and unsafe[0]["facts"]["housingGrade"] == "D"
    resolved = data_of(await gql(HOUSEHOLD_ALERTS, {"id": household, "state": "RESOLVED"}))["household"]["alerts"]
    assert all(a["state"] == "RESOLVED" for a in resolved)


async def test_bad_page_arguments_and_ids(gql: GraphQLPost, evaluated: AsyncDriver) -> None:
    assert error_codes(await gql(LIST, {"first": 101})) == ["BAD_USER_INPUT"]
    assert error_codes(await gql(LIST, {"after": "not-a-cursor"})) == ["BAD_USER_INPUT"]
    body = await gql(ACKNOWLEDGE, {"id": "H0:UNSAFE_HOUSING:1"})
    assert error_codes(body) == ["NOT_FOUND"] and body["errors"][0]["extensions"]["field"] == "id"


async def test_only_an_admin_or_a_cadre_in_scope_may_act(gql: GraphQLPost, evaluated: AsyncDriver) -> None:
    records, _, _ = await evaluated.execute_query(
        "MATCH (a:Alert {state: 'OPEN'}) WHERE a.villageCode <> $village RETURN a.id AS id LIMIT 1", village=VILLAGE
    )
    elsewhere = records[0]["id"]
    cadre = Viewer(Role.CADRE, "cadre-here", frozenset({VILLAGE}))
    for viewer in (cadre, Viewer(Role.ANALYST, "analyst"), Viewer.anonymous()):
        for mutation in (ACKNOWLEDGE, RESOLVE):
            assert error_codes(await gql(mutation, {"id": elsewhere}, as_viewer=viewer)) == ["FORBIDDEN"]
    state, _, _ = await evaluated.execute_query("MATCH (a:Alert {id: $id}) RETURN a.state AS state", id=elsewhere)
    assert state[0]["state"] == "OPEN"


async def _uninsured_alert(gql: GraphQLPost) -> tuple[str, str]:
    """A new household of VILLAGE (its members' insurance not recorded) and the alert that raises."""
    household = data_of(await register(gql, household_input(member("预警户主", "户主"))))["registerHousehold"]["id"]
    alerts = data_of(await gql(HOUSEHOLD_ALERTS, {"id": household, "state": "OPEN"}))["household"]["alerts"]
    [alert] = [a for a in alerts if a["rule"] == "MEMBER_UNINSURED"]
    assert alert["facts"] == {"uninsuredMembers": 1, "members": 1}
    return household, alert["id"]


@pytest.mark.mutates
async def test_acknowledge_then_resolve_keeps_the_history(gql: GraphQLPost, driver: AsyncDriver) -> None:
    _, alert = await _uninsured_alert(gql)
    cadre = Viewer(Role.CADRE, "cadre-of-the-village", frozenset({VILLAGE}))
    acknowledged = data_of(await gql(ACKNOWLEDGE, {"id": alert, "note": "已入户核实"}, as_viewer=cadre))
    node = acknowledged["acknowledgeAlert"]
    assert node["state"] == "ACKNOWLEDGED"
    assert [(e["state"], e["by"], e["note"]) for e in node["history"]][1:] == [
        ("ACKNOWLEDGED", "cadre-of-the-village", "已入户核实")
    ]
    township_cadre = Viewer(Role.CADRE, "township-cadre", townships=frozenset({TOWNSHIP}))
    resolved = data_of(await gql(RESOLVE, {"id": alert, "note": "已参保"}, as_viewer=township_cadre))["resolveAlert"]
    assert resolved["state"] == "RESOLVED"
    assert [e["state"] for e in resolved["history"]] == ["OPEN", "ACKNOWLEDGED", "RESOLVED"]
    assert resolved["history"][-1]["by"] == "township-cadre"
    body = await gql(ACKNOWLEDGE, {"id": alert})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "resolved and cannot be acknowledged" in body["errors"][0]["message"]
    assert error_codes(await gql(RESOLVE, {"id": alert})) == ["BAD_USER_INPUT"]
    stored, _, _ = await driver.execute_query(
        "MATCH (a:Alert {id: $id})-[:HAS_EVENT]->(e) RETURN a.state AS state, count(e) AS events", id=alert
    )
    assert (stored[0]["state"], stored[0]["events"]) == ("RESOLVED", 3)


@pytest.mark.mutates
async def test_writes_re_evaluate_the_household(gql: GraphQLPost, driver: AsyncDriver) -> None:
    household, _ = await _uninsured_alert(gql)
    records, _, _ = await driver.execute_query(
        "MATCH (i:Income) WITH max(i.year) AS y MATCH (l:PovertyLine {year: y}) "
        "RETURN y AS year, l.amountFen AS line, l.monitoringLineFen AS monitoring"
    )
    year, line, monitoring = records[0]["year"], records[0]["line"], records[0]["monitoring"]

    async def income(fen: int) -> list[dict[str, Any]]:
        yuan = f"{fen // 100}.{fen % 100:02d}"
        payload = {"year": year, "wage": yuan, "operating": "0", "property": "0", "transfer": "0"}
        data_of(await gql(INCOME, {"id": household, "income": payload}))
        alerts = data_of(await gql(HOUSEHOLD_ALERTS, {"id": household}))["household"]["alerts"]
        return [a for a in alerts if a["rule"] == "INCOME_BELOW_MONITORING_LINE"]

    [low] = await income(line - 100)
    assert (low["state"], low["severity"]) == ("OPEN", "CRITICAL")
    assert low["facts"]["incomePerCapita"] == f"{(line - 100) / 100:.2f}"
    data_of(await gql(ACKNOWLEDGE, {"id": low["id"]}))
    [lower] = await income(line - 200)  # still below: the same alert, still acknowledged, with the new facts
    assert (lower["id"], lower["state"]) == (low["id"], "ACKNOWLEDGED")
    assert lower["facts"]["incomePerCapita"] == f"{(line - 200) / 100:.2f}"
    [cleared] = await income(monitoring + 100)
    assert cleared["state"] == "RESOLVED"
    assert cleared["history"][-1]["note"] == "resolved automatically: the rule no longer holds"
    again = await income(monitoring - 100)  # holds anew: a second alert
    assert sorted(a["state"] for a in again) == ["OPEN", "RESOLVED"]
    assert {a["id"].rsplit(":", 1)[1] for a in again} == {"1", "2"}


@pytest.mark.mutates
async def test_a_resolved_alert_stays_resolved_until_its_facts_change(gql: GraphQLPost, demo_county: Graph) -> None:
    household, alert = await _uninsured_alert(gql)
    data_of(await gql(RESOLVE, {"id": alert, "note": "家属在外地参保"}))
    await demo_county.write(refresh_alerts, [household])
    alerts = data_of(await gql(HOUSEHOLD_ALERTS, {"id": household}))["household"]["alerts"]
    assert [(a["id"], a["state"]) for a in alerts if a["rule"] == "MEMBER_UNINSURED"] == [(alert, "RESOLVED")]


@pytest.mark.mutates
async def test_one_unresolved_alert_per_rule_and_subject(gql: GraphQLPost, driver: AsyncDriver) -> None:
    household, alert = await _uninsured_alert(gql)
    key, _, _ = await driver.execute_query("MATCH (a:Alert {id: $id}) RETURN a.openKey AS key", id=alert)
    with pytest.raises(ConstraintError):
        await driver.execute_query("CREATE (:Alert {openKey: $key})", key=key[0]["key"])
    # As if it had never been evaluated: concurrent refreshes then raise it once.
    await driver.execute_query("MATCH (a:Alert {id: $id}) DETACH DELETE a", id=alert)
    graph = Graph(driver)
    await asyncio.gather(*(graph.write(refresh_alerts, [household]) for _ in range(5)))
    records, _, _ = await driver.execute_query(
        "MATCH (a:Alert {subject: $id, rule: 'MEMBER_UNINSURED'}) RETURN a.state AS state, a.facts AS facts",
        id=household,
    )
    assert [(r["state"], json.loads(r["facts"])) for r in records] == [("OPEN", {"uninsuredMembers": 1, "members": 1})]
