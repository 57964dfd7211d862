"""The household registry's writes: registering a household with its members, finding one by a member's
ID number, and deregistering it. Validation is here too, so that the API and imports refuse the same
things with the same messages; each refusal names the field at fault, relative to the input."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from graph import masking
from graph.access import Viewer
from graph.county_time import county_today
from graph.driver import CountingGraph, Graph
from graph.history import change
from graph.households import HOUSEHOLD_MAP, HouseholdRecord
from graph.id_numbers import IdNumberError, birth_date, is_male, normalize_id_number
from graph.qr_tokens import new_token
from graph.write_errors import Clash, InvalidInput
from graph.writes import TEXT_CONTROLS, Place, check_characters, finish, open_household, open_village, require_scope

HEAD = "户主"
RELATIONS = frozenset({HEAD, "配偶", "之子", "之女", "之儿媳", "之女婿", "之孙子", "之孙女", "之父", "之母", "其他"})
SEXES = frozenset({"MALE", "FEMALE"})
HEALTHS = frozenset({"HEALTHY", "CHRONIC", "SERIOUS", "DISABLED"})
STATUSES = frozenset({"NOT_POOR", "POOR", "EXITED", "MONITORED"})
MAX_NAME = 50
MAX_MEMBERS = 30
MAX_REASON = 200

# Which of these ID numbers belong to a member of a registered household, and which exist at all.
MEMBERSHIPS = """
UNWIND range(0, size($ids) - 1) AS index
MATCH (p:Person {idNumber: $ids[index]})
OPTIONAL MATCH (p)-[m:MEMBER_OF]->(h:Household)-[:IN]->(v:Village)-[:IN]->(t:Township)
RETURN index, h.id AS household, m.relation AS relation, v.code AS village, t.code AS township"""

# The next household id of a village. A Sequence node counts them; SET reads s.last under its write lock, so
# concurrent registrations get distinct numbers, and it starts past the highest id already there.
NEXT_HOUSEHOLD_ID = """
MATCH (v:Village {code: $village})
WITH v, COLLECT { MATCH (o:Household|DeregisteredHousehold)-[:IN]->(v) RETURN max(toInteger(right(o.id, 5))) }[0]
     AS highest
MERGE (s:Sequence {name: 'household:' + v.code})
SET s.last = CASE WHEN coalesce(s.last, 0) < coalesce(highest, 0) THEN highest ELSE coalesce(s.last, 0) END + 1
RETURN 'H' + v.code + right('0000' + toString(s.last), 5) AS id"""

# New people are CREATEd, so two registrations racing for one ID number meet the uniqueness constraint
# on Person.idNumber; people already known (from a deregistered household) are matched.
CREATE_HOUSEHOLD = """
MATCH (v:Village {code: $village})
CREATE (h:Household) SET h = $props
CREATE (h)-[:IN]->(v)
CREATE (:QrCode {token: $token, createdAt: datetime()})-[:IDENTIFIES]->(h)
WITH h
UNWIND $members AS m
CALL (m) {
  WITH m WHERE m.known
  MATCH (p:Person {idNumber: m.props.idNumber})
  RETURN p
  UNION
  WITH m WHERE NOT m.known
  CREATE (p:Person) SET p = m.props
  RETURN p
}
CREATE (p)-[:MEMBER_OF {relation: m.relation}]->(h)"""

HOUSEHOLD_BY_ID_NUMBER = """
MATCH (:Person {idNumber: $idNumber})-[:MEMBER_OF]->(h:Household)-[:IN]->(v:Village)-[:IN]->(t:Township)
RETURN h.id AS household, v.code AS village, t.code AS township"""

DEREGISTER = """
MATCH (h:Household {id: $id})
SET h:DeregisteredHousehold, h.deregisteredAt = datetime(), h.deregistrationReason = $reason
REMOVE h:Household
WITH h
OPTIONAL MATCH (q:QrCode)-[:IDENTIFIES]->(h) WHERE q.revokedAt IS NULL
SET q.revokedAt = datetime()
RETURN count(q) AS retired"""

DEREGISTERED_BY_ID = (
    """
