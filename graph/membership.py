"""Who belongs to a household over time: a member joins (birth, marriage in, moving in), leaves (death,
marriage out, moving out), or some members split off into a new household of the same village.

A member who leaves keeps a trace: `(p)-[:LEFT {relation, date, reason}]->(h)` replaces the MEMBER_OF (the
person and their ID number stay, free to join another household; a death also sets `p.deathDate`), and a
joining member's MEMBER_OF carries `since` and `reason`. Per-capita income follows the household's size:
the incomes of the year of the change and later are recomputed (the total over the new size, rounded down
to a fen, as recordIncome does). Each write locks the household(s), records a Change on each and refreshes
what is derived, in one transaction."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from neo4j import AsyncManagedTransaction

from graph.access import Viewer
from graph.derived import refresh_after_write
from graph.history import ChangeEntry, change, record_changes
from graph.money import from_fen
from graph.qr_tokens import new_token
from graph.registry import (
    HEAD,
    NEXT_HOUSEHOLD_ID,
    RELATIONS,
    MemberInput,
    check_id_number,
    check_member,
    person_props,
)
from graph.write_errors import Clash, InvalidInput
from graph.writes import check_past_date, check_text, finish, open_household

MAX_NOTE = 200


class JoinReason(Enum):
    BIRTH = "BIRTH"
    MARRIAGE_IN = "MARRIAGE_IN"
    MOVED_IN = "MOVED_IN"


class LeaveReason(Enum):
    DEATH = "DEATH"
    MARRIAGE_OUT = "MARRIAGE_OUT"
    MOVED_OUT = "MOVED_OUT"


SPLIT = "SPLIT"  # the LEFT reason of members who formed a new household

MEMBERS = """
MATCH (p:Person)-[m:MEMBER_OF]->(:Household {id: $id})
RETURN p.idNumber AS idNumber, p.name AS name, m.relation AS relation
ORDER BY CASE m.relation WHEN '户主' THEN 0 ELSE 1 END, p.birthDate, p.idNumber"""

# The person with this ID number, if known (locked: two households taking the same person in at once run one
# after the other), and the registered household they belong to.
PERSON = """
MATCH (p:Person {idNumber: $idNumber})
SET p.changedAt = datetime()
WITH p
OPTIONAL MATCH (p)-[:MEMBER_OF]->(h:Household)
RETURN p.deathDate IS NOT NULL AS dead, h.id AS household"""

# After joining: a person new to the graph whom another household created at the same time (MERGE waited
# for it) belongs to two households, and the later write is refused.
HOUSEHOLDS_OF = "MATCH (:Person {idNumber: $idNumber})-[:MEMBER_OF]->(h:Household) RETURN collect(h.id) AS ids"

JOIN = """
MATCH (h:Household {id: $id})
MERGE (p:Person {idNumber: $props.idNumber})
ON CREATE SET p = $props
CREATE (p)-[:MEMBER_OF {relation: $relation, since: $date, reason: $reason}]->(h)"""

LEAVE = """
MATCH (p:Person {idNumber: $idNumber})-[m:MEMBER_OF]->(h:Household {id: $id})
CREATE (p)-[:LEFT {relation: m.relation, date: $date, reason: $reason}]->(h)
DELETE m
WITH p SET p.deathDate = CASE WHEN $died THEN $date ELSE p.deathDate END"""

NEW_HEAD = """
MATCH (p:Person {idNumber: $idNumber})-[m:MEMBER_OF]->(h:Household {id: $id})
SET m.relation = $head, h.headName = p.name"""

INCOMES_FROM = """
MATCH (:Household {id: $id})-[:EARNED]->(i:Income) WHERE i.year >= $year
RETURN i.id AS id, i.year AS year, i.netPerCapitaFen AS perCapita,
       i.wageFen + i.operatingFen + i.propertyFen + i.transferFen AS total"""

SET_PER_CAPITA = "UNWIND $rows AS row MATCH (i:Income {id: row.id}) SET i.netPerCapitaFen = row.perCapita"

# What a household split off inherits: its registration as a poor household and the years of it.
INHERITED = """
MATCH (h:Household {id: $id})
RETURN h {.registeredPoor, .attribute, .identifiedYear, .plannedExitYear, .exitYear, .relapseYear, .relapseReason,
          .primaryCause, .otherCauses} AS props"""

CREATE_SPLIT = """
MATCH (old:Household {id: $from})-[:IN]->(v:Village)
CREATE (h:Household) SET h = $props
CREATE (h)-[:IN]->(v)
CREATE (:QrCode {token: $token, createdAt: datetime()})-[:IDENTIFIES]->(h)
WITH old, h
UNWIND $members AS m
MATCH (p:Person {idNumber: m.idNumber})-[r:MEMBER_OF]->(old)
CREATE (p)-[:LEFT {relation: r.relation, date: $date, reason: $split}]->(old)
CREATE (p)-[:MEMBER_OF {relation: m.relation, since: $date, reason: $split}]->(h)
DELETE r"""


@dataclass(frozen=True)
class SplitMember:
    id_number: str
    relation: str


@dataclass(frozen=True)
class Split:
    original_id: str
    new_id: str


async def add_member(
    tx: AsyncManagedTransaction,
    household_id: str,
    member: MemberInput,
    reason: JoinReason,
    date: datetime.date | None,
    viewer: Viewer,
    today: datetime.date,
) -> None:
    """Adds a member: a newborn (the date is the birth date from the ID number), a spouse marrying in, or
    someone moving in. A member of another registered household is a CONFLICT (they leave it first)."""
    new = check_member(member, "member", today)
    if new.relation == HEAD:
        raise InvalidInput(f"a household has one head ({HEAD}); a joining member is not it", "member.relation")
    if reason is JoinReason.BIRTH:
        if date is not None and date != new.birth_date:
            raise InvalidInput(
                f"a birth is dated on the birth date of the ID number, {new.birth_date.isoformat()}", "date"
            )
        day = check_past_date(new.birth_date, "member.idNumber", today)
    else:
        day = check_past_date(date or today, "date", today)
    await open_household(tx, household_id, viewer)
    before = await _members(tx, household_id)
    known = await (await tx.run(PERSON, idNumber=new.id_number)).single()
    if known is not None:
        if known["household"] is not None:
            raise Clash(f"this person is a member of household {known['household']}", "member.idNumber")
        if known["dead"]:
            raise InvalidInput("this person's death is recorded", "member.idNumber")
        if reason is JoinReason.BIRTH:
            raise InvalidInput("this ID number is already registered: not a birth", "member.idNumber")
    params: dict[str, Any] = {
        "props": person_props(new),
        "relation": new.relation,
        "date": day,
        "reason": reason.value,
    }
    await (await tx.run(JOIN, id=household_id, **params)).consume()
    households = (await (await tx.run(HOUSEHOLDS_OF, idNumber=new.id_number)).single(strict=True))["ids"]
    if len(households) > 1:
        other = next(h for h in households if h != household_id)
        raise Clash(f"this person is a member of household {other}", "member.idNumber")
    fields = {
        "members": change(before, await _members(tx, household_id)),
        "joined": change(None, f"{new.name} ({new.relation}), {reason.value} {day.isoformat()}"),
        **await _recompute_per_capita(tx, household_id, day.year),
    }
    await finish(tx, household_id, viewer.by, "addMember", fields)


async def remove_member(
    tx: AsyncManagedTransaction,
    household_id: str,
    id_number: str,
    reason: LeaveReason,
    date: datetime.date,
    new_head: str | None,
    note: str | None,
    viewer: Viewer,
    today: datetime.date,
) -> None:
    """Takes a member off a household (death, marriage out, moving out), never its last member (deregister
    the household instead), and never its head unless `new_head` names the member who heads it from now."""
    number = check_id_number(id_number, "idNumber", today)
    day = check_past_date(date, "date", today)
    successor = check_id_number(new_head, "newHeadIdNumber", today) if new_head is not None else None
    text = check_text(note, "note", MAX_NOTE, required=False)
    await open_household(tx, household_id, viewer)
    members = await _member_rows(tx, household_id)
    leaving = members.get(number)
    if leaving is None:
        raise InvalidInput(f"this person is not a member of household {household_id}", "idNumber")
    if len(members) == 1:
        raise InvalidInput("the last member cannot leave: deregister the household instead", "idNumber")
    if leaving["relation"] == HEAD and successor is None:
        raise InvalidInput("the head leaves only when a new head is named", "newHeadIdNumber")
    if successor is not None:
        if leaving["relation"] != HEAD:
            raise InvalidInput("a new head is named only when the head leaves", "newHeadIdNumber")
        if successor == number or successor not in members:
            raise InvalidInput(f"the new head must be another member of household {household_id}", "newHeadIdNumber")
    before = await _members(tx, household_id)
    died = reason is LeaveReason.DEATH
    await (await tx.run(LEAVE, id=household_id, idNumber=number, date=day, reason=reason.value, died=died)).consume()
    fields: dict[str, dict[str, Any]] = {}
    if successor is not None:
        await (await tx.run(NEW_HEAD, id=household_id, idNumber=successor, head=HEAD)).consume()
        fields["headName"] = change(leaving["name"], members[successor]["name"])
    left = f"{leaving['name']} ({leaving['relation']}), {reason.value} {day.isoformat()}"
    fields |= {
        "members": change(before, await _members(tx, household_id)),
        "left": change(None, left + (f": {text}" if text else "")),
        **await _recompute_per_capita(tx, household_id, day.year),
    }
    await finish(tx, household_id, viewer.by, "removeMember", fields)


async def split_household(
    tx: AsyncManagedTransaction,
    household_id: str,
    members: Sequence[SplitMember],
    date: datetime.date,
    reason: str,
    viewer: Viewer,
    today: datetime.date,
) -> Split:
    """Some members (the new head first) form a new household in the same village, with its own id and QR
    code; it inherits the original's registration as a poor household (status from its years). The
    original keeps its head, its incomes and its records."""
    day = check_past_date(date, "date", today)
    why = check_text(reason, "reason", MAX_NOTE)
    assert why is not None
    moving = _check_split_members(members, today)
    place = await open_household(tx, household_id, viewer)
    current = await _member_rows(tx, household_id)
    for index, m in enumerate(moving):
        found = current.get(m.id_number)
        if found is None:
            raise InvalidInput(f"this person is not a member of household {household_id}", f"members.{index}.idNumber")
        if found["relation"] == HEAD:
            raise InvalidInput("the head stays with the household it heads", f"members.{index}.idNumber")
    before = await _members(tx, household_id)
    inherited = (await (await tx.run(INHERITED, id=household_id)).single(strict=True))["props"]
    new_id = (await (await tx.run(NEXT_HOUSEHOLD_ID, village=place.village)).single(strict=True))["id"]
    props = {
        **{k: v for k, v in inherited.items() if v is not None},
        "id": new_id,
        "headName": current[moving[0].id_number]["name"],
        "status": _status(inherited),
        "splitFrom": household_id,
        "registeredAt": datetime.datetime.now(datetime.UTC),
    }
    props.setdefault("registeredPoor", False)
    props.setdefault("attribute", "ORDINARY")
    props.setdefault("otherCauses", [])
    rows = [{"idNumber": m.id_number, "relation": m.relation} for m in moving]
    await (
        await tx.run(
            CREATE_SPLIT, {"from": household_id}, props=props, token=new_token(), members=rows, date=day, split=SPLIT
        )
    ).consume()
    after = await _members(tx, household_id)
    original_fields = {
        "members": change(before, after),
        "splitInto": change(None, f"{new_id}: {why}"),
        **await _recompute_per_capita(tx, household_id, day.year),
    }
    created_fields = {
        "villageCode": change(None, place.village),
        "headName": change(None, props["headName"]),
        "registeredPoor": change(None, props["registeredPoor"]),
        "status": change(None, props["status"]),
        "members": change(None, await _members(tx, new_id)),
        "splitFrom": change(None, f"{household_id}: {why}"),
    }
    entries = [
        ChangeEntry(household_id, viewer.by, "splitHousehold", original_fields),
        ChangeEntry(new_id, viewer.by, "splitHousehold", created_fields),
    ]
    await record_changes(tx, entries)
    await refresh_after_write(tx, [household_id, new_id])
    return Split(household_id, new_id)


def _check_split_members(members: Sequence[SplitMember], today: datetime.date) -> list[SplitMember]:
    if not members:
        raise InvalidInput("name the members who form the new household, its head first", "members")
    checked: list[SplitMember] = []
    for index, m in enumerate(members):
        number = check_id_number(m.id_number, f"members.{index}.idNumber", today)
        relation = m.relation.strip()
        if relation not in RELATIONS:
            raise InvalidInput(
                f"{relation[:40]!r} is not one of {', '.join(sorted(RELATIONS))}", f"members.{index}.relation"
            )
        if (relation == HEAD) != (index == 0):
            message = f"the first member, and only it, heads the new household ({HEAD})"
            raise InvalidInput(message, f"members.{index}.relation")
        if any(c.id_number == number for c in checked):
            raise InvalidInput("this ID number is given twice", f"members.{index}.idNumber")
        checked.append(SplitMember(number, relation))
    return checked


def _status(registration: dict[str, Any]) -> str:
    """The status a household's registration and years say (as closing a monitoring episode restores it)."""
    if not registration.get("registeredPoor"):
        return "NOT_POOR"
    if registration.get("exitYear") is None or registration.get("relapseYear") is not None:
        return "POOR"
    return "EXITED"


