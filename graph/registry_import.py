"""Importing a registration form (graph/registry_form.py) into the graph.

Two passes. The first reads the file and checks every household: its rows, then against the database (an
ID number that belongs to another household, a household number that names someone else's household, a
village named differently), spooling the valid ones to a temporary file. Unless `partial`, nothing is
written when any row fails. The second pass writes the spooled households in batches, each one managed
write transaction with flat `UNWIND` statements: it reads the batch's current state, writes only what
differs (so re-importing a file changes nothing), records each changed household's fields before and
after in its history (with the file and the head's row), and refreshes what is derived from them.

Households are found by their number (户编号) or, without one, by the head's ID number; a new household
without a number gets the next free one of its village. Members are found by ID number; an import adds
and corrects members but never removes one (a death or a marriage out is a mutation with its reason)."""

from __future__ import annotations

import asyncio
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from neo4j import AsyncManagedTransaction

from graph import loader
from graph.access import Viewer
from graph.derived import refresh_after_write
from graph.driver import Graph
from graph.history import ChangeEntry, diff, record_changes
from graph.qr_tokens import new_token
from graph.registry_form import (
    HOUSEHOLD_ID,
    FormError,
    HouseholdRows,
    Place,
    RowError,
    read_households,
)

BATCH_HOUSEHOLDS = 2000  # per write transaction: larger batches spread the fixed cost of each statement
IMPORT_ACTION = "importHousehold"

Cells = list[str | None]
# Opens the file: its header row and its numbered rows.
RowSource = Callable[[], tuple[Cells, Iterable[tuple[int, Cells]]]]
Progress = Callable[[str, int], object]

# Who holds these ID numbers now. A member of a deregistered household only (or of none, after a death) is
# free to join a household, as registerHousehold allows.
PERSONS = """
UNWIND $ids AS id
MATCH (p:Person {idNumber: id})
RETURN id, COLLECT { MATCH (p)-[:MEMBER_OF]->(h:Household) RETURN h.id }[0] AS household"""

HOUSEHOLD_IDS = """
UNWIND $ids AS id
OPTIONAL MATCH (h:Household {id: id})
OPTIONAL MATCH (d:DeregisteredHousehold {id: id})
RETURN id, h IS NOT NULL AS active, d IS NOT NULL AS deregistered"""

PlaceNames = tuple[str | None, str | None, str | None, str | None, str | None]
UNKNOWN_PLACE: PlaceNames = (None, None, None, None, None)

PLACES = """
UNWIND $codes AS code
OPTIONAL MATCH (v:Village {code: code})
OPTIONAL MATCH (t:Township {code: substring(code, 0, 9) + '000'})
OPTIONAL MATCH (c:County {code: substring(code, 0, 6)})
RETURN code, v.name AS village, t.name AS township, c.name AS county, c.city AS city, c.province AS province"""

# The county the database holds (None: an empty database, which a first import fills from the file).
COUNTY = "MATCH (c:County) RETURN c.code AS code, c.name AS name ORDER BY c.code LIMIT 1"

HOUSEHOLD_STATE = """
UNWIND $ids AS id
MATCH (h:Household {id: id})-[:IN]->(v:Village)
RETURN id, v.code AS village, h {.*} AS props,
  COLLECT { MATCH (p:Person)-[m:MEMBER_OF]->(h) RETURN p {.*, relation: m.relation} } AS members,
  COLLECT { MATCH (h)-[:EARNED]->(i:Income) RETURN i {.*} } AS incomes"""

# Reserves the next numbers of these villages on the Sequence node registerHousehold counts with
# (graph/registry.py): past every number the database holds (deregistered households too) and every number
# the file gives. SET reads s.last under its write lock, so a concurrent registration gets another number.
RESERVE_NUMBERS = """
UNWIND $villages AS row
MATCH (v:Village {code: row.code})
WITH v, row,
  COLLECT { MATCH (o:Household|DeregisteredHousehold)-[:IN]->(v) RETURN max(toInteger(right(o.id, 5))) }[0] AS highest
MERGE (s:Sequence {name: 'household:' + v.code})
SET s.last = reduce(m = coalesce(s.last, 0), x IN [coalesce(highest, 0), row.given] | CASE WHEN x > m THEN x ELSE m END)
  + row.count
RETURN row.code AS code, s.last - row.count AS last"""

