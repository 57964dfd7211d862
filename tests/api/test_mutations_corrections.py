"""correctHousehold and correctPerson over HTTP: the whitelisted fields stored (raw Cypher), null clearing,
every refusal with its code and field path, the Change with each field before and after, the alerts and
exit indicators following (unsafe housing, an uninsured member), and who may."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import AsyncDriver

from tests.api.changes import ANALYST, FAR_CADRE, NEAR_CADRE, latest_change, new_household, one, refusal, rows
from tests.api.writes import VILLAGE
from tests.conftest import GraphQLPost
from tests.helpers import data_of, error_codes

pytestmark = pytest.mark.mutates

HOUSEHOLD = """mutation($id: ID!, $input: HouseholdCorrectionInput!) {
  correctHousehold(householdId: $id, input: $input) { id primaryCause otherCauses
    exitIndicators(year: 2018) { safeHousing safeWater } } }"""
PERSON = """mutation($n: String!, $input: PersonCorrectionInput!) {
  correctPerson(idNumber: $n, input: $input) { id headName members { name education } } }"""
VILLAGE_EXIT = """query($v: ID!) { village(code: $v) { stats(year: 2018) { registeredPoorHouseholds
  exit { safeHousing } } } }"""
ALERTS = """MATCH (a:Alert {subject: $id, rule: $rule})
RETURN a.state AS state, a.severity AS severity ORDER BY a.raisedAt DESC"""
MEMBERS = "MATCH (p:Person)-[m:MEMBER_OF]->(:Household {id: $id}) RETURN p.idNumber AS n, m.relation AS relation"


async def head_of(driver: AsyncDriver, household_id: str) -> str:
    found = await rows(driver, MEMBERS, id=household_id)
    return next(str(r["n"]) for r in found if r["relation"] == "户主")


async def village_safe_housing(gql: GraphQLPost) -> tuple[int, float]:
    stats = data_of(await gql(VILLAGE_EXIT, {"v": VILLAGE}))["village"]["stats"]
    return stats["registeredPoorHouseholds"], stats["exit"]["safeHousing"]


async def test_a_household_correction_stores_fields_records_them_and_refreshes_alerts_and_stats(
    gql: GraphQLPost, driver: AsyncDriver
) -> None:
    household = await new_household(gql, poor=True)
    await driver.execute_query("MATCH (h:Household {id: $id}) SET h.phone = '13800000000'", id=household)
    poor, share = await village_safe_housing(gql)
    safe_before = round(share * poor)
    given = {
        "housingGrade": "D",
        "housingArea": 64,
        "housingStructure": "土木",
        "waterSource": "TAP",
        "waterQualityOk": True,
        "primaryCause": "因病",
        "otherCauses": ["缺技术", "因灾"],
        "phone": None,
        "developmentPlan": "  发展食用菌种植  ",
    }
    done = data_of(await gql(HOUSEHOLD, {"id": household, "input": given}))["correctHousehold"]
    assert done["primaryCause"] == "因病" and done["otherCauses"] == ["缺技术", "因灾"]
    assert done["exitIndicators"] == {"safeHousing": False, "safeWater": True}
    stored = await one(
        driver,
        "MATCH (h:Household {id: $id}) RETURN h.housingGrade AS grade, h.housingArea AS area, h.phone AS phone, "
        "h.developmentPlan AS plan, h.otherCauses AS others",
        id=household,
    )
    assert stored == {"grade": "D", "area": 64, "phone": None, "plan": "发展食用菌种植", "others": ["缺技术", "因灾"]}
    change = await latest_change(driver, household)
    assert change["action"] == "correctHousehold"
    assert change["fields"]["housingGrade"] == {"before": None, "after": "D"}
    assert change["fields"]["phone"] == {"before": "13800000000", "after": None}
    assert change["fields"]["otherCauses"] == {"before": [], "after": ["缺技术", "因灾"]}
    assert "attribute" not in change["fields"]  # not given, not changed
    assert await rows(driver, ALERTS, id=household, rule="UNSAFE_HOUSING") == [
        {"state": "OPEN", "severity": "CRITICAL"}
    ]

    data_of(await gql(HOUSEHOLD, {"id": household, "input": {"housingGrade": "A"}}))
    assert (await rows(driver, ALERTS, id=household, rule="UNSAFE_HOUSING"))[0]["state"] == "RESOLVED"
    poor_after, share_after = await village_safe_housing(gql)
    assert poor_after == poor and round(share_after * poor) == safe_before + 1
    # The same values again change nothing: no new Change.
    count = "MATCH (c:Change)-[:ABOUT]->(:Household {id: $id}) RETURN count(c) AS n"
    changes = (await one(driver, count, id=household))["n"]
    data_of(await gql(HOUSEHOLD, {"id": household, "input": {"housingGrade": "A"}}))
    assert (await one(driver, count, id=household))["n"] == changes


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"housingGrade": "E"}, "input.housingGrade"),
        ({"housingArea": 0}, "input.housingArea"),
        ({"housingYearBuilt": 1800}, "input.housingYearBuilt"),
        ({"otherCauses": ["因病", "因残", "因学"]}, "input.otherCauses"),
        ({"otherCauses": ["因病", "运气差"]}, "input.otherCauses.1"),
        ({"primaryCause": "因病", "otherCauses": ["因病"]}, "input.otherCauses"),
        ({"attribute": None}, "input.attribute"),
        ({"attribute": "RICH"}, "input.attribute"),
        ({"waterSource": "RIVER"}, "input.waterSource"),
        ({"phone": "12345"}, "input.phone"),
        ({"bankAccount": "62-30"}, "input.bankAccount"),
        ({"developmentPlan": "   "}, "input.developmentPlan"),
        ({"plannedExitYear": 2999}, "input.plannedExitYear"),
        ({}, "input"),
    ],
)
async def test_household_correction_refusals(gql: GraphQLPost, given: dict[str, Any], field: str | None) -> None:
    household = await new_household(gql, size=1)
    assert refusal(await gql(HOUSEHOLD, {"id": household, "input": given})) == ("BAD_USER_INPUT", field)


async def test_coded_fields_take_the_forms_words_too(gql: GraphQLPost, driver: AsyncDriver) -> None:
    household = await new_household(gql, size=1)
    data_of(await gql(HOUSEHOLD, {"id": household, "input": {"waterSource": "拉水", "attribute": "低保户"}}))
    [stored] = await rows(
        driver, "MATCH (h:Household {id: $id}) RETURN h.waterSource AS water, h.attribute AS attribute", id=household
    )
    assert stored == {"water": "HAULED", "attribute": "LOW_INCOME"}
    refused = await gql(HOUSEHOLD, {"id": household, "input": {"waterSource": "河水"}})
    assert refusal(refused) == ("BAD_USER_INPUT", "input.waterSource")
    assert "拉水" in refused["errors"][0]["message"]


async def test_a_primary_cause_given_before_is_not_another_cause(gql: GraphQLPost) -> None:
    household = await new_household(gql, size=1, poor=True)
    data_of(await gql(HOUSEHOLD, {"id": household, "input": {"primaryCause": "因学"}}))
    body = await gql(HOUSEHOLD, {"id": household, "input": {"otherCauses": ["因学"]}})
    assert refusal(body) == ("BAD_USER_INPUT", "input.otherCauses")


async def test_a_person_correction_stores_fields_and_the_heads_name_follows(
    gql: GraphQLPost, driver: AsyncDriver
) -> None:
    household = await new_household(gql, size=1)
    head = await head_of(driver, household)
    # Registered without insurance: the rule holds from the start.
    assert (await rows(driver, ALERTS, id=household, rule="MEMBER_UNINSURED"))[0]["state"] == "OPEN"
    given = {"name": "王大明", "education": "初中", "medicalInsured": True, "migrantWorkMonths": 8}
    done = data_of(await gql(PERSON, {"n": head, "input": given}))["correctPerson"]
    assert done["id"] == household and done["headName"] == "王大明"
    stored = await one(
        driver,
        "MATCH (p:Person {idNumber: $n})-[:MEMBER_OF]->(h:Household) RETURN p.name AS name, "
        "p.education AS education, p.medicalInsured AS insured, p.migrantWorkMonths AS months, h.headName AS head",
        n=head,
    )
    assert stored == {"name": "王大明", "education": "初中", "insured": True, "months": 8, "head": "王大明"}
    change = await latest_change(driver, household)
    assert change["action"] == "correctPerson"
    assert change["fields"][f"person.{head}.name"] == {"before": "测试户主", "after": "王大明"}
    assert change["fields"]["headName"] == {"before": "测试户主", "after": "王大明"}
    assert change["fields"][f"person.{head}.education"] == {"before": None, "after": "初中"}
    assert [a["state"] for a in await rows(driver, ALERTS, id=household, rule="MEMBER_UNINSURED")] == ["RESOLVED"]
    data_of(await gql(PERSON, {"n": head.lower(), "input": {"medicalInsured": False, "education": None}}))
    states = [a["state"] for a in await rows(driver, ALERTS, id=household, rule="MEMBER_UNINSURED")]
    assert states == ["OPEN", "RESOLVED"]
    assert (await one(driver, "MATCH (p:Person {idNumber: $n}) RETURN p.education AS e", n=head))["e"] is None


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"name": None}, "input.name"),
        ({"name": " "}, "input.name"),
        ({"education": "博士"}, "input.education"),
        ({"health": "FINE"}, "input.health"),
        ({"schoolStatus": "AWAY"}, "input.schoolStatus"),
        ({"migrantWorkMonths": 13}, "input.migrantWorkMonths"),
        ({"ethnicity": "族" * 21}, "input.ethnicity"),
    ],
)
async def test_person_correction_refusals(
    gql: GraphQLPost, driver: AsyncDriver, given: dict[str, Any], field: str
) -> None:
    household = await new_household(gql, size=1)
    head = await head_of(driver, household)
    assert refusal(await gql(PERSON, {"n": head, "input": given})) == ("BAD_USER_INPUT", field)


async def test_a_person_must_be_a_member_of_a_registered_household(gql: GraphQLPost, driver: AsyncDriver) -> None:
    assert refusal(await gql(PERSON, {"n": "123", "input": {"pension": True}})) == ("BAD_USER_INPUT", "idNumber")
    unknown = "11010519491231002X"
    assert refusal(await gql(PERSON, {"n": unknown, "input": {"pension": True}})) == ("NOT_FOUND", "idNumber")
    household = await new_household(gql, size=1)
    head = await head_of(driver, household)
    data_of(await gql('mutation($id: ID!) { deregisterHousehold(id: $id, reason: "迁出") { id } }', {"id": household}))
    assert refusal(await gql(PERSON, {"n": head, "input": {"pension": True}})) == ("NOT_FOUND", "idNumber")
    assert refusal(await gql(HOUSEHOLD, {"id": household, "input": {"relocated": True}})) == (
        "NOT_FOUND",
        "householdId",
    )


async def test_scope_cadres_in_their_villages_only_analysts_never(gql: GraphQLPost, driver: AsyncDriver) -> None:
    household = await new_household(gql, size=1)
    head = await head_of(driver, household)
    for viewer in (FAR_CADRE, ANALYST):
        body = await gql(HOUSEHOLD, {"id": household, "input": {"relocated": True}}, as_viewer=viewer)
        assert error_codes(body) == ["FORBIDDEN"]
        assert error_codes(await gql(PERSON, {"n": head, "input": {"pension": True}}, as_viewer=viewer)) == [
            "FORBIDDEN"
        ]
    facts = "MATCH (p:Person {idNumber: $n})-[:MEMBER_OF]->(h) RETURN p.pension AS pension, h.relocated AS relocated"
    assert await one(driver, facts, n=head) == {"pension": None, "relocated": None}
    data_of(await gql(PERSON, {"n": head, "input": {"pension": True}}, as_viewer=NEAR_CADRE))
    assert (await latest_change(driver, household))["by"] == NEAR_CADRE.by


async def test_corrections_with_control_characters_are_refused_a_plan_may_break_lines(
    gql: GraphQLPost, driver: AsyncDriver
) -> None:
    household = await new_household(gql)
    head = await head_of(driver, household)
    for given, field in [
        ({"developmentPlan": "发展\u0000种植"}, "input.developmentPlan"),
        ({"developmentPlan": "发展\u007f种植"}, "input.developmentPlan"),
    ]:
        assert refusal(await gql(HOUSEHOLD, {"id": household, "input": given})) == ("BAD_USER_INPUT", field)
    for given, field in [
        ({"name": "赵\u0000大"}, "input.name"),
        ({"name": "赵\n大"}, "input.name"),
        ({"migrantWorkPlace": "太原\u0008市"}, "input.migrantWorkPlace"),
    ]:
        assert refusal(await gql(PERSON, {"n": head, "input": given})) == ("BAD_USER_INPUT", field)
    assert (await one(driver, "MATCH (p:Person {idNumber: $n}) RETURN p.name AS name", n=head))["name"] == "测试户主"
    data_of(await gql(HOUSEHOLD, {"id": household, "input": {"developmentPlan": "一、种植\n二、\t养殖"}}))
    stored = await one(driver, "MATCH (h:Household {id: $id}) RETURN h.developmentPlan AS plan", id=household)
    assert stored == {"plan": "一、种植\n二、\t养殖"}
