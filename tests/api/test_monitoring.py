"""Relapse monitoring over HTTP, on households the tests register: opening an episode (MONITORED follows),
the steps' validation, closing (the status returns), the overdue alert and opening from an alert."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from neo4j import AsyncDriver

from graph.access import Role, Viewer
from graph.county_time import county_today
from tests.api.writes import VILLAGE, household_input, member, register
from tests.conftest import GraphQLPost
from tests.helpers import data_of, error_codes

pytestmark = pytest.mark.mutates

EPISODE = """id category riskTypes foundBy openedDate dueDate open clearedDate
  steps { consent noticeFrom noticeTo townshipReview countyDecision } missingSteps alert { id state }"""
OPEN = "mutation($input: OpenMonitoringEpisodeInput!) { openMonitoringEpisode(input: $input) { " + EPISODE + " } }"
STEPS = (
    "mutation($id: ID!, $steps: MonitoringStepsInput!) { recordMonitoringSteps(episodeId: $id, steps: $steps) { "
    + EPISODE
    + " } }"
)
CLOSE = (
    "mutation($id: ID!, $day: Date!, $note: String) { closeMonitoringEpisode(episodeId: $id, clearedDate: $day, "
    "note: $note) { " + EPISODE + " } }"
)
HOUSEHOLD = """query($id: ID!) { household(id: $id) {
  status monitoringEpisodes { id open } alerts { id rule state facts history { note } } } }"""


def today() -> datetime.date:
    """The county's date, which the server checks against (Beijing time, not UTC)."""
    return county_today()


def day(offset: int) -> str:
    return (today() + datetime.timedelta(days=offset)).isoformat()


async def new_household(gql: GraphQLPost) -> str:
    return str(data_of(await register(gql, household_input(member("监测户主", "户主"))))["registerHousehold"]["id"])


async def status(driver: AsyncDriver, household: str) -> str:
    records, _, _ = await driver.execute_query("MATCH (h:Household {id: $id}) RETURN h.status AS s", id=household)
    return str(records[0]["s"])


def refusal(body: dict[str, Any]) -> tuple[str, str | None]:
    error = body["errors"][0]
    return error["extensions"]["code"], error["extensions"].get("field")


def opening(household: str, **extra: Any) -> dict[str, Any]:
    return {"householdId": household, "category": "NEAR_POOR", "riskTypes": ["因病"], "foundBy": "CADRE_VISIT", **extra}


async def test_an_episode_makes_the_household_monitored_until_it_closes(gql: GraphQLPost, driver: AsyncDriver) -> None:
    household = await new_household(gql)
    assert await status(driver, household) == "NOT_POOR"
    episode = data_of(await gql(OPEN, {"input": opening(household, riskTypes=["因病", " 因灾 ", "因病"])}))[
        "openMonitoringEpisode"
    ]
    assert episode["id"] == f"{household}-E1"
    assert (episode["open"], episode["openedDate"], episode["dueDate"]) == (True, day(0), day(15))
    assert episode["riskTypes"] == ["因病", "因灾"]
    assert episode["missingSteps"] == ["CONSENT", "VILLAGE_NOTICE", "TOWNSHIP_REVIEW", "COUNTY_DECISION"]
    assert await status(driver, household) == "MONITORED"
    seen = data_of(await gql(HOUSEHOLD, {"id": household}))["household"]
    assert seen["status"] == "MONITORED" and seen["monitoringEpisodes"] == [{"id": episode["id"], "open": True}]
    assert refusal(await gql(OPEN, {"input": opening(household)})) == ("CONFLICT", "input.householdId")

    closed = data_of(await gql(CLOSE, {"id": episode["id"], "day": day(0), "note": "风险已消除"}))
    assert closed["closeMonitoringEpisode"]["open"] is False
    assert await status(driver, household) == "NOT_POOR"
    assert refusal(await gql(STEPS, {"id": episode["id"], "steps": {"consent": day(0)}})) == (
        "BAD_USER_INPUT",
        "episodeId",
    )
    changes, _, _ = await driver.execute_query(
        "MATCH (c:Change)-[:ABOUT]->(:Household {id: $id}) RETURN c.action AS action, c.fields AS fields", id=household
    )
    actions = {r["action"] for r in changes}
    assert {"openMonitoringEpisode", "closeMonitoringEpisode"} <= actions