# The writes of a batch, each a flat UNWIND (no FOREACH or nested subquery: those plans turn eager and
# slow down as batches grow). New households first, then their fields, members and incomes.
CREATE_HOUSEHOLDS = """
UNWIND $rows AS row
MATCH (v:Village {code: row.village})
CREATE (h:Household {id: row.id})
CREATE (h)-[:IN]->(v)
CREATE (:QrCode {token: row.token, createdAt: datetime()})-[:IDENTIFIES]->(h)"""

SET_HOUSEHOLDS = """
UNWIND $rows AS row
MATCH (h:Household {id: row.id})
SET h += row.props"""

# People the database does not know yet (CREATE: two imports racing for one ID number meet the
# uniqueness constraint), and known people (a member already, or free after a deregistration or a death).
CREATE_MEMBERS = """
UNWIND $members AS m
MATCH (h:Household {id: m.household})
CREATE (p:Person)-[:MEMBER_OF {relation: m.relation}]->(h)
SET p = m.props"""

JOIN_MEMBERS = """
UNWIND $members AS m
MATCH (h:Household {id: m.household})
MATCH (p:Person {idNumber: m.idNumber})
SET p += m.props
MERGE (p)-[r:MEMBER_OF]->(h)
SET r.relation = m.relation"""

SET_INCOMES = """
UNWIND $incomes AS i
MATCH (h:Household {id: i.household})
MERGE (x:Income {id: i.props.id})
SET x += i.props
MERGE (h)-[:EARNED]->(x)"""


