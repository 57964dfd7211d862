"""Helping cadres and their households (结对帮扶): pairing a cadre with a household, ending a pairing, and
the visits a cadre makes.

A pairing is `(c:Cadre)-[:HELPS {since, until}]->(h:Household)`, current while `until` is null; ending it
sets `until` and a change of helper adds a relationship, so the history is kept, never deleted (pairing the
same cadre again later adds another). A visit is `(c)-[:MADE]->(v:Visit {id, date, notes})-[:TO]->(h)`, by
a cadre who helps or helped the household or serves its village; ids number a household's visits
(`H…-V3`), as the seeds do. Each write locks the household, checks the caller's scope, records a Change and
refreshes what is derived, in one transaction."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from neo4j import AsyncManagedTransaction
from neo4j.time import Date

from graph.access import Viewer
from graph.history import change
from graph.write_errors import Clash, InvalidInput
from graph.writes import check_past_date, check_text, finish, open_household

MAX_NOTES = 500

CADRE = "MATCH (c:Cadre {id: $cadre}) RETURN c.name AS name"

CURRENT_PAIRINGS = """
MATCH (c:Cadre)-[r:HELPS]->(:Household {id: $id}) WHERE r.until IS NULL
RETURN c.id AS cadre, c.name AS name, r.since AS since ORDER BY c.id"""

PAIR = """
MATCH (c:Cadre {id: $cadre}), (h:Household {id: $id})
CREATE (c)-[:HELPS {since: $since, until: null}]->(h)"""

END_PAIRINGS = """
UNWIND $cadres AS cadre
MATCH (:Cadre {id: cadre})-[r:HELPS]->(:Household {id: $id}) WHERE r.until IS NULL
SET r.until = $until"""

MAY_VISIT = """
MATCH (c:Cadre {id: $cadre}), (h:Household {id: $id})-[:IN]->(v:Village)
RETURN EXISTS { (c)-[:HELPS]->(h) } OR EXISTS { (c)-[:SERVES]->(v) } AS may"""

NEXT_VISIT_NUMBER = """
MATCH (h:Household {id: $id})
WITH h, COLLECT { MATCH (v:Visit)-[:TO]->(h) WHERE v.id STARTS WITH $id + '-V'
                  RETURN toInteger(substring(v.id, size($id) + 2)) } AS numbers
