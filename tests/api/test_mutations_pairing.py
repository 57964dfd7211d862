"""pairCadre, unpairCadre and recordVisit over HTTP: pairings added and ended but never deleted (raw Cypher
and Household.helpersHistory), a change of helper, visits numbered per household, the Changes recorded,
every refusal with its code and field path, and who may."""

from __future__ import annotations

import pytest
from neo4j import AsyncDriver

from tests.api.changes import ANALYST, FAR_CADRE, NEAR_CADRE, latest_change, new_household, one, refusal, rows
from tests.conftest import GraphQLPost
from tests.helpers import data_of, error_codes

pytestmark = pytest.mark.mutates

HELPER, OTHER_HELPER = "C141130200200-001", "C141130200200-002"
FIRST_SECRETARY = "C141130200200-FS"
ELSEWHERE = "C141130100200-001"  # a helper of a village of another township

PAIR = """mutation($id: ID!, $cadre: ID!, $since: Date, $replace: Boolean! = false) {
  pairCadre(householdId: $id, cadreId: $cadre, since: $since, replaceCurrent: $replace) {
    helpers { id } helpersHistory { cadre { id } since until current } } }"""
UNPAIR = """mutation($id: ID!, $cadre: ID!, $until: Date) {
  unpairCadre(householdId: $id, cadreId: $cadre, until: $until) { helpers { id } } }"""
VISIT = """mutation($id: ID!, $cadre: ID!, $date: Date!, $notes: String!) {
  recordVisit(householdId: $id, cadreId: $cadre, date: $date, notes: $notes) {
    id date notes cadre { id } household { id } } }"""
HELPS = """MATCH (c:Cadre)-[r:HELPS]->(:Household {id: $id})
RETURN c.id AS cadre, toString(r.since) AS since, toString(r.until) AS until ORDER BY r.since, c.id"""


async def test_pairings_are_added_and_ended_never_deleted(gql: GraphQLPost, driver: AsyncDriver) -> None:
    household = await new_household(gql, size=1)
    paired = data_of(await gql(PAIR, {"id": household, "cadre": HELPER, "since": "2021-03-01"}))["pairCadre"]
    assert paired["helpers"] == [{"id": HELPER}]
    assert await rows(driver, HELPS, id=household) == [{"cadre": HELPER, "since": "2021-03-01", "until": None}]
    change = await latest_change(driver, household)
    assert change["action"] == "pairCadre"
    assert change["fields"][f"helps.{HELPER}.since"] == {"before": None, "after": "2021-03-01"}
    assert refusal(await gql(PAIR, {"id": household, "cadre": HELPER})) == ("CONFLICT", "cadreId")

    early = {"id": household, "cadre": OTHER_HELPER, "since": "2021-02-01", "replace": True}
    assert refusal(await gql(PAIR, early)) == ("BAD_USER_INPUT", "since")
    change_of_helper = {"id": household, "cadre": OTHER_HELPER, "since": "2022-07-01", "replace": True}
    paired = data_of(await gql(PAIR, change_of_helper))["pairCadre"]
    assert paired["helpers"] == [{"id": OTHER_HELPER}]
    assert await rows(driver, HELPS, id=household) == [
        {"cadre": HELPER, "since": "2021-03-01", "until": "2022-07-01"},
        {"cadre": OTHER_HELPER, "since": "2022-07-01", "until": None},
    ]
    assert [(p["cadre"]["id"], p["current"]) for p in paired["helpersHistory"]] == [
        (OTHER_HELPER, True),
        (HELPER, False),
    ]
    fields = (await latest_change(driver, household))["fields"]
    assert fields[f"helps.{HELPER}.until"] == {"before": None, "after": "2022-07-01"}
    names = {
        r["id"]: r["name"]
        for r in await rows(
            driver, "MATCH (c:Cadre) WHERE c.id IN $ids RETURN c.id AS id, c.name AS name", ids=[HELPER, OTHER_HELPER]
        )
    }
    assert fields["helpers"] == {
        "before": [f"{names[HELPER]} ({HELPER})"],
        "after": [f"{names[OTHER_HELPER]} ({OTHER_HELPER})"],
    }

    assert refusal(await gql(UNPAIR, {"id": household, "cadre": OTHER_HELPER, "until": "2022-06-30"})) == (
        "BAD_USER_INPUT",
        "until",
    )
    ended = data_of(await gql(UNPAIR, {"id": household, "cadre": OTHER_HELPER, "until": "2023-01-31"}))
    assert ended["unpairCadre"]["helpers"] == []
    assert (await rows(driver, HELPS, id=household))[-1] == {
        "cadre": OTHER_HELPER,
        "since": "2022-07-01",
        "until": "2023-01-31",
    }
    assert (await latest_change(driver, household))["action"] == "unpairCadre"
    assert refusal(await gql(UNPAIR, {"id": household, "cadre": OTHER_HELPER})) == ("CONFLICT", "cadreId")
    # The first helper again: a third pairing, the two before kept.
    data_of(await gql(PAIR, {"id": household, "cadre": HELPER, "since": "2024-01-01"}))
    assert [r["cadre"] for r in await rows(driver, HELPS, id=household)] == [HELPER, OTHER_HELPER, HELPER]