class ImportConflict(Exception):
    """The database changed between the check and the write of a batch."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(f"row {e.row} {e.column}: {e.message}" for e in errors))
        self.errors = errors


@dataclass
class ImportReport:
    """What an import did, or would have done: households and rows read, written, and every problem."""

    file: str
    partial: bool
    households: int = 0
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # households with a problem, not written
    errors: list[RowError] = field(default_factory=list)
    # village code -> the highest household number the file gives (new households are numbered after it)
    numbering: dict[str, int] = field(default_factory=dict, repr=False)
    new_places: bool = field(default=False, repr=False)  # new villages of the database's county allowed

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.created + self.updated > 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "ok": self.ok,
            "partial": self.partial,
            "households": self.households,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "errors": [e.as_dict() for e in self.errors],
        }


@dataclass
class _State:
    """What the database holds for a batch of households."""

    persons: dict[str, str | None] = field(default_factory=dict)  # a known ID number -> its active household
    households: dict[str, tuple[bool, bool]] = field(default_factory=dict)  # id -> active, deregistered
    # village, township, county, city, province: the names the database holds
    places: dict[str, PlaceNames] = field(default_factory=dict)
    current: dict[str, dict[str, Any]] = field(default_factory=dict)  # household id -> its state
    county: tuple[str, str] | None = None  # the database's county: (code, name)


async def import_registry(
    graph: Graph,
    source: RowSource,
    *,
    file_name: str,
    viewer: Viewer,
    partial: bool = False,
    new_places: bool = False,
    progress: Progress | None = None,
    batch_households: int = BATCH_HOUSEHOLDS,
) -> ImportReport:
    """Check the whole file, then (when it has no problem, or with `partial`) write its valid households.
    Villages the database does not hold are row errors, unless it holds no county yet (a first load), or
    `new_places` allows new villages (and townships) of its county (a county loaded in several files)."""
    report = ImportReport(file=file_name, partial=partial, new_places=new_places)
    # The households checked are spooled to a temporary file as they are, so that the writes need not
    # read and check the file again (one pass over it, memory flat whatever its size).
    with tempfile.TemporaryFile(prefix="yimaqing-import-") as spool:
        try:
            await _check(graph, source, report, spool, batch_households, progress)
        except FormError as error:
            report.errors = error.errors
            return report
        if report.errors and not partial:
            report.skipped = report.households
            report.errors.sort(key=lambda e: e.row)
            return report
        spool.seek(0)
        await _write(graph, spool, report, viewer, file_name, partial, progress)
    report.unchanged = report.households - report.skipped - report.created - report.updated
    report.errors.sort(key=lambda e: e.row)
    return report


async def _check(
    graph: Graph,
    source: RowSource,
    report: ImportReport,
    spool: IO[bytes],
    batch_households: int,
    progress: Progress | None,
) -> None:
    """The first pass: every household checked on its own and against the database; the valid ones spooled
    in batches, with the highest household number the file gives in each village."""
    batches = _batches(_households(source), batch_households)
    first_county: tuple[str, int] | None = None  # into an empty database: the file's county, and its row
    # Reading and checking rows is CPU work: done in a thread, so that a server's other requests go on.
    while (batch := await asyncio.to_thread(next, batches, None)) is not None:
        state = await graph.read(_read_state, batch)
        for household in batch:
            report.households += 1
            report.rows += len(household.rows)
            if not household.errors:
                household.errors.extend(_resolve(household, state, report.new_places)[1])
            if not household.errors and state.county is None and household.place is not None:
                first_county = first_county or (household.place.county_code, household.rows[0])
                household.errors.extend(_one_county(household, first_county))
            report.errors.extend(household.errors)
            report.skipped += bool(household.errors)
            _note_number(household, report.numbering)
        pickle.dump((len(batch), [h for h in batch if not h.errors]), spool, pickle.HIGHEST_PROTOCOL)
        if progress is not None:
            progress("checked", len(batch))


async def _write(
    graph: Graph,
    spool: IO[bytes],
    report: ImportReport,
    viewer: Viewer,
    file_name: str,
    partial: bool,
    progress: Progress | None,
) -> None:
    """The second pass: the spooled batches written, each in one transaction."""
    while True:
        try:
            size, valid = pickle.load(spool)
        except EOFError:
            return
        if valid:
            try:
                created, updated, problems = await graph.write(
                    _write_batch,
                    valid,
                    viewer.by,
                    file_name,
                    report.numbering,
                    strict=not partial,
                    new_places=report.new_places,
                )
            except ImportConflict as conflict:  # the database changed since the check: stop here
                report.errors.extend(conflict.errors)
                report.skipped = report.households - report.created - report.updated
                return
            report.created += created
            report.updated += updated
            for errors in problems:  # the database changed since the check (a partial import goes on)
                report.errors.extend(errors)
                report.skipped += 1
        if progress is not None:
            progress("written", size)


def _note_number(household: HouseholdRows, numbering: dict[str, int]) -> None:
    hid = household.household_id
    if hid is not None and HOUSEHOLD_ID.fullmatch(hid):
        code = hid[1:13]
        numbering[code] = max(numbering.get(code, 0), int(hid[-5:]))


def _households(source: RowSource) -> Iterator[HouseholdRows]:
    header, rows = source()
    return read_households(header, rows)


def _batches(households: Iterator[HouseholdRows], size: int) -> Iterator[list[HouseholdRows]]:
    batch: list[HouseholdRows] = []
    for household in households:
        batch.append(household)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


async def _read_state(tx: AsyncManagedTransaction, batch: list[HouseholdRows]) -> _State:
    state = _State()
    valid = [h for h in batch if not h.errors]
    ids = [m.id_number for h in valid for m in h.members]
    result = await tx.run(PERSONS, ids=ids)
    async for r in result:
        state.persons[r["id"]] = r["household"]
    numbers = sorted({h.household_id for h in valid if h.household_id is not None})
    result = await tx.run(HOUSEHOLD_IDS, ids=numbers)
    async for r in result:
        state.households[r["id"]] = (bool(r["active"]), bool(r["deregistered"]))
    county = await (await tx.run(COUNTY)).single()
    state.county = (county["code"], county["name"]) if county is not None else None
    codes = sorted({h.place.village_code for h in valid if h.place is not None})
    result = await tx.run(PLACES, codes=codes)
    async for r in result:
        state.places[r["code"]] = (r["village"], r["township"], r["county"], r["city"], r["province"])
    targets = {held for held in state.persons.values() if held is not None} | set(numbers)
    result = await tx.run(HOUSEHOLD_STATE, ids=sorted(targets))
    async for r in result:
        state.current[r["id"]] = {
            "village": r["village"],
            "props": r["props"],
            "members": {m["idNumber"]: m for m in r["members"]},
            "incomes": {i["year"]: i for i in r["incomes"]},
        }
    return state


def _resolve(household: HouseholdRows, state: _State, new_places: bool) -> tuple[str | None, list[RowError]]:
    """The household the rows are about (None: a new one), and what the database says against them."""
    errors: list[RowError] = []
    head_row = household.rows[0]
    target = household.household_id
    if target is not None and state.households.get(target, (False, False))[1]:
        errors.append(RowError(head_row, "户编号", f"household {target} was deregistered"))
    if target is None:
        target = state.persons.get(household.head.id_number)
    for member in household.members:
        other = state.persons.get(member.id_number)
        if other is not None and other != target:
            errors.append(RowError(member.row, "证件号码", f"already a member of household {other}"))
    place = household.place
    assert place is not None  # a household without a place has a row error and is never resolved
    current = state.current.get(target) if target is not None else None
    if current is not None and current["village"] != place.village_code:
        message = f"household {target} is in village {current['village']}: moving it is a mutation"
        errors.append(RowError(head_row, "行政村代码", message))
    stored = state.places.get(place.village_code, UNKNOWN_PLACE)
    if state.county is not None and stored[0] is None and (not new_places or place.county_code != state.county[0]):
        # Places come from a file only into an empty database: a mistyped code is not a new village.
        errors.append(RowError(head_row, "行政村代码", f"no village {place.village_code} in {state.county[1]}"))
    else:
        errors.extend(_place_errors(place, stored, head_row))
    return target, errors


def _one_county(household: HouseholdRows, first: tuple[str, int]) -> list[RowError]:
    """A first import, into an empty database, loads one county: the one of the file's first household."""
    assert household.place is not None
    code, row = first
    if household.place.county_code == code:
        return []
    message = f"county {household.place.county_code} is not the county of row {row} ({code}): import one county"
    return [RowError(household.rows[0], "行政村代码", message)]


