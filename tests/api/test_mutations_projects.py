"""declareProject, advanceProject and allocateFunds over HTTP: the steps in order with their dates and the
stage they set (raw Cypher), illegal moves refused as CONFLICT naming what may follow, withdrawal, fund pools
that add up to their allocations, the Change on the project, the pipeline and a project's overdue alert
following, every refusal with its field path, and who may."""

from __future__ import annotations

import json
from typing import Any

import pytest
from neo4j import AsyncDriver

from graph.county_time import county_today
from tests.api.changes import ANALYST, FAR_CADRE, NEAR_CADRE, new_household, one, refusal, rows
from tests.api.writes import VILLAGE
from tests.conftest import GraphQLPost
from tests.helpers import data_of, error_codes

pytestmark = pytest.mark.mutates

YEAR = 2024  # past: every step dated in it is before whatever day the suite runs
PROGRESS = "project { code stage started completed funds { source year amount } } step nextSteps dates { declared screened ranked reserved implemented started completed withdrawn }"
DECLARE = "mutation($input: ProjectInput!) { declareProject(input: $input) { " + PROGRESS + " } }"
ADVANCE = (
    "mutation($code: ID!, $step: ProjectStep!, $date: Date) { advanceProject(code: $code, step: $step, date: $date) { "
    + PROGRESS
    + " } }"
)
ALLOCATE = """mutation($code: ID!, $source: String!, $amount: Decimal!, $year: Int!) {
  allocateFunds(projectCode: $code, source: $source, amount: $amount, year: $year) { code funds { source year amount } } }"""
PIPELINE = "query($year: Int!) { projectPipeline(year: $year) { declared rejected reserve implemented startedShare } }"
STORED = """MATCH (p:Project {code: $code})
RETURN p.stage AS stage, p.started AS started, p.completed AS completed,
       [(p)-[:LOCATED_IN]->(x) | x.code] AS place, [(p)-[:DECLARED_BY]->(x) | x.code] AS declarer"""
PROJECT_CHANGES = """MATCH (c:Change)-[:ABOUT]->(:Project {code: $code})
RETURN c.action AS action, c.by AS by, c.fields AS fields ORDER BY c.id DESC"""


def declaration(**changes: Any) -> dict[str, Any]:
    return {
        "name": "测试村光伏扶贫电站",
        "year": YEAR,
        "purpose": "CONSOLIDATION",
        "placeCode": VILLAGE,
        "budget": "100000.00",
        "declaredDate": f"{YEAR}-01-02",
        "industryCode": "PHOTOVOLTAIC",
        "nature": "NEW",
        **changes,
    }


async def declare(gql: GraphQLPost, **changes: Any) -> str:
    return str(data_of(await gql(DECLARE, {"input": declaration(**changes)}))["declareProject"]["project"]["code"])


async def project_changes(driver: AsyncDriver, code: str) -> list[dict[str, Any]]:
    return [{**c, "fields": json.loads(c["fields"])} for c in await rows(driver, PROJECT_CHANGES, code=code)]


async def test_declare_stores_the_project_with_the_next_code_of_its_year(gql: GraphQLPost, driver: AsyncDriver) -> None:
    done = data_of(await gql(DECLARE, {"input": declaration()}))["declareProject"]
    code = done["project"]["code"]
    assert code.startswith(f"P{YEAR}-") and len(code) == 10
    assert done["step"] == "DECLARE" and done["nextSteps"] == ["SCREEN", "WITHDRAW"]
    assert done["dates"]["declared"] == f"{YEAR}-01-02"
    stored = await one(driver, STORED, code=code)
    assert stored == {
        "stage": "DECLARED",
        "started": False,
        "completed": False,
        "place": [VILLAGE],
        "declarer": [VILLAGE],
    }
    fen = await one(
        driver, "MATCH (p:Project {code: $code})-[:IN_INDUSTRY]->(i) RETURN p.budgetFen AS b, i.code AS i", code=code
    )
    assert fen == {"b": 10_000_000, "i": "PHOTOVOLTAIC"}
    second = await declare(gql)
    assert int(second[-4:]) == int(code[-4:]) + 1
    [change] = await project_changes(driver, code)
    assert change["action"] == "declareProject" and change["fields"]["stage"] == {"before": None, "after": "DECLARED"}
    assert change["fields"]["budget"] == {"before": None, "after": "100000.00"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": " "}, "input.name"),
        ({"year": 1999}, "input.year"),
        ({"placeCode": "141130999999"}, "input.placeCode"),
        ({"budget": "-1"}, "input.budget"),
        ({"nature": "OLD"}, "input.nature"),
        ({"industryCode": "GOLD"}, "input.industryCode"),
        ({"declaredDate": "2999-01-01"}, "input.declaredDate"),
        ({"deadline": f"{YEAR - 1}-12-31"}, "input.deadline"),
        ({"plannedBeneficiaries": -1}, "input.plannedBeneficiaries"),
    ],
)
async def test_declare_refusals(gql: GraphQLPost, changes: dict[str, Any], field: str) -> None:
    assert refusal(await gql(DECLARE, {"input": declaration(**changes)})) == ("BAD_USER_INPUT", field)