async def test_pairing_refusals(gql: GraphQLPost) -> None:
    household = await new_household(gql, size=1)
    assert refusal(await gql(PAIR, {"id": household, "cadre": "C000"})) == ("BAD_USER_INPUT", "cadreId")
    assert refusal(await gql(PAIR, {"id": household, "cadre": HELPER, "since": "2999-01-01"})) == (
        "BAD_USER_INPUT",
        "since",
    )
    assert refusal(await gql(PAIR, {"id": household, "cadre": HELPER, "since": "1999-12-31"})) == (
        "BAD_USER_INPUT",
        "since",
    )
    assert refusal(await gql(UNPAIR, {"id": household, "cadre": HELPER})) == ("CONFLICT", "cadreId")
    assert refusal(await gql(UNPAIR, {"id": household, "cadre": "C000"})) == ("BAD_USER_INPUT", "cadreId")
    assert refusal(await gql(PAIR, {"id": "H000000000000099999", "cadre": HELPER})) == ("NOT_FOUND", "householdId")


async def test_visits_are_numbered_and_made_by_cadres_of_the_household(gql: GraphQLPost, driver: AsyncDriver) -> None:
    household = await new_household(gql, size=1)
    base = {"id": household, "cadre": HELPER, "date": "2024-05-06", "notes": "了解务工情况"}
    assert refusal(await gql(VISIT, base)) == ("BAD_USER_INPUT", "cadreId")  # not paired yet
    data_of(await gql(PAIR, {"id": household, "cadre": HELPER, "since": "2024-01-01"}))
    visit = data_of(await gql(VISIT, base))["recordVisit"]
    assert visit == {
        "id": f"{household}-V1",
        "date": "2024-05-06",
        "notes": "了解务工情况",
        "cadre": {"id": HELPER},
        "household": {"id": household},
    }
    by_secretary = {**base, "cadre": FIRST_SECRETARY, "notes": "  宣讲政策 "}
    assert data_of(await gql(VISIT, by_secretary))["recordVisit"]["id"] == f"{household}-V2"
    stored = await rows(
        driver,
        "MATCH (c:Cadre)-[:MADE]->(v:Visit)-[:TO]->(:Household {id: $id}) "
        "RETURN v.id AS id, c.id AS cadre, toString(v.date) AS date, v.notes AS notes ORDER BY v.id",
        id=household,
    )
    assert stored == [
        {"id": f"{household}-V1", "cadre": HELPER, "date": "2024-05-06", "notes": "了解务工情况"},
        {"id": f"{household}-V2", "cadre": FIRST_SECRETARY, "date": "2024-05-06", "notes": "宣讲政策"},
    ]
    change = await latest_change(driver, household)
    assert change["action"] == "recordVisit"
    assert change["fields"] == {
        f"visit.{household}-V2": {"before": None, "after": f"2024-05-06 {FIRST_SECRETARY}: 宣讲政策"}
    }
    for changes, field in (
        ({"cadre": ELSEWHERE}, "cadreId"),
        ({"cadre": "C000"}, "cadreId"),
        ({"notes": "  "}, "notes"),
        ({"notes": "长" * 501}, "notes"),
        ({"date": "2999-01-01"}, "date"),
    ):
        assert refusal(await gql(VISIT, {**base, **changes})) == ("BAD_USER_INPUT", field), changes
    count = await one(driver, "MATCH (v:Visit)-[:TO]->(:Household {id: $id}) RETURN count(v) AS n", id=household)
    assert count == {"n": 2}