def _place_errors(place: Place, stored: PlaceNames, row: int) -> list[RowError]:
    """A place the file names differently from the database, or a new place without its name."""
    given = (place.village, place.township, place.county, place.city, place.province)
    for name, known, header in zip(given, stored, ("行政村", "乡镇", "县", "市", "省"), strict=True):
        if known is None and name is None:
            return [RowError(row, header, f"{place.village_code} is a new place: give its name")]
        if known is not None and name is not None and name != known:
            return [RowError(row, header, f"the database names it {known}")]
    return []


def _same_empty(stored: Any, given: Any) -> Any:
    return given if (stored is None and given == []) or (stored == [] and given is None) else stored


async def _write_batch(
    tx: AsyncManagedTransaction,
    batch: list[HouseholdRows],
    by: str,
    file_name: str,
    numbering: dict[str, int],
    strict: bool,
    new_places: bool = False,
) -> tuple[int, int, list[list[RowError]]]:
    """Writes what differs for each household of the batch; returns (created, updated, the problems the
    database shows now). Such problems mean the database changed since the check: a strict import raises
    ImportConflict (nothing of the batch is written), a partial one skips those households."""
    state = await _read_state(tx, batch)
    targets: list[tuple[HouseholdRows, str | None]] = []
    problems: list[list[RowError]] = []
    for household in batch:
        target, errors = _resolve(household, state, new_places)
        if errors and strict:
            raise ImportConflict(errors)
        if errors:
            problems.append(errors)
        else:
            targets.append((household, target))
    await _create_places(tx, [h.place for h, _ in targets if h.place is not None], state)
    numbers = await _new_numbers(tx, [h for h, target in targets if target is None], numbering)
    created: list[dict[str, Any]] = []
    updated: list[dict[str, Any]] = []
    entries: list[ChangeEntry] = []
    for household, target in targets:
        hid = target if target is not None else numbers.pop(0)
        current = state.current.get(hid)
        before, after, row = _fields(household, hid, current, state)
        changes = diff(before, after)
        if not changes:
            continue
        if current is None:
            assert household.place is not None
            row.update(id=hid, village=household.place.village_code, token=new_token())
            row["props"] = {**row["props"], "id": hid}
            created.append(row)
        else:
            updated.append(row)
        entries.append(ChangeEntry(hid, by, IMPORT_ACTION, changes, file=file_name, row=household.rows[0]))
    await _write_households(tx, created, updated)
    if entries:
        await record_changes(tx, entries)
        await refresh_after_write(tx, [entry.household_id for entry in entries])
    return len(created), len(updated), problems


async def _write_households(
    tx: AsyncManagedTransaction, created: list[dict[str, Any]], updated: list[dict[str, Any]]
) -> None:
    rows = created + updated
    members = [{**m, "household": row["id"]} for row in rows for m in row["members"]]
    known = [
        {**m, "household": row["id"], "idNumber": m["props"]["idNumber"]} for row in rows for m in row["knownMembers"]
    ]
    incomes = [{"household": row["id"], "props": income} for row in rows for income in row["incomes"]]
    for statement, params in (
        (CREATE_HOUSEHOLDS, {"rows": created}),
        (SET_HOUSEHOLDS, {"rows": rows}),
        (CREATE_MEMBERS, {"members": members}),
        (JOIN_MEMBERS, {"members": known}),
        (SET_INCOMES, {"incomes": incomes}),
    ):
        if next(iter(params.values())):
            await (await tx.run(statement, **params)).consume()


