"""Alerts: what the early-warning rules (graph/alert_rules.py) find, kept as nodes with their history.

`(a:Alert {id, rule, severity, state, subject, subjectKind, villageCode, townshipCode, facts, raisedAt,
openKey, heldKey})-[:ABOUT]->(Household|Project)`, `(a)-[:HAS_EVENT]->(:AlertEvent {seq, state, at, by, note})`.
`facts` is JSON text. While an alert is OPEN or ACKNOWLEDGED its `openKey` is "subject:RULE", unique (a
constraint), so one alert per rule and subject is unresolved at a time whoever writes. An alert resolved by
hand while its rule still holds keeps the key as `heldKey`: the same facts do not raise it again, new ones do.

Evaluation is a reconcile: a rule that holds and has no unresolved alert opens one; an unresolved alert whose
rule no longer holds is resolved, with a note in its history; one that still holds keeps its state (an
acknowledged alert stays acknowledged) and takes the latest facts."""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from neo4j import AsyncDriver, AsyncManagedTransaction
from neo4j.time import DateTime

from graph import masking
from graph.access import Role, Viewer
from graph.alert_rules import AlertRule, Evaluation, Severity, SubjectKind, Triggered, evaluate, evaluation_of
from graph.monitoring_procedure import today
from graph.paging import Page, PagedList, PageRequest
from graph.write_errors import InvalidInput, Missing, NotAllowed

# How history names the rules when they open or resolve an alert by themselves.
RULES_BY = "early-warning rules"
RAISED_NOTE = "raised: the rule holds"
CLEARED_NOTE = "resolved automatically: the rule no longer holds"


class AlertState(Enum):
    OPEN = "OPEN"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    RESOLVED = "RESOLVED"


def may_write(viewer: Viewer, village: str | None, township: str | None) -> bool:
    """ADMIN anywhere, a CADRE within scope; nobody else."""
    if viewer.role is Role.ADMIN:
        return True
    return viewer.role is Role.CADRE and viewer.in_scope(village or "", township or "")


_RETURN = "a {.*, events: COLLECT { MATCH (a)-[:HAS_EVENT]->(e:AlertEvent) RETURN e {.*} ORDER BY e.seq }}"

# Unresolved alerts, and those resolved by hand while their rule held, in one record.
_UNRESOLVED_MAP = "a {.openKey, .heldKey, .severity, .facts, village: a.villageCode, township: a.townshipCode}"
UNRESOLVED = (
    "MATCH (a:Alert) WHERE a.openKey IS NOT NULL OR a.heldKey IS NOT NULL RETURN collect("
    + _UNRESOLVED_MAP
    + ") AS rows"
)
# A project's own refresh (a library step on a project that may have no beneficiaries): its unresolved alerts.
UNRESOLVED_OF_PROJECTS = (
    """
UNWIND $codes AS subject
MATCH (a:Alert {subject: subject}) WHERE a.openKey IS NOT NULL OR a.heldKey IS NOT NULL
RETURN collect("""
    + _UNRESOLVED_MAP
    + ") AS rows"
)
# A refresh's scope: the households, the projects that benefit them (registered or not: a deregistered
# household's alerts are resolved too), and the unresolved alerts of all of them.
UNRESOLVED_OF_HOUSEHOLDS = (
    """
CALL () {
  UNWIND $ids AS id
  MATCH (:Household|DeregisteredHousehold {id: id})<-[:BENEFITS]-(p:Project)
  RETURN collect(DISTINCT p.code) AS codes
}
RETURN codes, COLLECT {
  UNWIND $ids + codes AS subject
  MATCH (a:Alert {subject: subject}) WHERE a.openKey IS NOT NULL OR a.heldKey IS NOT NULL
  RETURN """
    + _UNRESOLVED_MAP
    + """
} AS rows"""
)

# The id counts the alerts a rule raised on the subject before: `H…:UNSAFE_HOUSING:1`, then `:2`...
OPEN_ALERTS = """
UNWIND $alerts AS t
WITH t, COUNT { MATCH (x:Alert {subject: t.subject}) WHERE x.rule = t.rule } + 1 AS n
MERGE (a:Alert {openKey: t.key})
ON CREATE SET a += t.props, a.id = t.subject + ':' + t.rule + ':' + n, a.rule = t.rule, a.subject = t.subject,
              a.subjectKind = t.subjectKind, a.state = 'OPEN', a.raisedAt = $now, a.raising = true
WITH a, t WHERE a.raising
REMOVE a.raising
WITH a, t
CALL (a, t) { MATCH (h:Household {id: t.subject}) CREATE (a)-[:ABOUT]->(h) }
CALL (a, t) { MATCH (p:Project {code: t.subject}) CREATE (a)-[:ABOUT]->(p) }
CREATE (a)-[:HAS_EVENT]->(:AlertEvent {seq: 1, state: 'OPEN', at: $now, by: $by, note: $note})"""