async def test_the_steps_in_order_each_dated_and_nothing_after_completion(
    gql: GraphQLPost, driver: AsyncDriver
) -> None:
    code = await declare(gql)
    before = data_of(await gql(PIPELINE, {"year": YEAR}))["projectPipeline"]
    body = await gql(ADVANCE, {"code": code, "step": "RESERVE", "date": f"{YEAR}-01-03"})
    assert refusal(body) == ("CONFLICT", "step")
    assert "only SCREEN, WITHDRAW" in body["errors"][0]["message"]
    steps = [
        ("SCREEN", f"{YEAR}-01-10", "DECLARED", False, False),
        ("RANK", f"{YEAR}-01-20", "DECLARED", False, False),
        ("RESERVE", f"{YEAR}-02-01", "RESERVE", False, False),
        ("IMPLEMENT", f"{YEAR}-03-01", "IMPLEMENTED", False, False),
        ("START", f"{YEAR}-03-15", "IMPLEMENTED", True, False),
        ("COMPLETE", f"{YEAR}-06-30", "IMPLEMENTED", True, True),
    ]
    for step, day, stage, started, completed in steps:
        earlier = f"{YEAR}-01-01"
        assert refusal(await gql(ADVANCE, {"code": code, "step": step, "date": earlier})) == ("BAD_USER_INPUT", "date")
        done = data_of(await gql(ADVANCE, {"code": code, "step": step, "date": day}))["advanceProject"]
        assert done["step"] == step
        stored = await one(driver, STORED, code=code)
        assert (stored["stage"], stored["started"], stored["completed"]) == (stage, started, completed), step
        assert (await project_changes(driver, code))[0]["fields"]["step"]["after"] == step
    assert done["nextSteps"] == []
    assert done["dates"] == {
        "declared": f"{YEAR}-01-02",
        "screened": f"{YEAR}-01-10",
        "ranked": f"{YEAR}-01-20",
        "reserved": f"{YEAR}-02-01",
        "implemented": f"{YEAR}-03-01",
        "started": f"{YEAR}-03-15",
        "completed": f"{YEAR}-06-30",
        "withdrawn": None,
    }
    dates = await one(
        driver,
        "MATCH (p:Project {code: $code}) RETURN toString(p.startDate) AS s, toString(p.completionDate) AS c",
        code=code,
    )
    assert dates == {"s": f"{YEAR}-03-15", "c": f"{YEAR}-06-30"}
    body = await gql(ADVANCE, {"code": code, "step": "WITHDRAW", "date": f"{YEAR}-07-01"})
    assert refusal(body) == ("CONFLICT", "step") and "closed" in body["errors"][0]["message"]
    after = data_of(await gql(PIPELINE, {"year": YEAR}))["projectPipeline"]
    assert after["implemented"] == before["implemented"] + 1 and after["declared"] == before["declared"]
    raw = await one(
        driver,
        "MATCH (p:Project {year: $year}) RETURN count(p) AS declared, "
        "count(CASE WHEN p.stage = 'IMPLEMENTED' THEN 1 END) AS implemented",
        year=YEAR,
    )
    assert (after["declared"], after["implemented"]) == (raw["declared"], raw["implemented"])


