"""exitPoverty and relapse over HTTP: an exit only when that year's exit indicators are all met (the refusal
lists the unmet ones, as Household.exitIndicators shows them), a relapse with its year and reason, what the
graph holds afterwards (raw Cypher), the Change recorded, the rollups following, and who may."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import AsyncDriver

from tests.api import test_aggregates as aggregates
from tests.api.changes import ANALYST, FAR_CADRE, NEAR_CADRE, latest_change, new_household, one, refusal
from tests.api.writes import VILLAGE
from tests.conftest import GraphQLPost
from tests.helpers import data_of, error_codes

pytestmark = pytest.mark.mutates

TOWNSHIP = VILLAGE[:9] + "000"

EXIT = "mutation($id: ID!, $year: Int!) { exitPoverty(householdId: $id, year: $year) { id status exitYear } }"
RELAPSE = """mutation($id: ID!, $year: Int!, $reason: String!) {
  relapse(householdId: $id, year: $year, reason: $reason) { id status exitYear } }"""
INDICATORS = """query($id: ID!, $year: Int!) { household(id: $id) { exitIndicators(year: $year) {
  incomeAboveLine foodAndClothing education medicalInsurance safeHousing safeWater met } } }"""
INCOME = """mutation($id: ID!, $income: IncomeInput!) { recordIncome(householdId: $id, income: $income) { id } }"""
FACTS = """MATCH (h:Household {id: $id})
RETURN h.status AS status, h.exitYear AS exitYear, h.relapseYear AS relapseYear, h.relapseReason AS relapseReason"""


async def record_income(gql: GraphQLPost, household_id: str, year: int, wage: str) -> None:
    income = {"year": year, "wage": wage, "operating": "0", "property": "0", "transfer": "0"}
    data_of(await gql(INCOME, {"id": household_id, "income": income}))


async def meet_all_but_income(driver: AsyncDriver, household_id: str) -> None:
    """Safe housing and water, every member insured and (if of school age) enrolled."""
    await driver.execute_query(
        """MATCH (h:Household {id: $id}) SET h.housingGrade = 'A', h.waterSource = 'TAP', h.waterQualityOk = true
        WITH h MATCH (p:Person)-[:MEMBER_OF]->(h) SET p.medicalInsured = true, p.schoolStatus = 'ENROLLED'""",
        id=household_id,
    )


async def unmet_served(gql: GraphQLPost, household_id: str, year: int) -> list[str]:
    shown = data_of(await gql(INDICATORS, {"id": household_id, "year": year}))["household"]["exitIndicators"]
    return [name for name, ok in shown.items() if name != "met" and not ok]


async def test_an_exit_is_refused_while_indicators_are_unmet_and_lists_them(
    gql: GraphQLPost, driver: AsyncDriver
) -> None:
    household = await new_household(gql, poor=True)
    body = await gql(EXIT, {"id": household, "year": 2018})
    assert refusal(body) == ("BAD_USER_INPUT", "year")
    unmet = body["errors"][0]["extensions"]["unmet"]
    assert unmet == await unmet_served(gql, household, 2018)
    assert {"incomeAboveLine", "medicalInsurance", "safeHousing", "safeWater"} <= set(unmet)
    assert all(name in body["errors"][0]["message"] for name in unmet)
    # Everything but the income: only the income (and food, which follows it for an ordinary household) remain.
    await meet_all_but_income(driver, household)
    body = await gql(EXIT, {"id": household, "year": 2018})
    assert body["errors"][0]["extensions"]["unmet"] == ["incomeAboveLine", "foodAndClothing"]
    # 3 people earning 3 × 3,535.00 in all are exactly at the 2018 line: met.
    await record_income(gql, household, 2018, "10605.00")
    assert await unmet_served(gql, household, 2018) == []
    facts = await one(driver, FACTS, id=household)
    assert facts == {"status": "POOR", "exitYear": None, "relapseYear": None, "relapseReason": None}


async def test_exit_then_relapse_then_exit_again(gql: GraphQLPost, driver: AsyncDriver) -> None:
    household = await new_household(gql, poor=True)
    await meet_all_but_income(driver, household)
    await record_income(gql, household, 2018, "20000.00")
    before = await aggregates._check_places(gql, driver, VILLAGE, TOWNSHIP)

    exited = data_of(await gql(EXIT, {"id": household, "year": 2018}))["exitPoverty"]
    assert exited == {"id": household, "status": "EXITED", "exitYear": 2018}
    assert await one(driver, FACTS, id=household) == {
        "status": "EXITED",
        "exitYear": 2018,
        "relapseYear": None,
        "relapseReason": None,
    }
    change = await latest_change(driver, household)
    assert change["action"] == "exitPoverty"
    assert change["fields"] == {
        "status": {"before": "POOR", "after": "EXITED"},
        "exitYear": {"before": None, "after": 2018},
    }
    after = await aggregates._check_places(gql, driver, VILLAGE, TOWNSHIP)
    assert after["village"]["stats"]["povertyIncidence"] < before["village"]["stats"]["povertyIncidence"]
    assert refusal(await gql(EXIT, {"id": household, "year": 2018})) == ("CONFLICT", "householdId")

    assert refusal(await gql(RELAPSE, {"id": household, "year": 2017, "reason": "因病"})) == ("BAD_USER_INPUT", "year")
    assert refusal(await gql(RELAPSE, {"id": household, "year": 2019, "reason": "  "})) == ("BAD_USER_INPUT", "reason")
    fallen = data_of(await gql(RELAPSE, {"id": household, "year": 2019, "reason": "户主患重病"}))["relapse"]
    assert fallen["status"] == "POOR"
    assert await one(driver, FACTS, id=household) == {
        "status": "POOR",
        "exitYear": 2018,
        "relapseYear": 2019,
        "relapseReason": "户主患重病",
    }
    change = await latest_change(driver, household)
    assert change["action"] == "relapse"
    assert change["fields"] == {
        "status": {"before": "EXITED", "after": "POOR"},
        "relapseYear": {"before": None, "after": 2019},
        "relapseReason": {"before": None, "after": "户主患重病"},
    }
    await aggregates._check_places(gql, driver, VILLAGE, TOWNSHIP)
    assert refusal(await gql(RELAPSE, {"id": household, "year": 2019, "reason": "又"})) == ("CONFLICT", "householdId")

    # Exiting again needs the indicators of the new year (no 2019 income yet) and not before the relapse.
    assert refusal(await gql(EXIT, {"id": household, "year": 2018})) == ("BAD_USER_INPUT", "year")
    body = await gql(EXIT, {"id": household, "year": 2019})
    assert body["errors"][0]["extensions"]["unmet"] == ["incomeAboveLine", "foodAndClothing"]
    await record_income(gql, household, 2019, "20000.00")
    assert data_of(await gql(EXIT, {"id": household, "year": 2019}))["exitPoverty"]["status"] == "EXITED"
    assert await one(driver, FACTS, id=household) == {
        "status": "EXITED",
        "exitYear": 2019,
        "relapseYear": None,
        "relapseReason": None,
    }
    fields = (await latest_change(driver, household))["fields"]
    assert fields["relapseYear"] == {"before": 2019, "after": None}
    assert fields["exitYear"] == {"before": 2018, "after": 2019}


async def test_a_monitored_household_exits_and_stays_monitored(gql: GraphQLPost, driver: AsyncDriver) -> None:
    household = await new_household(gql, poor=True)
    await meet_all_but_income(driver, household)
    await record_income(gql, household, 2018, "20000.00")
    await driver.execute_query("MATCH (h:Household {id: $id}) SET h.status = 'MONITORED'", id=household)
    assert data_of(await gql(EXIT, {"id": household, "year": 2018}))["exitPoverty"]["status"] == "MONITORED"
    assert (await one(driver, FACTS, id=household))["exitYear"] == 2018


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"id": "H000000000000099999", "year": 2018}, ("NOT_FOUND", "householdId")),
        ({"year": 1990}, ("BAD_USER_INPUT", "year")),
        ({"year": 2999}, ("BAD_USER_INPUT", "year")),
    ],
)
async def test_exit_input_errors(gql: GraphQLPost, variables: dict[str, Any], expected: tuple[str, str]) -> None:
    household = await new_household(gql, size=1, poor=True)
    assert refusal(await gql(EXIT, {"id": household, **variables})) == expected


async def test_only_registered_poor_households_exit_and_only_exited_ones_relapse(gql: GraphQLPost) -> None:
    never_poor = await new_household(gql, size=1)
    assert refusal(await gql(EXIT, {"id": never_poor, "year": 2018})) == ("BAD_USER_INPUT", "householdId")
    poor = await new_household(gql, size=1, poor=True)
    assert refusal(await gql(RELAPSE, {"id": poor, "year": 2018, "reason": "因灾"})) == ("CONFLICT", "householdId")
    long_reason = {"id": poor, "year": 2018, "reason": "长" * 201}
    assert refusal(await gql(RELAPSE, long_reason)) == ("BAD_USER_INPUT", "reason")


async def test_scope_cadres_in_their_villages_only_analysts_never(gql: GraphQLPost, driver: AsyncDriver) -> None:
    household = await new_household(gql, poor=True)
    await meet_all_but_income(driver, household)
    await record_income(gql, household, 2018, "20000.00")
    for viewer in (FAR_CADRE, ANALYST):
        assert error_codes(await gql(EXIT, {"id": household, "year": 2018}, as_viewer=viewer)) == ["FORBIDDEN"]
    assert (await one(driver, FACTS, id=household))["status"] == "POOR"
    done = await gql(EXIT, {"id": household, "year": 2018}, as_viewer=NEAR_CADRE)
    assert data_of(done)["exitPoverty"]["status"] == "EXITED"
    assert (await latest_change(driver, household))["by"] == NEAR_CADRE.by
    variables = {"id": household, "year": 2019, "reason": "因灾"}
    for viewer in (FAR_CADRE, ANALYST):
        assert error_codes(await gql(RELAPSE, variables, as_viewer=viewer)) == ["FORBIDDEN"]
    assert (await one(driver, FACTS, id=household))["relapseYear"] is None


async def test_a_deregistered_household_neither_exits_nor_relapses(gql: GraphQLPost) -> None:
    household = await new_household(gql, size=1, poor=True)
    gone = 'mutation($id: ID!) { deregisterHousehold(id: $id, reason: "迁出") { id } }'
    data_of(await gql(gone, {"id": household}))
    assert refusal(await gql(EXIT, {"id": household, "year": 2018})) == ("NOT_FOUND", "householdId")
    relapse = {"id": household, "year": 2019, "reason": "因病"}
    assert refusal(await gql(RELAPSE, relapse)) == ("NOT_FOUND", "householdId")


async def test_a_relapse_reason_with_a_control_character_is_refused(gql: GraphQLPost, driver: AsyncDriver) -> None:
    household = await new_household(gql, poor=True)
    body = await gql(RELAPSE, {"id": household, "year": 2019, "reason": "户主\u0000患重病"})
    assert refusal(body) == ("BAD_USER_INPUT", "reason")
    assert (await one(driver, FACTS, id=household))["relapseYear"] is None