UPDATE_ALERTS = """
UNWIND $alerts AS t
MATCH (a:Alert {openKey: t.key})
SET a += t.props"""

RESOLVE_ALERTS = """
UNWIND $keys AS key
MATCH (a:Alert {openKey: key})
SET a.state = 'RESOLVED'
REMOVE a.openKey
CREATE (a)-[:HAS_EVENT]->(:AlertEvent {seq: COUNT { (a)-[:HAS_EVENT]->() } + 1, state: 'RESOLVED', at: $now,
                                       by: $by, note: $note})"""

RELEASE_HELD = """
UNWIND $keys AS key
MATCH (a:Alert {heldKey: key})
REMOVE a.heldKey"""

ALERT_BY_ID = "MATCH (a:Alert {id: $id}) RETURN " + _RETURN + " AS alert"

ALERTS_BY_ID = (
    """
UNWIND $ids AS id
MATCH (a:Alert {id: id})
RETURN id, """
    + _RETURN
    + " AS alert"
)

ALERTS_BY_SUBJECT = (
    """
UNWIND $keys AS key
MATCH (a:Alert {subject: key[0]})
WHERE key[1] IS NULL OR a.state = key[1]
WITH key, a ORDER BY a.raisedAt DESC, a.id DESC
RETURN key, collect("""
    + _RETURN
    + ") AS alerts"
)

# A person's step: to ACKNOWLEDGED, or to RESOLVED (the key is kept as heldKey while the rule holds).
TRANSITION = (
    """
MATCH (a:Alert {id: $id})
SET a.state = $state, a.heldKey = CASE WHEN $state = 'RESOLVED' THEN a.openKey ELSE a.heldKey END
WITH a
CALL (a) { WITH a WHERE a.state = 'RESOLVED' REMOVE a.openKey }
CREATE (a)-[:HAS_EVENT]->(:AlertEvent {seq: COUNT { (a)-[:HAS_EVENT]->() } + 1, state: $state, at: $now,
                                       by: $by, note: $note})
RETURN """
    + _RETURN
    + " AS alert"
)

# Listed: alerts about a household or project that is still on the registry, newest first.
ALERT_LIST = PagedList(
    match="MATCH (a:Alert)-[:ABOUT]->(:Household|Project)",
    carry="a",
    key="a.id",
    projection=_RETURN,
    item="alert",
)
ALERT_LIST_SCOPE = "county"
ALERT_SORT = "a.raisedAt.epochMillis"
# Filter conditions by name: fixed text, values in parameters.
_FILTERS = {
    "rule": "a.rule = $rule",
    "state": "a.state = $state",
    "severity": "a.severity = $severity",
    "townshipCode": "a.townshipCode = $townshipCode",
    "villageCode": "a.villageCode = $villageCode",
}


@dataclass(frozen=True)
class AlertEventRecord:
    state: AlertState
    at: datetime.datetime
    by: str
    note: str | None


@dataclass(frozen=True)
class AlertRecord:
    id: str
    rule: AlertRule
    severity: Severity
    state: AlertState
    subject_kind: SubjectKind
    subject: str
    village_code: str | None
    township_code: str | None
    facts: dict[str, Any]
    raised_at: datetime.datetime
    history: tuple[AlertEventRecord, ...]

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> AlertRecord:
        return cls(
            id=m["id"],
            rule=AlertRule(m["rule"]),
            severity=Severity(m["severity"]),
            state=AlertState(m["state"]),
            subject_kind=SubjectKind(m["subjectKind"]),
            subject=m["subject"],
            village_code=m.get("villageCode"),
            township_code=m.get("townshipCode"),
            facts=json.loads(m["facts"]),
            raised_at=_native(m["raisedAt"]),
            history=tuple(
                AlertEventRecord(AlertState(e["state"]), _native(e["at"]), e["by"], e.get("note")) for e in m["events"]
            ),
        )