async def test_steps_are_validated_in_order_and_in_time(gql: GraphQLPost, driver: AsyncDriver) -> None:
    household = await new_household(gql)
    opened = -10
    episode = data_of(await gql(OPEN, {"input": opening(household, openedDate=day(opened))}))["openMonitoringEpisode"]
    eid = episode["id"]
    bad: list[tuple[dict[str, str], str]] = [
        ({"noticeFrom": day(-9)}, "steps.noticeFrom"),  # before consent
        ({"consent": day(-11)}, "steps.consent"),  # before the opening
        ({"consent": day(1)}, "steps.consent"),  # in the future
        ({"consent": day(-9), "noticeFrom": day(-10)}, "steps.noticeFrom"),  # notice before consent
        ({"consent": day(-9), "noticeFrom": day(-8), "noticeTo": day(-5)}, "steps.noticeTo"),  # 3 days
        (
            {"consent": day(-9), "noticeFrom": day(-8), "noticeTo": day(-3), "townshipReview": day(-4)},
            "steps.townshipReview",
        ),
    ]
    for steps, field in bad:
        assert refusal(await gql(STEPS, {"id": eid, "steps": steps})) == ("BAD_USER_INPUT", field), steps
    good = {"consent": day(-9), "noticeFrom": day(-8), "noticeTo": day(-3), "townshipReview": day(-2)}
    recorded = data_of(await gql(STEPS, {"id": eid, "steps": good}))["recordMonitoringSteps"]
    assert recorded["steps"] == {**good, "countyDecision": None}
    assert recorded["missingSteps"] == ["COUNTY_DECISION"]
    stored, _, _ = await driver.execute_query(
        "MATCH (e:MonitoringEpisode {id: $id}) RETURN e.noticeTo AS noticeTo, e.countyDecision AS decided", id=eid
    )
    assert (stored[0]["noticeTo"].iso_format(), stored[0]["decided"]) == (day(-3), None)
    # Past the 15 days: a county decision 16 days after opening cannot be right.
    late = await gql(OPEN, {"input": opening(await new_household(gql), openedDate=day(-16))})
    late_id = data_of(late)["openMonitoringEpisode"]["id"]
    full = {"consent": day(-16), "noticeFrom": day(-15), "noticeTo": day(-10), "townshipReview": day(-9)}
    assert refusal(await gql(STEPS, {"id": late_id, "steps": {**full, "countyDecision": day(0)}})) == (
        "BAD_USER_INPUT",
        "steps.countyDecision",
    )
    assert refusal(await gql(OPEN, {"input": opening(household, openedDate=day(1))}))[0] == "BAD_USER_INPUT"
    assert refusal(await gql(OPEN, {"input": opening(household, riskTypes=[" "])})) == (
        "BAD_USER_INPUT",
        "input.riskTypes",
    )
    assert refusal(await gql(STEPS, {"id": "H0-E1", "steps": good})) == ("NOT_FOUND", "episodeId")


async def test_an_overdue_episode_raises_an_alert_that_its_steps_resolve(gql: GraphQLPost) -> None:
    household = await new_household(gql)
    episode = data_of(await gql(OPEN, {"input": opening(household, openedDate=day(-20))}))["openMonitoringEpisode"]
    alerts = data_of(await gql(HOUSEHOLD, {"id": household}))["household"]["alerts"]
    [overdue] = [a for a in alerts if a["rule"] == "MONITORING_STEP_OVERDUE"]
    assert overdue["state"] == "OPEN"
    assert overdue["facts"] == {
        "episode": episode["id"],
        "openedDate": day(-20),
        "dueDate": day(-5),
        "missingSteps": ["CONSENT", "VILLAGE_NOTICE", "TOWNSHIP_REVIEW", "COUNTY_DECISION"],
    }
    steps = {
        "consent": day(-20),
        "noticeFrom": day(-19),
        "noticeTo": day(-14),
        "townshipReview": day(-13),
        "countyDecision": day(-12),
    }
    data_of(await gql(STEPS, {"id": episode["id"], "steps": steps}))
    alerts = data_of(await gql(HOUSEHOLD, {"id": household}))["household"]["alerts"]
    [resolved] = [a for a in alerts if a["rule"] == "MONITORING_STEP_OVERDUE"]
    assert resolved["state"] == "RESOLVED"
    assert resolved["history"][-1]["note"] == "resolved automatically: the rule no longer holds"


