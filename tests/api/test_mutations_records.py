"""recordIncome, enrol, recordClaim, recordMeasure and linkEnterprise over HTTP, each on a household the
test registers; expected values are worked out here and the graph is read back with raw Cypher."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any

import pytest
from neo4j import AsyncDriver

from graph.access import Role, Viewer
from tests.api.writes import household_input, member, register
from tests.conftest import GraphQLPost
from tests.helpers import data_of, error_codes

pytestmark = pytest.mark.mutates


async def new_household(gql: GraphQLPost, size: int = 3) -> str:
    members = [member("测试户主", "户主")] + [member(f"成员{n}", "之子") for n in range(1, size)]
    return str(data_of(await register(gql, household_input(*members)))["registerHousehold"]["id"])


async def rows(driver: AsyncDriver, query: str, **params: Any) -> list[dict[str, Any]]:
    result = await driver.execute_query(query, params, routing_="r")
    return [dict(r) for r in result.records]


def refusal(body: dict[str, Any]) -> tuple[str, str | None]:
    error = body["errors"][0]
    return error["extensions"]["code"], error["extensions"].get("field")


INCOME = """
mutation($id: ID!, $income: IncomeInput!) {
  recordIncome(householdId: $id, income: $income) { size incomePerCapita(year: 2019) incomes { year total } }
}"""


async def test_record_income_stores_components_and_per_capita_and_replaces_a_year(
    gql: GraphQLPost, driver: AsyncDriver
) -> None:
    hid = await new_household(gql, 3)
    income = {"year": 2019, "wage": "10000.00", "operating": "2000.50", "property": "0", "transfer": "1000.01"}
    household = data_of(await gql(INCOME, {"id": hid, "income": income}))["recordIncome"]
    # 1,300,051 fen over 3 people, rounded down to a fen.
    assert household["incomePerCapita"] == "4333.50"
    assert household["incomes"] == [{"year": 2019, "total": "13000.51"}]
    replaced = {**income, "wage": "4000.00", "operating": "-500.00"}
    data_of(await gql(INCOME, {"id": hid, "income": replaced}))
    stored = await rows(
        driver,
        "MATCH (:Household {id: $id})-[:EARNED]->(i:Income) RETURN i.wageFen AS wage, i.operatingFen AS operating, "
        "i.netPerCapitaFen AS perCapita",
        id=hid,
    )
    assert stored == [{"wage": 400_000, "operating": -50_000, "perCapita": (400_000 - 50_000 + 100_001) // 3}]


async def test_income_validation_names_the_field(gql: GraphQLPost) -> None:
    hid = await new_household(gql, 1)
    good = {"year": 2019, "wage": "1.00", "operating": "0", "property": "0", "transfer": "0"}
    assert refusal(await gql(INCOME, {"id": hid, "income": {**good, "wage": "-1.00"}})) == (
        "BAD_USER_INPUT",
        "income.wage",
    )
    assert refusal(await gql(INCOME, {"id": hid, "income": {**good, "year": 1999}})) == (
        "BAD_USER_INPUT",
        "income.year",
    )
    for bad in ("1e400", "1.001", 12.5):
        assert error_codes(await gql(INCOME, {"id": hid, "income": {**good, "transfer": bad}})) == ["BAD_USER_INPUT"]
    assert refusal(await gql(INCOME, {"id": "H000", "income": good})) == ("NOT_FOUND", "householdId")


ENROL = "mutation($id: ID!, $code: ID!, $year: Int!) { enrol(householdId: $id, policyCode: $code, year: $year) { id } }"
COVERAGE = "MATCH (:Household {id: $id})-[c:COVERED_BY]->(p:Policy) RETURN p.code AS code, c.year AS year, c.premiumFen AS premium"


async def test_enrol_in_the_bundle_charges_16_yuan_a_person_once(gql: GraphQLPost, driver: AsyncDriver) -> None:
    hid = await new_household(gql, 3)
    for code in ("YBT", "YBT", "YBT-03"):  # again, and a type the bundle covers: nothing new
        data_of(await gql(ENROL, {"id": hid, "code": code, "year": 2019}))
    assert await rows(driver, COVERAGE, id=hid) == [{"code": "YBT", "year": 2019, "premium": 3 * 1600}]
    data_of(await gql(ENROL, {"id": hid, "code": "EDU-01", "year": 2019}))
    assert {"code": "EDU-01", "year": 2019, "premium": None} in await rows(driver, COVERAGE, id=hid)
    assert refusal(await gql(ENROL, {"id": hid, "code": "NOPE", "year": 2019})) == ("BAD_USER_INPUT", "policyCode")


CLAIM = """
mutation($id: ID!, $code: ID!, $date: Date!, $kind: String!, $cost: Decimal!) {
  recordClaim(householdId: $id, policyCode: $code, date: $date, kind: $kind, cost: $cost) {
    id cost paidByMedicalInsurance paidByInsurer paidByHousehold policy { code }
  }
}"""


def settled(cost: str, share: int, cap: str, limit: str | None) -> dict[str, str]:
    """The settlement written out: medical insurance its share up to its cap, the insurer the rest up to its
    limit (None: not enrolled), the household what remains."""
    total = Decimal(cost)
    medical = min((total * share / 100).quantize(Decimal("0.01"), rounding=ROUND_DOWN), Decimal(cap))
    insurer = Decimal(0) if limit is None else min(total - medical, Decimal(limit))
    return {
        "cost": f"{total:.2f}",
        "paidByMedicalInsurance": f"{medical:.2f}",
        "paidByInsurer": f"{insurer:.2f}",
        "paidByHousehold": f"{total - medical - insurer:.2f}",
    }


@pytest.mark.parametrize(
    ("kind", "cost", "year", "expected"),
    [
        ("outpatient", "36767.18", 2019, settled("36767.18", 70, "5000", "50000")),  # the article's case
        ("outpatient", "1000.00", 2019, settled("1000.00", 70, "5000", "50000")),
        ("outpatient", "36767.18", 2018, settled("36767.18", 70, "5000", None)),  # not enrolled that year
        ("inpatient", "300000.00", 2019, settled("300000.00", 70, "150000", "50000")),
        ("critical-illness", "120000.00", 2019, settled("120000.00", 60, "300000", "50000")),
    ],
)
async def test_claims_are_settled_medical_insurance_then_insurer_then_household(
    gql: GraphQLPost, driver: AsyncDriver, kind: str, cost: str, year: int, expected: dict[str, str]
) -> None:
    hid = await new_household(gql, 2)
    data_of(await gql(ENROL, {"id": hid, "code": "YBT", "year": 2019}))
    policy = "YBT-03" if kind == "outpatient" else "YBT-02"
    variables = {"id": hid, "code": policy, "date": f"{year}-07-06", "kind": kind, "cost": cost}
    claim = data_of(await gql(CLAIM, variables))["recordClaim"]
    assert {k: claim[k] for k in expected} == expected and claim["policy"]["code"] == policy
    stored = await rows(
        driver,
        "MATCH (c:Claim {id: $claim})-[:FOR]->(:Household {id: $id}) MATCH (c)-[:UNDER]->(p:Policy) "
        "RETURN c.costFen AS cost, c.paidByInsurerFen AS insurer, p.code AS policy",
        claim=claim["id"],
        id=hid,
    )
    assert stored == [
        {"cost": int(Decimal(cost) * 100), "insurer": int(Decimal(expected["paidByInsurer"]) * 100), "policy": policy}
    ]
    assert claim["id"].startswith(f"CL{year}-")


async def test_claim_validation_names_the_field(gql: GraphQLPost) -> None:
    hid = await new_household(gql, 1)
    good = {"id": hid, "code": "YBT-03", "date": "2019-07-06", "kind": "outpatient", "cost": "100.00"}
    assert refusal(await gql(CLAIM, {**good, "kind": "dental"})) == ("BAD_USER_INPUT", "kind")
    assert refusal(await gql(CLAIM, {**good, "code": "YBT"})) == ("BAD_USER_INPUT", "policyCode")
    assert refusal(await gql(CLAIM, {**good, "cost": "0"})) == ("BAD_USER_INPUT", "cost")
    assert refusal(await gql(CLAIM, {**good, "date": "2999-01-01"})) == ("BAD_USER_INPUT", "date")
    assert error_codes(await gql(CLAIM, {**good, "date": "2019-02-30"})) == ["BAD_USER_INPUT"]


MEASURE = """
mutation($id: ID!, $kind: String!, $amount: Decimal) {
  recordMeasure(householdId: $id, kind: $kind, subKind: "产业奖补", year: 2019, amount: $amount, description: "发放种苗") {
    kind subKind year amount description
  }
}"""


async def test_record_measure_adds_to_the_ledger(gql: GraphQLPost, driver: AsyncDriver) -> None:
    hid = await new_household(gql, 1)
    measure = data_of(await gql(MEASURE, {"id": hid, "kind": "INDUSTRY", "amount": "500.00"}))["recordMeasure"]
    assert measure == {
        "kind": "INDUSTRY",
        "subKind": "产业奖补",
        "year": 2019,
        "amount": "500.00",
        "description": "发放种苗",
    }
    data_of(await gql(MEASURE, {"id": hid, "kind": "HEALTH", "amount": None}))
    stored = await rows(
        driver, "MATCH (:Household {id: $id})-[:RECEIVED]->(m:Measure) RETURN m.id AS id ORDER BY id", id=hid
    )
    assert stored == [{"id": f"{hid}-M1"}, {"id": f"{hid}-M2"}]
    assert refusal(await gql(MEASURE, {"id": hid, "kind": "PARTY", "amount": None})) == ("BAD_USER_INPUT", "kind")


LINK = """
mutation($id: ID!, $e: ID!, $mode: LinkMode!) {
  linkEnterprise(householdId: $id, enterpriseId: $e, mode: $mode, since: 2019, incomeGain: "800.00") {
    mode since incomeGain enterprise { id }
  }
}"""


async def test_link_enterprise_creates_or_updates_the_one_link(gql: GraphQLPost, driver: AsyncDriver) -> None:
    hid = await new_household(gql, 1)
    link = data_of(await gql(LINK, {"id": hid, "e": "E001", "mode": "EQUITY"}))["linkEnterprise"]
    assert link == {"mode": "EQUITY", "since": 2019, "incomeGain": "800.00", "enterprise": {"id": "E001"}}
    data_of(await gql(LINK, {"id": hid, "e": "E001", "mode": "CONTRACT"}))
    stored = await rows(
        driver, "MATCH (e:Enterprise)-[d:DRIVES]->(:Household {id: $id}) RETURN e.id AS e, d.mode AS mode", id=hid
    )
    assert stored == [{"e": "E001", "mode": "CONTRACT"}]
    assert refusal(await gql(LINK, {"id": hid, "e": "E999", "mode": "EQUITY"})) == ("BAD_USER_INPUT", "enterpriseId")


async def test_a_cadre_may_not_write_to_a_household_outside_their_villages(gql: GraphQLPost) -> None:
    hid = await new_household(gql, 1)
    outsider = Viewer(Role.CADRE, sub="far-cadre", villages=frozenset({"141130100200"}))
    body = await gql(MEASURE, {"id": hid, "kind": "INDUSTRY", "amount": None}, as_viewer=outsider)
    assert error_codes(body) == ["FORBIDDEN"]
    analyst = await gql(ENROL, {"id": hid, "code": "YBT", "year": 2019}, as_viewer=Viewer(Role.ANALYST, sub="a"))
    assert error_codes(analyst) == ["FORBIDDEN"]