async def test_withdrawal_from_reserve_closes_the_project(gql: GraphQLPost, driver: AsyncDriver) -> None:
    code = await declare(gql)
    for step, day in (("SCREEN", "01-05"), ("RANK", "01-06"), ("RESERVE", "01-07")):
        data_of(await gql(ADVANCE, {"code": code, "step": step, "date": f"{YEAR}-{day}"}))
    done = data_of(await gql(ADVANCE, {"code": code, "step": "WITHDRAW", "date": f"{YEAR}-02-01"}))["advanceProject"]
    assert done["step"] == "WITHDRAW" and done["project"]["stage"] == "WITHDRAWN" and done["nextSteps"] == []
    assert (await one(driver, STORED, code=code))["stage"] == "WITHDRAWN"
    assert (await project_changes(driver, code))[0]["fields"]["stage"] == {"before": "RESERVE", "after": "WITHDRAWN"}
    assert refusal(await gql(ADVANCE, {"code": code, "step": "IMPLEMENT"})) == ("CONFLICT", "step")
    assert refusal(await gql(ADVANCE, {"code": "P1999-0001", "step": "SCREEN"})) == ("NOT_FOUND", "code")


async def test_funds_go_to_projects_in_reserve_or_later_within_the_budget(
    gql: GraphQLPost, driver: AsyncDriver
) -> None:
    code = await declare(gql)
    source = "中央财政专项扶贫资金"
    base = {"code": code, "source": source, "amount": "30000.00", "year": YEAR}
    assert refusal(await gql(ALLOCATE, base)) == ("CONFLICT", "projectCode")
    for step, day in (("SCREEN", "01-05"), ("RANK", "01-06"), ("RESERVE", "01-07")):
        data_of(await gql(ADVANCE, {"code": code, "step": step, "date": f"{YEAR}-{day}"}))
    pool = f"F{YEAR}-CENTRAL"
    total = (
        "MATCH (f:Fund {id: $id}) OPTIONAL MATCH (f)-[a:ALLOCATED_TO]->() "
        "RETURN f.amountFen AS total, sum(a.amountFen) AS allocated"
    )
    was = await rows(driver, total, id=pool)
    start = was[0]["total"] if was else 0
    funded = data_of(await gql(ALLOCATE, base))["allocateFunds"]
    assert funded["funds"] == [{"source": source, "year": YEAR, "amount": "30000.00"}]
    data_of(await gql(ALLOCATE, {**base, "source": "CENTRAL", "amount": "20000.00"}))
    funded = data_of(await gql(ALLOCATE, {**base, "source": "社会帮扶资金", "amount": "50000.00"}))["allocateFunds"]
    assert sorted((f["source"], f["amount"]) for f in funded["funds"]) == [
        (source, "50000.00"),
        ("社会帮扶资金", "50000.00"),
    ]
    stored = await one(driver, total, id=pool)
    assert stored["total"] == start + 5_000_000 and stored["total"] == stored["allocated"]
    allocation = "MATCH (:Fund {id: $id})-[a:ALLOCATED_TO]->(:Project {code: $code}) RETURN a.amountFen AS fen"
    assert await rows(driver, allocation, id=pool, code=code) == [{"fen": 5_000_000}]
    change = (await project_changes(driver, code))[1]
    assert change["action"] == "allocateFunds" and change["fields"] == {
        f"funds.{pool}": {"before": "30000.00", "after": "50000.00"}
    }
    # The budget (100,000.00) is all allocated now.
    body = await gql(ALLOCATE, {**base, "amount": "0.01"})
    assert refusal(body) == ("BAD_USER_INPUT", "amount") and "0.00 more" in body["errors"][0]["message"]
    for changes, field in (
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"source": "彩票公益金"}, "source"),
        ({"year": 1990}, "year"),
    ):
        assert refusal(await gql(ALLOCATE, {**base, **changes})) == ("BAD_USER_INPUT", field), changes
    assert refusal(await gql(ALLOCATE, {**base, "code": "P1999-0001"})) == ("NOT_FOUND", "projectCode")


