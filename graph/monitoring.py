"""Relapse monitoring (防返贫): an episode opened for a household (from an alert or not), its dated steps
(graph/monitoring_procedure.py), and its closing once the risk is cleared.

`(Household)-[:MONITORED_IN]->(e:MonitoringEpisode {id, category, riskTypes, foundBy, openedDate, consentDate,
noticeFrom, noticeTo, townshipReview, countyDecision (Dates), clearedDate, clearedNote})`, and
`(e)-[:RAISED_BY]->(Alert)` when an alert opened it. A household is MONITORED while it has an open episode;
when its last one closes, its status is what its registration says again (POOR when registered and not
exited or relapsed, EXITED when exited, NOT_POOR otherwise). Each write locks the household, checks the
caller's scope, records a Change on it and refreshes what is derived (the alerts among it), in one
transaction."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from neo4j import AsyncManagedTransaction
from neo4j.time import Date

from graph import masking
from graph.access import Viewer
from graph.alert_rules import SubjectKind
from graph.alerts import AlertState, acknowledge, get_alert
from graph.history import change
from graph.monitoring_procedure import NOTICE_END, NOTICE_MIN_DAYS, PROCEDURE_MAX_DAYS, Step, due_date
from graph.write_errors import Clash, InvalidInput, Missing
from graph.writes import TEXT_CONTROLS, check_characters, finish, open_household

MONITORED = "MONITORED"
MAX_RISK_TYPES = 10
MAX_TEXT = 200
# Every dated step property, in the order the procedure records them.
STEP_FIELDS = (
    Step.CONSENT.value,
    Step.VILLAGE_NOTICE.value,
    NOTICE_END,
    Step.TOWNSHIP_REVIEW.value,
    Step.COUNTY_DECISION.value,
)


class Category(Enum):
    UNSTABLE_EXITED = "UNSTABLE_EXITED"
    NEAR_POOR = "NEAR_POOR"
    SUDDEN_HARDSHIP = "SUDDEN_HARDSHIP"


class FoundBy(Enum):
    SELF_REPORT = "SELF_REPORT"
    CADRE_VISIT = "CADRE_VISIT"
    DATA_ALERT = "DATA_ALERT"
    HOTLINE = "HOTLINE"


_EPISODE_MAP = """e {.*, householdId: h.id,
  alertId: head(COLLECT { MATCH (e)-[:RAISED_BY]->(a:Alert) RETURN a.id })}"""

EPISODES_BY_HOUSEHOLD = (
    """