@dataclass(frozen=True)
class AlertFilter:
    rule: AlertRule | None = None
    state: AlertState | None = None
    severity: Severity | None = None
    township_code: str | None = None
    village_code: str | None = None

    def compile(self) -> tuple[str, dict[str, Any]]:
        values = {
            "rule": self.rule.value if self.rule else None,
            "state": self.state.value if self.state else None,
            "severity": self.severity.value if self.severity else None,
            "townshipCode": self.township_code,
            "villageCode": self.village_code,
        }
        given = {name: value for name, value in values.items() if value is not None}
        return " AND ".join([_FILTERS[name] for name in given] or ["true"]), given


@dataclass(frozen=True)
class ReconcileReport:
    opened: int
    updated: int
    resolved: int
    holding: int


async def reconcile(
    tx: AsyncManagedTransaction, household_ids: Sequence[str] | None, today: datetime.date
) -> ReconcileReport:
    """Brings the alerts of these households (and of the projects that benefit them), or of the whole county
    when None, in line with what the rules find today."""
    evaluation = await evaluation_of(tx, today)
    project_codes: list[str] | None = None
    if household_ids is None:
        record = await (await tx.run(UNRESOLVED)).single(strict=True)
    else:
        record = await (await tx.run(UNRESOLVED_OF_HOUSEHOLDS, ids=list(household_ids))).single(strict=True)
        project_codes = record["codes"]
    existing: list[dict[str, Any]] = record["rows"]
    holding = await _holding(tx, evaluation, household_ids, project_codes)
    return await _apply(tx, holding, existing)


async def _holding(
    tx: AsyncManagedTransaction,
    evaluation: Evaluation | None,
    household_ids: Sequence[str] | None,
    project_codes: Sequence[str] | None,
) -> dict[str, Triggered]:
    if evaluation is None or (household_ids is not None and not household_ids and not project_codes):
        return {}
    return {t.key: t for t in await evaluate(tx, evaluation, household_ids, project_codes)}


async def _apply(
    tx: AsyncManagedTransaction, holding: dict[str, Triggered], existing: list[dict[str, Any]]
) -> ReconcileReport:
    unresolved = {row["openKey"]: row for row in existing if row["openKey"] is not None}
    held = {row["heldKey"]: row for row in existing if row["heldKey"] is not None}
    to_open, to_update, release = [], [], []
    for key, found in holding.items():
        row = _row(found)
        current = unresolved.get(key)
        if current is not None:
            if any(current[name] != row["props"][prop] for name, prop in _COMPARED):
                to_update.append(row)
        elif key in held and held[key]["facts"] == row["props"]["facts"]:
            continue  # resolved by hand on these very facts
        else:
            to_open.append(row)
            if key in held:
                release.append(key)
    release += [key for key in held if key not in holding]
    to_resolve = [key for key in unresolved if key not in holding]
    now = datetime.datetime.now(datetime.UTC)
    if release:
        await (await tx.run(RELEASE_HELD, keys=release)).consume()
    if to_resolve:
        await (await tx.run(RESOLVE_ALERTS, keys=to_resolve, now=now, by=RULES_BY, note=CLEARED_NOTE)).consume()
    if to_update:
        await (await tx.run(UPDATE_ALERTS, alerts=to_update)).consume()
    if to_open:
        await (await tx.run(OPEN_ALERTS, alerts=to_open, now=now, by=RULES_BY, note=RAISED_NOTE)).consume()
    return ReconcileReport(len(to_open), len(to_update), len(to_resolve), len(holding))


_COMPARED = (("severity", "severity"), ("facts", "facts"), ("village", "villageCode"), ("township", "townshipCode"))


def _row(found: Triggered) -> dict[str, Any]:
    return {
        "key": found.key,
        "rule": found.rule.value,
        "subject": found.subject,
        "subjectKind": found.subject_kind.value,
        "props": {
            "severity": found.severity.value,
            "facts": json.dumps(found.facts, ensure_ascii=False, sort_keys=True),
            "villageCode": found.village,
            "townshipCode": found.township,
        },
    }


async def refresh_alerts(tx: AsyncManagedTransaction, household_ids: Sequence[str]) -> None:
    """The refresher every write runs (graph/derived.py): re-evaluates the households it touched."""
    await reconcile(tx, list(household_ids), today())


async def refresh_project_alerts(tx: AsyncManagedTransaction, codes: Sequence[str]) -> None:
    """Re-evaluates these projects' alerts, whether or not households benefit from them."""
    evaluation = await evaluation_of(tx, today())
    record = await (await tx.run(UNRESOLVED_OF_PROJECTS, codes=list(codes))).single(strict=True)
    holding = await _holding(tx, evaluation, [], list(codes))
    await _apply(tx, holding, record["rows"])