MATCH (h:DeregisteredHousehold {id: $id})-[:IN]->(v:Village)
RETURN """
    + HOUSEHOLD_MAP
    + " AS household"
)


@dataclass(frozen=True)
class MemberInput:
    name: str
    id_number: str
    relation: str
    sex: str | None = None
    health: str | None = None


@dataclass(frozen=True)
class HouseholdInput:
    village_code: str
    members: Sequence[MemberInput]
    registered_poor: bool = False
    status: str = "NOT_POOR"


@dataclass(frozen=True)
class NewMember:
    """A member as it will be stored: ID number normalised, sex and birth date from it."""

    name: str
    id_number: str
    relation: str
    sex: str
    birth_date: datetime.date
    health: str | None


@dataclass(frozen=True)
class NewHousehold:
    village_code: str
    members: tuple[NewMember, ...]
    registered_poor: bool
    status: str

    @property
    def head(self) -> NewMember:
        return self.members[0]


@dataclass(frozen=True)
class Registration:
    household_id: str
    created: bool


def check_name(text: str, field: str) -> str:
    name = text.strip()
    if not name:
        raise InvalidInput("a name cannot be blank", field)
    if len(name) > MAX_NAME:
        raise InvalidInput(f"a name has at most {MAX_NAME} characters, this one has {len(name)}", field)
    return check_characters(name, field)


def check_id_number(text: str, field: str, today: datetime.date | None = None) -> str:
    """The normalised ID number; its birth date may be at most `today` (the county's, by default)."""
    try:
        return normalize_id_number(text, today or county_today())
    except IdNumberError as error:
        raise InvalidInput(str(error), field) from None


def check_choice(value: str | None, allowed: frozenset[str], field: str) -> str | None:
    if value is not None and value not in allowed:
        raise InvalidInput(f"{value[:40]!r} is not one of {', '.join(sorted(allowed))}", field)
    return value


def check_member(member: MemberInput, field: str, today: datetime.date | None = None) -> NewMember:
    id_number = check_id_number(member.id_number, f"{field}.idNumber", today)
    relation = check_choice(member.relation.strip(), RELATIONS, f"{field}.relation")
    assert relation is not None
    sex = check_choice(member.sex, SEXES, f"{field}.sex")
    id_sex = "MALE" if is_male(id_number) else "FEMALE"
    if sex is not None and sex != id_sex:
        raise InvalidInput(
            f"the sex is {sex} but the ID number's sequence is that of a {id_sex.lower()}", f"{field}.sex"
        )
    return NewMember(
        name=check_name(member.name, f"{field}.name"),
        id_number=id_number,
        relation=relation,
        sex=id_sex,
        birth_date=birth_date(id_number),
        health=check_choice(member.health, HEALTHS, f"{field}.health"),
    )


def check_household(household: HouseholdInput, today: datetime.date | None = None) -> NewHousehold:
    """The household as it will be stored, or InvalidInput naming the first field at fault."""
    if not household.members:
        raise InvalidInput("a household has at least one member, its head", "members")
    if len(household.members) > MAX_MEMBERS:
        raise InvalidInput(f"a household has at most {MAX_MEMBERS} members", "members")
    members = tuple(check_member(m, f"members.{i}", today) for i, m in enumerate(household.members))
    if members[0].relation != HEAD:
        raise InvalidInput(f"the first member is the head, whose relation is {HEAD}", "members.0.relation")
    seen: set[str] = set()
    for index, member in enumerate(members):
        if index and member.relation == HEAD:
            raise InvalidInput(f"a household has one head ({HEAD}): the first member", f"members.{index}.relation")
        if member.id_number in seen:
            raise InvalidInput("this ID number is given twice", f"members.{index}.idNumber")
        seen.add(member.id_number)
    status = check_choice(household.status, STATUSES, "status")
    assert status is not None
    if status in ("POOR", "EXITED") and not household.registered_poor:
        raise InvalidInput(f"a household that is {status} is a registered poor household", "registeredPoor")
    if household.registered_poor and status == "NOT_POOR":
        raise InvalidInput("a registered poor household is POOR, EXITED or MONITORED", "status")
    return NewHousehold(household.village_code.strip(), members, household.registered_poor, status)


async def create_household(tx: AsyncManagedTransaction, household: NewHousehold, viewer: Viewer) -> Registration:
    """Registers a checked household in the caller's transaction. When its head already heads a registered
    household, that one is returned and nothing is written. Any other member of another household (the head
    included, when not its head there) is a CONFLICT. A concurrent registration of the same person makes the
    transaction fail with the driver's ConstraintError (see `register_household`)."""
    place = await open_village(tx, household.village_code, viewer, "villageCode")
    ids = [m.id_number for m in household.members]
    known: set[int] = set()
    async for record in await tx.run(MEMBERSHIPS, ids=ids):
        index = record["index"]
        known.add(index)
        if record["household"] is None:
            continue
        place = Place(record["village"], record["township"])
        if index == 0 and record["relation"] == HEAD:
            require_scope(viewer, place, "that household")
            return Registration(record["household"], created=False)
        raise _member_elsewhere(viewer, record["household"], place, f"members.{index}.idNumber")

    household_id = (await (await tx.run(NEXT_HOUSEHOLD_ID, village=place.village)).single(strict=True))["id"]
    props: dict[str, Any] = {
        "id": household_id,
        "headName": household.head.name,
        "registeredPoor": household.registered_poor,
        "status": household.status,
        "attribute": "ORDINARY",
        "otherCauses": [],
        "registeredAt": datetime.datetime.now(datetime.UTC),
    }
    members = [
        {"known": index in known, "relation": m.relation, "props": person_props(m)}
        for index, m in enumerate(household.members)
    ]
    await (
        await tx.run(CREATE_HOUSEHOLD, village=place.village, props=props, token=new_token(), members=members)
    ).consume()
    fields = {
        "villageCode": change(None, place.village),
        "headName": change(None, household.head.name),
        "registeredPoor": change(None, household.registered_poor),
        "status": change(None, household.status),
        "members": change(None, [f"{m.name} ({m.relation})" for m in household.members]),
    }
    await finish(tx, household_id, viewer.by, "registerHousehold", fields)
    return Registration(household_id, created=True)


async def register_household(graph: Graph | CountingGraph, household: NewHousehold, viewer: Viewer) -> Registration:
    """Registers a household in one transaction. Ten parallel calls for the same head create one household:
    the losers fail on the uniqueness of Person.idNumber, and their retry finds the winner's household."""
    try:
        return await graph.write(create_household, household, viewer)
    except ConstraintError:
        return await graph.write(create_household, household, viewer)


async def find_household_by_id_number(tx: AsyncManagedTransaction, id_number: str) -> tuple[str, Place] | None:
    """The registered household one of whose members holds this (normalised) ID number, and its place."""
    masking.check_entry("HouseholdByIdNumber")
    record = await (await tx.run(HOUSEHOLD_BY_ID_NUMBER, idNumber=id_number)).single()
    if record is None:
        return None
    return record["household"], Place(record["village"], record["township"])


async def deregister_household(
    tx: AsyncManagedTransaction, household_id: str, reason: str, viewer: Viewer
) -> HouseholdRecord:
    """Takes a household off the registry: it becomes a DeregisteredHousehold (so no read that matches
    :Household sees it), keeps its history, members and links, and its QR code stops resolving."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("say why the household is deregistered", "reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"a reason has at most {MAX_REASON} characters", "reason")
    check_characters(reason, "reason", TEXT_CONTROLS)
    await open_household(tx, household_id, viewer, "id")
    retired = (await (await tx.run(DEREGISTER, id=household_id, reason=reason)).single(strict=True))["retired"]
    fields = {"registered": change(True, False), "reason": change(None, reason), "qrCodesRetired": change(0, retired)}
    await finish(tx, household_id, viewer.by, "deregisterHousehold", fields)
    record = await (await tx.run(DEREGISTERED_BY_ID, id=household_id)).single(strict=True)
    return HouseholdRecord.from_map(record["household"])


def _member_elsewhere(viewer: Viewer, household_id: str, place: Place, field: str) -> Clash:
    """The CONFLICT of a person already in another household, naming it only to a caller who may see it."""
    if viewer.in_scope(place.village, place.township):
        return Clash(f"this person is a member of household {household_id}", field)
    return Clash("this person is a member of a registered household in a village you do not serve", field)


def person_props(member: NewMember) -> dict[str, Any]:
    props: dict[str, Any] = {
        "idNumber": member.id_number,
        "name": member.name,
        "sex": member.sex,
        "birthDate": member.birth_date,
    }
    if member.health is not None:
        props["health"] = member.health
    return props