UNWIND $ids AS id
MATCH (h:Household {id: id})-[:MONITORED_IN]->(e:MonitoringEpisode)
WITH id, h, e ORDER BY e.openedDate DESC, e.id DESC
RETURN id, collect("""
    + _EPISODE_MAP
    + ") AS episodes"
)

EPISODE_BY_ID = (
    """
MATCH (h:Household)-[:MONITORED_IN]->(e:MonitoringEpisode {id: $id})
RETURN """
    + _EPISODE_MAP
    + " AS episode"
)

# Episode ids number a household's episodes: `H…-E1`, `H…-E2`; the id's uniqueness settles a race.
OPEN_EPISODE = """
MATCH (h:Household {id: $household})
WITH h, COUNT { (h)-[:MONITORED_IN]->() } + 1 AS n
CREATE (h)-[:MONITORED_IN]->(e:MonitoringEpisode)
SET e = $props, e.id = h.id + '-E' + n, h.status = $monitored
WITH h, e
CALL (e) { MATCH (a:Alert {id: $alert}) CREATE (e)-[:RAISED_BY]->(a) }
RETURN e.id AS id"""

OPEN_EPISODES_OF = """
MATCH (:Household {id: $household})-[:MONITORED_IN]->(e:MonitoringEpisode) WHERE e.clearedDate IS NULL
RETURN collect(e.id) AS ids"""

HOUSEHOLD_STATUS = "MATCH (h:Household {id: $household}) RETURN h.status AS status"

SET_STEPS = "MATCH (e:MonitoringEpisode {id: $id}) SET e += $steps"

# Closing the last open episode gives the household back the status its registration says.
CLOSE_EPISODE = """
MATCH (h:Household)-[:MONITORED_IN]->(e:MonitoringEpisode {id: $id})
SET e.clearedDate = $cleared, e.clearedNote = $note
WITH h
CALL (h) {
  WITH h WHERE NOT EXISTS { (h)-[:MONITORED_IN]->(o:MonitoringEpisode) WHERE o.clearedDate IS NULL }
  SET h.status = CASE WHEN NOT coalesce(h.registeredPoor, false) THEN 'NOT_POOR'
                      WHEN h.exitYear IS NULL OR h.relapseYear IS NOT NULL THEN 'POOR'
                      ELSE 'EXITED' END
}
RETURN h.status AS status"""


@dataclass(frozen=True)
class EpisodeRecord:
    id: str
    household_id: str
    category: str
    risk_types: tuple[str, ...]
    found_by: str
    opened_date: datetime.date
    steps: dict[str, datetime.date]
    cleared_date: datetime.date | None
    cleared_note: str | None
    alert_id: str | None

    @property
    def due_date(self) -> datetime.date:
        return due_date(self.opened_date)

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> EpisodeRecord:
        return cls(
            id=m["id"],
            household_id=m["householdId"],
            category=m["category"],
            risk_types=tuple(m.get("riskTypes") or ()),
            found_by=m["foundBy"],
            opened_date=_date(m["openedDate"]),
            steps={name: _date(m[name]) for name in STEP_FIELDS if m.get(name) is not None},
            cleared_date=_date(m["clearedDate"]) if m.get("clearedDate") is not None else None,
            cleared_note=m.get("clearedNote"),
            alert_id=m.get("alertId"),
        )


@dataclass(frozen=True)
class OpenRequest:
    """What opening an episode needs: the household, or an alert about it (which then defaults `found_by`
    to DATA_ALERT), and the case."""

    household_id: str | None
    alert_id: str | None
    category: Category
    risk_types: Sequence[str]
    found_by: FoundBy | None
    opened_date: datetime.date


async def episodes_by_household(tx: AsyncManagedTransaction, ids: list[str]) -> dict[str, list[EpisodeRecord]]:
    """Each household's episodes, newest first (shown as its other records are: Household.monitoringEpisodes)."""
    result = await tx.run(EPISODES_BY_HOUSEHOLD, ids=ids)
    found = {r["id"]: [EpisodeRecord.from_map(m) for m in r["episodes"]] async for r in result}
    return {hid: masking.of_household(hid, "monitoringEpisodes", None, records) for hid, records in found.items()}


async def get_episode(tx: AsyncManagedTransaction, episode_id: str) -> EpisodeRecord | None:
    record = await (await tx.run(EPISODE_BY_ID, id=episode_id)).single()
    return EpisodeRecord.from_map(record["episode"]) if record else None


async def open_episode(
    tx: AsyncManagedTransaction, request: OpenRequest, viewer: Viewer, today: datetime.date
) -> EpisodeRecord:
    """Opens an episode: the household becomes MONITORED; an alert it comes from is acknowledged."""
    household_id, found_by = request.household_id, request.found_by
    acknowledge_alert = False
    if request.alert_id is not None:
        alert = await get_alert(tx, request.alert_id)
        if alert is None:
            raise Missing(f"no alert has the id {request.alert_id[:60]!r}", "alertId")
        if alert.subject_kind is not SubjectKind.HOUSEHOLD:
            raise InvalidInput(f"alert {alert.id} is about a project, not a household", "alertId")
        if household_id is not None and household_id != alert.subject:
            raise InvalidInput(
                f"alert {alert.id} is about household {alert.subject}, not {household_id}", "householdId"
            )
        household_id, found_by = alert.subject, found_by or FoundBy.DATA_ALERT
        acknowledge_alert = alert.state is AlertState.OPEN
    if household_id is None:
        raise InvalidInput("name the household (householdId) or the alert (alertId) the episode is for", "householdId")
    if found_by is None:
        raise InvalidInput("say how the risk was found (foundBy)", "foundBy")
    risk_types = _risk_types(request.risk_types)
    if request.opened_date > today:
        raise InvalidInput(f"the opening date {request.opened_date.isoformat()} is in the future", "openedDate")
    await open_household(tx, household_id, viewer)
    already = (await (await tx.run(OPEN_EPISODES_OF, household=household_id)).single(strict=True))["ids"]
    if already:
        raise Clash(f"household {household_id} already has an open monitoring episode ({already[0]})", "householdId")
    before = (await (await tx.run(HOUSEHOLD_STATUS, household=household_id)).single(strict=True))["status"]
    props = {
        "category": request.category.value,
        "riskTypes": risk_types,
        "foundBy": found_by.value,
        "openedDate": request.opened_date,
    }
    record = await (
        await tx.run(OPEN_EPISODE, household=household_id, props=props, monitored=MONITORED, alert=request.alert_id)
    ).single(strict=True)
    episode_id: str = record["id"]
    if request.alert_id is not None and acknowledge_alert:
        await acknowledge(tx, request.alert_id, viewer, f"monitoring episode {episode_id} opened")
    fields = {"monitoringEpisode": change(None, episode_id)}
    if before != MONITORED:
        fields["status"] = change(before, MONITORED)
    await finish(tx, household_id, viewer.by, "openMonitoringEpisode", fields)
    return await _episode(tx, episode_id)


async def record_steps(
    tx: AsyncManagedTransaction,
    episode_id: str,
    steps: Mapping[str, datetime.date],
    viewer: Viewer,
    today: datetime.date,
) -> EpisodeRecord:
    """Records (or corrects) dated steps of an open episode; the steps then stored must form a valid procedure."""
    current = await _episode_for_write(tx, episode_id, viewer)
    merged = {**current.steps, **steps}
    check_steps(current.opened_date, merged, today)
    fields = {
        f"{episode_id}.{name}": change(current.steps.get(name), steps[name])
        for name in STEP_FIELDS
        if name in steps and current.steps.get(name) != steps[name]
    }
    await (await tx.run(SET_STEPS, id=episode_id, steps=dict(steps))).consume()
    await finish(tx, current.household_id, viewer.by, "recordMonitoringSteps", fields)
    return await _episode(tx, episode_id)


async def close_episode(
    tx: AsyncManagedTransaction,
    episode_id: str,
    cleared: datetime.date,
    note: str | None,
    viewer: Viewer,
    today: datetime.date,
) -> EpisodeRecord:
    """Closes an open episode on the day its risk was cleared."""
    current = await _episode_for_write(tx, episode_id, viewer)
    latest = max([current.opened_date, *current.steps.values()])
    if not latest <= cleared <= today:
        raise InvalidInput(
            f"the risk can be cleared from {latest.isoformat()} (the last recorded date) to today,"
            f" not on {cleared.isoformat()}",
            "clearedDate",
        )
    if note is not None and len(note) > MAX_TEXT:
        raise InvalidInput(f"a note has at most {MAX_TEXT} characters", "note")
    if note is not None:
        check_characters(note, "note", TEXT_CONTROLS)
    before = (await (await tx.run(HOUSEHOLD_STATUS, household=current.household_id)).single(strict=True))["status"]
    record = await (await tx.run(CLOSE_EPISODE, id=episode_id, cleared=cleared, note=note)).single(strict=True)
    fields = {f"{episode_id}.clearedDate": change(None, cleared)}
    if record["status"] != before:
        fields["status"] = change(before, record["status"])
    await finish(tx, current.household_id, viewer.by, "closeMonitoringEpisode", fields)
    return await _episode(tx, episode_id)


def check_steps(opened: datetime.date, steps: Mapping[str, datetime.date], today: datetime.date) -> None:
    """Refuses a procedure that cannot be right: a date before the opening or after today, a step before the
    one it follows (or without it), a notice shorter than 5 days, a decision later than 15 days after opening."""
    for index, name in enumerate(STEP_FIELDS):
        day = steps.get(name)
        if day is None:
            continue
        before = STEP_FIELDS[index - 1] if index else None
        if before is not None and steps.get(before) is None:
            raise InvalidInput(f"{name} cannot be recorded before {before}", f"steps.{name}")
        if not opened <= day <= today:
            raise InvalidInput(
                f"{name} must be from the opening date {opened.isoformat()} to today, not {day.isoformat()}",
                f"steps.{name}",
            )
        if before is not None and day < steps[before]:
            raise InvalidInput(
                f"{name} ({day.isoformat()}) is before {before} ({steps[before].isoformat()})", f"steps.{name}"
            )
    notice_from, notice_to = steps.get(Step.VILLAGE_NOTICE.value), steps.get(NOTICE_END)
    if notice_from is not None and notice_to is not None and (notice_to - notice_from).days < NOTICE_MIN_DAYS:
        raise InvalidInput(f"the village notice lasts at least {NOTICE_MIN_DAYS} days", f"steps.{NOTICE_END}")
    decided = steps.get(Step.COUNTY_DECISION.value)
    if decided is not None and decided > due_date(opened):
        raise InvalidInput(
            f"the county decides within {PROCEDURE_MAX_DAYS} days of the opening, by {due_date(opened).isoformat()}",
            f"steps.{Step.COUNTY_DECISION.value}",
        )


def _risk_types(given: Sequence[str]) -> list[str]:
    for index, risk in enumerate(given):
        check_characters(risk, f"riskTypes.{index}")
    risks = list(dict.fromkeys(r.strip() for r in given if r.strip()))  # as given, once each
    if not risks or len(risks) > MAX_RISK_TYPES or any(len(r) > MAX_TEXT for r in risks):
        raise InvalidInput(f"name from 1 to {MAX_RISK_TYPES} risk types (such as 因病, 因灾)", "riskTypes")
    return risks


async def _episode_for_write(tx: AsyncManagedTransaction, episode_id: str, viewer: Viewer) -> EpisodeRecord:
    current = await get_episode(tx, episode_id)
    if current is None:
        raise Missing(f"no monitoring episode of a registered household has the id {episode_id[:60]!r}", "episodeId")
    await open_household(tx, current.household_id, viewer)
    if current.cleared_date is not None:
        raise InvalidInput(f"episode {episode_id} was closed on {current.cleared_date.isoformat()}", "episodeId")
    return current


async def _episode(tx: AsyncManagedTransaction, episode_id: str) -> EpisodeRecord:
    record = await get_episode(tx, episode_id)
    assert record is not None, "the episode was written in this transaction"
    return record


def _date(value: Date | datetime.date) -> datetime.date:
    return value.to_native() if isinstance(value, Date) else value