async def test_an_alert_opens_an_episode_for_its_household(gql: GraphQLPost, driver: AsyncDriver) -> None:
    household = await new_household(gql)
    alerts = data_of(await gql(HOUSEHOLD, {"id": household}))["household"]["alerts"]
    [uninsured] = [a for a in alerts if a["rule"] == "MEMBER_UNINSURED"]
    given = {"alertId": uninsured["id"], "category": "SUDDEN_HARDSHIP", "riskTypes": ["因病"]}
    episode = data_of(await gql(OPEN, {"input": given}))["openMonitoringEpisode"]
    assert episode["foundBy"] == "DATA_ALERT"
    assert episode["alert"] == {"id": uninsured["id"], "state": "ACKNOWLEDGED"}
    assert await status(driver, household) == "MONITORED"
    alerts = data_of(await gql(HOUSEHOLD, {"id": household}))["household"]["alerts"]
    notes = [e["note"] for a in alerts if a["id"] == uninsured["id"] for e in a["history"]]
    assert notes[-1] == f"monitoring episode {episode['id']} opened"

    records, _, _ = await driver.execute_query("MATCH (a:Alert {rule: 'PROJECT_OVERDUE'}) RETURN a.id AS id LIMIT 1")
    project_alert = {**given, "alertId": records[0]["id"]}
    assert refusal(await gql(OPEN, {"input": project_alert})) == ("BAD_USER_INPUT", "input.alertId")
    assert refusal(await gql(OPEN, {"input": {**given, "alertId": "H0:X:1"}})) == ("NOT_FOUND", "input.alertId")
    other = {**given, "householdId": await new_household(gql)}
    assert refusal(await gql(OPEN, {"input": other})) == ("BAD_USER_INPUT", "input.householdId")


async def test_only_an_admin_or_a_cadre_in_scope_may_monitor(gql: GraphQLPost, driver: AsyncDriver) -> None:
    household = await new_household(gql)
    elsewhere = Viewer(Role.CADRE, "cadre-elsewhere", frozenset({"141130100201"}))
    for viewer in (elsewhere, Viewer(Role.ANALYST, "analyst"), Viewer.anonymous()):
        assert error_codes(await gql(OPEN, {"input": opening(household)}, as_viewer=viewer)) == ["FORBIDDEN"]
    assert await status(driver, household) == "NOT_POOR"
    cadre = Viewer(Role.CADRE, "cadre-here", frozenset({VILLAGE}))
    assert data_of(await gql(OPEN, {"input": opening(household)}, as_viewer=cadre))["openMonitoringEpisode"]["open"]


async def test_text_with_control_characters_is_refused_a_note_may_break_lines(
    gql: GraphQLPost, driver: AsyncDriver
) -> None:
    household = await new_household(gql)
    bad = await gql(OPEN, {"input": opening(household, riskTypes=["因病", "因\u0000灾"])})
    assert refusal(bad) == ("BAD_USER_INPUT", "input.riskTypes.1")
    assert await status(driver, household) == "NOT_POOR"
    episode = data_of(await gql(OPEN, {"input": opening(household)}))["openMonitoringEpisode"]
    refused = await gql(CLOSE, {"id": episode["id"], "day": day(0), "note": "风险\u001b已消除"})
    assert refusal(refused) == ("BAD_USER_INPUT", "note")
    assert await status(driver, household) == "MONITORED"
    data_of(await gql(CLOSE, {"id": episode["id"], "day": day(0), "note": "风险已消除\n\t已回访"}))
    records, _, _ = await driver.execute_query(
        "MATCH (e:MonitoringEpisode {id: $id}) RETURN e.clearedNote AS note", id=episode["id"]
    )
    assert records[0]["note"] == "风险已消除\n\t已回访"


async def test_the_county_date_is_today_even_when_utc_is_a_day_behind(gql: GraphQLPost) -> None:
    """Between 16:00 and 24:00 UTC the county is already on the next day: an episode opened on the county's
    date is not in the future, and one opened without a date is dated so."""
    household = await new_household(gql)
    episode = data_of(await gql(OPEN, {"input": opening(household, openedDate=county_today().isoformat())}))
    assert episode["openMonitoringEpisode"]["openedDate"] == county_today().isoformat()
    defaulted = data_of(await gql(OPEN, {"input": opening(await new_household(gql))}))["openMonitoringEpisode"]
    assert defaulted["openedDate"] == county_today().isoformat()