async def _member_rows(tx: AsyncManagedTransaction, household_id: str) -> dict[str, dict[str, Any]]:
    result = await tx.run(MEMBERS, id=household_id)
    return {r["idNumber"]: dict(r) async for r in result}


async def _members(tx: AsyncManagedTransaction, household_id: str) -> list[str]:
    """The members as a Change shows them: `name (relation)`, the head first."""
    return [f"{m['name']} ({m['relation']})" for m in (await _member_rows(tx, household_id)).values()]


async def _recompute_per_capita(
    tx: AsyncManagedTransaction, household_id: str, from_year: int
) -> dict[str, dict[str, Any]]:
    """Recomputes the per-capita income of the years from `from_year` on over the household's size now; the
    Change fields of those that moved (`income.2018.netPerCapita`, in yuan)."""
    size = len(await _member_rows(tx, household_id))
    rows, fields = [], {}
    async for r in await tx.run(INCOMES_FROM, id=household_id, year=from_year):
        per_capita = r["total"] // size
        if per_capita != r["perCapita"]:
            rows.append({"id": r["id"], "perCapita": per_capita})
            fields[f"income.{r['year']}.netPerCapita"] = change(_yuan(r["perCapita"]), _yuan(per_capita))
    if rows:
        await (await tx.run(SET_PER_CAPITA, rows=rows)).consume()
    return fields


def _yuan(fen: int | None) -> str | None:
    value = from_fen(fen)
    return None if value is None else str(value)