async def evaluate_county(driver: AsyncDriver, database: str = "neo4j") -> ReconcileReport:
    """A full evaluation in one write transaction (the CLI's `alerts evaluate`, and after seeding)."""
    async with driver.session(database=database) as session:
        return await session.execute_write(reconcile, None, today())


async def acknowledge(tx: AsyncManagedTransaction, alert_id: str, viewer: Viewer, note: str | None) -> AlertRecord:
    """OPEN → ACKNOWLEDGED (acknowledging an acknowledged alert adds a note); a resolved one is refused."""
    current = await _writable(tx, alert_id, viewer)
    if current.state is AlertState.RESOLVED:
        raise InvalidInput(f"alert {alert_id} is resolved and cannot be acknowledged", "id")
    return await _transition(tx, alert_id, AlertState.ACKNOWLEDGED, viewer, note)


async def resolve(tx: AsyncManagedTransaction, alert_id: str, viewer: Viewer, note: str | None) -> AlertRecord:
    """OPEN or ACKNOWLEDGED → RESOLVED; an already resolved one is refused."""
    current = await _writable(tx, alert_id, viewer)
    if current.state is AlertState.RESOLVED:
        raise InvalidInput(f"alert {alert_id} is already resolved", "id")
    return await _transition(tx, alert_id, AlertState.RESOLVED, viewer, note)


async def get_alert(tx: AsyncManagedTransaction, alert_id: str) -> AlertRecord | None:
    record = await (await tx.run(ALERT_BY_ID, id=alert_id)).single()
    return AlertRecord.from_map(record["alert"]) if record else None


async def alerts_by_id(tx: AsyncManagedTransaction, ids: list[str]) -> dict[str, AlertRecord]:
    result = await tx.run(ALERTS_BY_ID, ids=ids)
    return {r["id"]: AlertRecord.from_map(r["alert"]) async for r in result}


async def alerts_by_subject(
    tx: AsyncManagedTransaction, keys: list[tuple[str, str | None]]
) -> dict[tuple[str, str | None], list[AlertRecord]]:
    """Each subject's alerts (in one state, or all when None), newest first."""
    result = await tx.run(ALERTS_BY_SUBJECT, keys=[list(key) for key in keys])
    found = {(r["key"][0], r["key"][1]): [AlertRecord.from_map(m) for m in r["alerts"]] async for r in result}
    # A household's alerts are shown as its other records are (graph/access.py: Household.alerts).
    return {key: masking.of_household(key[0], "alerts", None, records) for key, records in found.items()}


async def page_alerts(tx: AsyncManagedTransaction, spec: AlertFilter, request: PageRequest) -> Page[AlertRecord]:
    """A page of the listed alerts that match, newest first (ties by id); empty to a caller who may not list them."""
    if not masking.may_enumerate("AlertConnection"):
        return Page.empty()
    where, params = spec.compile()

    def parse(row: dict[str, Any]) -> tuple[AlertRecord, str]:
        record = AlertRecord.from_map(row["alert"])
        return record, record.id

    pages = await ALERT_LIST.pages(
        tx, [ALERT_LIST_SCOPE], request, parse, sort_value=ALERT_SORT, ascending=False, where=where, params=params
    )
    return pages[ALERT_LIST_SCOPE]


async def count_alerts(tx: AsyncManagedTransaction, spec: AlertFilter) -> int:
    where, params = spec.compile()
    return (await ALERT_LIST.counts(tx, [ALERT_LIST_SCOPE], where, params)).get(ALERT_LIST_SCOPE, 0)


async def _writable(tx: AsyncManagedTransaction, alert_id: str, viewer: Viewer) -> AlertRecord:
    current = await get_alert(tx, alert_id)
    if current is None:
        raise Missing(f"no alert has the id {alert_id!r}", "id")
    if not may_write(viewer, current.village_code, current.township_code):
        raise NotAllowed(f"only an administrator, or a cadre of its place, may act on alert {alert_id}")
    return current


async def _transition(
    tx: AsyncManagedTransaction, alert_id: str, state: AlertState, viewer: Viewer, note: str | None
) -> AlertRecord:
    now = datetime.datetime.now(datetime.UTC)
    result = await tx.run(TRANSITION, id=alert_id, state=state.value, now=now, by=viewer.by, note=note)
    record = await result.single(strict=True)
    return AlertRecord.from_map(record["alert"])


def _native(value: DateTime | datetime.datetime) -> datetime.datetime:
    return value.to_native() if isinstance(value, DateTime) else value