async def _create_places(tx: AsyncManagedTransaction, places: list[Place], state: _State) -> None:
    """The counties, townships and villages the batch names that the database does not hold yet."""
    counties: dict[str, dict[str, Any]] = {}
    townships: dict[str, dict[str, Any]] = {}
    villages: dict[str, dict[str, Any]] = {}
    for place in places:
        village, township, county, _, _ = state.places.get(place.village_code, UNKNOWN_PLACE)
        if county is None and place.county_code not in counties:
            props = {"code": place.county_code, "name": place.county, "province": place.province, "city": place.city}
            counties[place.county_code] = {"props": props, "token": new_token()}
        if township is None and place.township_code not in townships:
            kind = "TOWN" if (place.township or "").endswith("镇") else "TOWNSHIP"
            props = {"code": place.township_code, "name": place.township, "kind": kind}
            townships[place.township_code] = {"props": props, "county": place.county_code, "token": new_token()}
        if village is None and place.village_code not in villages:
            props = {"code": place.village_code, "name": place.village}
            villages[place.village_code] = {"props": props, "township": place.township_code, "token": new_token()}
    for statement, rows in ((loader.COUNTY, counties), (loader.TOWNSHIPS, townships), (loader.VILLAGES, villages)):
        if rows:
            await (await tx.run(statement, rows=list(rows.values()))).consume()


async def _new_numbers(
    tx: AsyncManagedTransaction, households: list[HouseholdRows], numbering: dict[str, int]
) -> list[str]:
    """The next free household numbers of their villages, in order (see RESERVE_NUMBERS)."""
    counts: dict[str, int] = {}
    for household in households:
        assert household.place is not None
        counts[household.place.village_code] = counts.get(household.place.village_code, 0) + 1
    if not counts:
        return []
    rows = [{"code": code, "count": n, "given": numbering.get(code, 0)} for code, n in sorted(counts.items())]
    last = {r["code"]: r["last"] async for r in await tx.run(RESERVE_NUMBERS, villages=rows)}
    numbers = []
    for household in households:
        assert household.place is not None
        code = household.place.village_code
        last[code] += 1
        numbers.append(f"H{code}{last[code]:05d}")
    return numbers


def _fields(
    household: HouseholdRows, hid: str, current: dict[str, Any] | None, state: _State
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The household's fields as stored and as the file gives them (named as its history shows them), and
    the row that writes the file's values."""
    stored = current or {"props": {}, "members": {}, "incomes": {}}
    props = dict(household.props)
    for key, default in (("registeredPoor", False), ("status", "NOT_POOR")):
        if props.get(key) is None and (key in props or current is None):
            props[key] = default
    # An empty list (of other causes) and no value are the same: registerHousehold stores none.
    before = {key: _same_empty(stored["props"].get(key), props[key]) for key in props}
    after = dict(props)
    members: list[dict[str, Any]] = []  # people the database does not know yet
    known: list[dict[str, Any]] = []
    for member in household.members:
        was = stored["members"].get(member.id_number, {})
        person = {key: value for key, value in member.props.items() if key != "idNumber"}
        for key, value in [*person.items(), ("relation", member.relation)]:
            name = f"{member.id_number}.{key}"
            before[name] = was.get(key)
            after[name] = value
        entry = {"props": {**person, "idNumber": member.id_number}, "relation": member.relation}
        (known if member.id_number in state.persons else members).append(entry)
    size = len(set(stored["members"]) | {m.id_number for m in household.members})
    incomes = []
    for year, parts in sorted(household.incomes.items()):
        income = {"id": f"{hid}-{year}", "year": year, **parts, "netPerCapitaFen": sum(parts.values()) // size}
        was = stored["incomes"].get(year, {})
        for key in (*parts, "netPerCapitaFen"):
            before[f"{year}.{key}"] = was.get(key)
            after[f"{year}.{key}"] = income[key]
        incomes.append(income)
    row = {"id": hid, "props": props, "members": members, "knownMembers": known, "incomes": incomes}
    return before, after, row