async def test_the_overdue_alert_follows_the_steps_of_a_project_past_its_deadline(
    gql: GraphQLPost, driver: AsyncDriver
) -> None:
    code = await declare(gql, year=2020, declaredDate="2020-01-02", deadline="2020-12-31")
    household = await new_household(gql, size=1)
    # Beneficiaries have no mutation of their own yet: linked here.
    await driver.execute_query(
        "MATCH (p:Project {code: $code}), (h:Household {id: $id}) CREATE (p)-[:BENEFITS]->(h)", code=code, id=household
    )
    alert = "MATCH (a:Alert {subject: $code, rule: 'PROJECT_OVERDUE'}) RETURN a.state AS state, a.severity AS severity"
    for step, day in (("SCREEN", "01-05"), ("RANK", "01-06"), ("RESERVE", "01-07")):
        data_of(await gql(ADVANCE, {"code": code, "step": step, "date": f"2020-{day}"}))
    assert await rows(driver, alert, code=code) == []
    data_of(await gql(ADVANCE, {"code": code, "step": "IMPLEMENT", "date": "2020-03-01"}))
    assert await rows(driver, alert, code=code) == [{"state": "OPEN", "severity": "CRITICAL"}]  # not started
    data_of(await gql(ADVANCE, {"code": code, "step": "START", "date": "2020-04-01"}))
    assert await rows(driver, alert, code=code) == [{"state": "OPEN", "severity": "WARNING"}]  # not completed
    done = data_of(await gql(ADVANCE, {"code": code, "step": "COMPLETE", "date": "2021-05-31"}))["advanceProject"]
    assert done["project"]["completed"] is True
    assert await rows(driver, alert, code=code) == [{"state": "RESOLVED", "severity": "WARNING"}]


async def test_scope_cadres_of_the_place_only_analysts_never(gql: GraphQLPost, driver: AsyncDriver) -> None:
    code = data_of(await gql(DECLARE, {"input": declaration()}, as_viewer=NEAR_CADRE))["declareProject"]["project"][
        "code"
    ]
    assert (await project_changes(driver, code))[0]["by"] == NEAR_CADRE.by
    for viewer in (FAR_CADRE, ANALYST):
        assert error_codes(await gql(DECLARE, {"input": declaration()}, as_viewer=viewer)) == ["FORBIDDEN"]
        assert error_codes(await gql(ADVANCE, {"code": code, "step": "SCREEN"}, as_viewer=viewer)) == ["FORBIDDEN"]
        allocation = {"code": code, "source": "CENTRAL", "amount": "1", "year": YEAR}
        assert error_codes(await gql(ALLOCATE, allocation, as_viewer=viewer)) == ["FORBIDDEN"]
    assert (await one(driver, STORED, code=code))["stage"] == "DECLARED"
    assert len(await project_changes(driver, code)) == 1


async def test_the_county_date_is_today_even_when_utc_is_a_day_behind(gql: GraphQLPost, driver: AsyncDriver) -> None:
    """Between 16:00 and 24:00 UTC the county (Beijing time) is already on the next day: a step dated then is
    not in the future, and a declaration without a date is dated so."""
    today = county_today().isoformat()
    given = {k: v for k, v in declaration().items() if k != "declaredDate"}
    declared = data_of(await gql(DECLARE, {"input": given}))["declareProject"]
    code = declared["project"]["code"]
    assert declared["dates"]["declared"] == today
    done = data_of(await gql(ADVANCE, {"code": code, "step": "SCREEN", "date": today}))["advanceProject"]
    assert done["dates"]["screened"] == today
    stored = await one(driver, "MATCH (p:Project {code: $code}) RETURN toString(p.screenedDate) AS day", code=code)
    assert stored["day"] == today


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "光伏\u0000电站"}, "input.name"),
        ({"name": "光伏\n电站"}, "input.name"),
        ({"responsibleUnit": "乡\u0007政府"}, "input.responsibleUnit"),
    ],
)
async def test_project_text_with_control_characters_is_refused(
    gql: GraphQLPost, driver: AsyncDriver, changes: dict[str, Any], field: str
) -> None:
    before = await one(driver, "MATCH (p:Project) RETURN count(p) AS n")
    body = await gql(DECLARE, {"input": declaration(**changes)})
    assert refusal(body) == ("BAD_USER_INPUT", field)
    assert "control character" in body["errors"][0]["message"]
    assert await one(driver, "MATCH (p:Project) RETURN count(p) AS n") == before