RETURN reduce(top = 0, n IN numbers | CASE WHEN n > top THEN n ELSE top END) + 1 AS number"""

CREATE_VISIT = """
MATCH (c:Cadre {id: $cadre}), (h:Household {id: $id})
CREATE (c)-[:MADE]->(v:Visit)-[:TO]->(h)
SET v = $props"""


@dataclass(frozen=True)
class VisitRecord:
    id: str
    household_id: str
    cadre_id: str
    date: datetime.date
    notes: str


async def pair_cadre(
    tx: AsyncManagedTransaction,
    household_id: str,
    cadre_id: str,
    since: datetime.date,
    replace_current: bool,
    viewer: Viewer,
    today: datetime.date,
) -> None:
    """Pairs a cadre with a household from `since`; with `replace_current`, the household's current pairings
    end that day (a change of helper). A cadre already helping it is a CONFLICT."""
    day = check_past_date(since, "since", today)
    await open_household(tx, household_id, viewer)
    name = await _cadre_name(tx, cadre_id)
    current = await _current(tx, household_id)
    if cadre_id in current:
        raise Clash(f"cadre {cadre_id} already helps household {household_id}", "cadreId")
    fields: dict[str, dict[str, Any]] = {}
    if replace_current and current:
        latest = max(_date(p["since"]) for p in current.values())
        if day < latest:
            raise InvalidInput(f"a current pairing began on {latest.isoformat()}, after this one", "since")
        await (await tx.run(END_PAIRINGS, id=household_id, cadres=list(current), until=day)).consume()
        for cadre in current:
            fields[f"helps.{cadre}.until"] = change(None, day)
    await (await tx.run(PAIR, id=household_id, cadre=cadre_id, since=day)).consume()
    fields[f"helps.{cadre_id}.since"] = change(None, day)
    helpers = {c: p["name"] for c, p in current.items()}
    after = {**({} if replace_current else helpers), cadre_id: name}
    fields["helpers"] = change(_names(helpers), _names(after))
    await finish(tx, household_id, viewer.by, "pairCadre", fields)


async def unpair_cadre(
    tx: AsyncManagedTransaction,
    household_id: str,
    cadre_id: str,
    until: datetime.date,
    viewer: Viewer,
    today: datetime.date,
) -> None:
    """Ends a cadre's current pairing with a household on `until` (not before it began); the pairing stays
    in the household's history."""
    day = check_past_date(until, "until", today)
    await open_household(tx, household_id, viewer)
    await _cadre_name(tx, cadre_id)
    current = await _current(tx, household_id)
    pairing = current.get(cadre_id)
    if pairing is None:
        raise Clash(f"cadre {cadre_id} does not help household {household_id} now", "cadreId")
    if day < _date(pairing["since"]):
        raise InvalidInput(f"the pairing began on {_date(pairing['since']).isoformat()}", "until")
    await (await tx.run(END_PAIRINGS, id=household_id, cadres=[cadre_id], until=day)).consume()
    fields = {
        f"helps.{cadre_id}.until": change(None, day),
        "helpers": change(
            _names({c: p["name"] for c, p in current.items()}),
            _names({c: p["name"] for c, p in current.items() if c != cadre_id}),
        ),
    }
    await finish(tx, household_id, viewer.by, "unpairCadre", fields)


async def record_visit(
    tx: AsyncManagedTransaction,
    household_id: str,
    cadre_id: str,
    date: datetime.date,
    notes: str,
    viewer: Viewer,
    today: datetime.date,
) -> VisitRecord:
    """Records a cadre's visit to a household: a cadre who helps or helped it, or serves its village."""
    day = check_past_date(date, "date", today)
    text = check_text(notes, "notes", MAX_NOTES)
    assert text is not None
    await open_household(tx, household_id, viewer)
    await _cadre_name(tx, cadre_id)
    record = await (await tx.run(MAY_VISIT, cadre=cadre_id, id=household_id)).single(strict=True)
    if not record["may"]:
        raise InvalidInput(f"cadre {cadre_id} neither helps household {household_id} nor serves its village", "cadreId")
    number = (await (await tx.run(NEXT_VISIT_NUMBER, id=household_id)).single(strict=True))["number"]
    visit_id = f"{household_id}-V{number}"
    props = {"id": visit_id, "date": day, "notes": text}
    await (await tx.run(CREATE_VISIT, cadre=cadre_id, id=household_id, props=props)).consume()
    fields = {f"visit.{visit_id}": change(None, f"{day.isoformat()} {cadre_id}: {text}")}
    await finish(tx, household_id, viewer.by, "recordVisit", fields)
    return VisitRecord(visit_id, household_id, cadre_id, day, text)


async def _cadre_name(tx: AsyncManagedTransaction, cadre_id: str) -> str:
    record = await (await tx.run(CADRE, cadre=cadre_id)).single()
    if record is None:
        raise InvalidInput(f"no cadre has the id {cadre_id[:40]!r}", "cadreId")
    name: str = record["name"]
    return name


async def _current(tx: AsyncManagedTransaction, household_id: str) -> dict[str, dict[str, Any]]:
    result = await tx.run(CURRENT_PAIRINGS, id=household_id)
    return {r["cadre"]: dict(r) async for r in result}


def _names(helpers: dict[str, str]) -> list[str]:
    """Helpers as a Change shows them: `name (cadre id)`, by id."""
    return [f"{helpers[cadre]} ({cadre})" for cadre in sorted(helpers)]


def _date(value: Date | datetime.date) -> datetime.date:
    return value.to_native() if isinstance(value, Date) else value