async def test_scope_cadres_in_their_villages_only_analysts_never(gql: GraphQLPost, driver: AsyncDriver) -> None:
    household = await new_household(gql, size=1)
    calls = [
        (PAIR, {"id": household, "cadre": HELPER}),
        (UNPAIR, {"id": household, "cadre": HELPER}),
        (VISIT, {"id": household, "cadre": FIRST_SECRETARY, "date": "2024-05-06", "notes": "走访"}),
    ]
    for query, variables in calls:
        for viewer in (FAR_CADRE, ANALYST):
            assert error_codes(await gql(query, variables, as_viewer=viewer)) == ["FORBIDDEN"], (query, viewer)
    assert await rows(driver, HELPS, id=household) == []
    data_of(await gql(PAIR, {"id": household, "cadre": HELPER}, as_viewer=NEAR_CADRE))
    assert (await latest_change(driver, household))["by"] == NEAR_CADRE.by


async def test_a_deregistered_household_is_neither_paired_nor_visited(gql: GraphQLPost, driver: AsyncDriver) -> None:
    household = await new_household(gql, size=1)
    data_of(await gql(PAIR, {"id": household, "cadre": HELPER, "since": "2024-01-01"}))
    gone = 'mutation($id: ID!) { deregisterHousehold(id: $id, reason: "迁出") { id } }'
    data_of(await gql(gone, {"id": household}))
    for query, variables in (
        (PAIR, {"id": household, "cadre": OTHER_HELPER}),
        (UNPAIR, {"id": household, "cadre": HELPER}),
        (VISIT, {"id": household, "cadre": HELPER, "date": "2024-05-06", "notes": "走访"}),
    ):
        assert refusal(await gql(query, variables)) == ("NOT_FOUND", "householdId")
    # Its pairing stays as it was, in its record.
    kept = await rows(
        driver,
        "MATCH (c:Cadre)-[r:HELPS]->(:DeregisteredHousehold {id: $id}) RETURN c.id AS cadre, r.until AS until",
        id=household,
    )
    assert kept == [{"cadre": HELPER, "until": None}]


async def test_visit_notes_may_break_lines_but_hold_no_other_control_character(
    gql: GraphQLPost, driver: AsyncDriver
) -> None:
    household = await new_household(gql, size=1)
    data_of(await gql(PAIR, {"id": household, "cadre": HELPER, "since": "2024-01-01"}))
    base = {"id": household, "cadre": HELPER, "date": "2024-05-06"}
    for notes in ("了解\u0000务工情况", "了解\u001f务工", "了解\u0085务工"):
        assert refusal(await gql(VISIT, {**base, "notes": notes})) == ("BAD_USER_INPUT", "notes")
    count = "MATCH (v:Visit)-[:TO]->(:Household {id: $id}) RETURN count(v) AS n"
    assert await one(driver, count, id=household) == {"n": 0}
    data_of(await gql(VISIT, {**base, "notes": "了解务工情况\n\t已登记"}))
    stored = "MATCH (v:Visit)-[:TO]->(:Household {id: $id}) RETURN v.notes AS notes"
    assert await one(driver, stored, id=household) == {"notes": "了解务工情况\n\t已登记"}
