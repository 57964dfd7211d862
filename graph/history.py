"""The audit trail: every write to a household records a Change on it (who, when, the action and each
field before and after), newest first, kept after the household is deregistered.

`(c:Change {id, at, by, action, fields, file, row})-[:ABOUT]->(h:Household|DeregisteredHousehold)`; `fields`
is JSON text (`{"status": {"before": "POOR", "after": "EXITED"}}`), `file` and `row` name the import that
made the change. A Change's id starts with the time in microseconds, so ids sort as the changes happened."""

from __future__ import annotations

import datetime
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from neo4j import AsyncManagedTransaction
from neo4j.time import Date, DateTime

from graph import masking
from graph.money import from_fen
from graph.paging import Page, PagedList, PageRequest

RECORD_CHANGES = """
UNWIND $changes AS change
MATCH (h:Household|DeregisteredHousehold {id: change.householdId})
CREATE (c:Change)-[:ABOUT]->(h)
SET c = change.props"""

# A project's changes (its library steps, its funds) hang on the project the same way.
RECORD_PROJECT_CHANGE = """
MATCH (p:Project {code: $code})
CREATE (c:Change)-[:ABOUT]->(p)
SET c = $props"""

CHANGES = PagedList(
    match="MATCH (c:Change)-[:ABOUT]->(:Household|DeregisteredHousehold {id: scope})",
    carry="c",
    key="c.id",
    projection="c {.*}",
    item="change",
)


@dataclass(frozen=True)
class ChangeEntry:
    """One change to record: what a write (or an import's row) did to one household."""

    household_id: str
    by: str
    action: str
    fields: Mapping[str, Mapping[str, Any]]
    file: str | None = None
    row: int | None = None


@dataclass(frozen=True)
class ChangeRecord:
    id: str
    at: datetime.datetime
    by: str
    action: str
    fields: dict[str, Any]
    file: str | None
    row: int | None

    @classmethod
    def from_map(cls, m: dict[str, Any]) -> ChangeRecord:
        at = m["at"]
        return cls(
            id=m["id"],
            at=at.to_native() if isinstance(at, DateTime) else at,
            by=m["by"],
            action=m["action"],
            fields=json.loads(m["fields"]),
            file=m.get("file"),
            row=m.get("row"),
        )


def change(before: Any, after: Any) -> dict[str, Any]:
    """One field's entry in a Change, in JSON terms."""
    return {"before": json_value(before), "after": json_value(after)}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields of `after` whose value differs from `before` (absent counts as null); money stored in fen
    (`wageFen`) is named and shown in yuan (`wage`, "10000.01")."""
    changes = {}
    for key in sorted(after):
        old, new = before.get(key), after.get(key)
        if json_value(old) == json_value(new):
            continue
        if key.endswith("Fen"):
            changes[key.removesuffix("Fen")] = change(from_fen(old), from_fen(new))
        else:
            changes[key] = change(old, new)
    return changes


def json_value(value: Any) -> Any:
    """A stored or Python value as JSON: dates as ISO text, money as a string with two decimals."""
    if isinstance(value, Date | DateTime):
        return value.iso_format()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return value


async def record_changes(tx: AsyncManagedTransaction, entries: Sequence[ChangeEntry]) -> None:
    """Records changes in the caller's transaction (one query for any number); imports pass file and row."""
    now = datetime.datetime.now(datetime.UTC)
    stamp = int(now.timestamp() * 1_000_000)
    rows = []
    for offset, entry in enumerate(entries):
        props: dict[str, Any] = {
            # Time first (fixed width), then the order within this batch, then randomness against other writers.
            "id": f"{stamp:014x}-{offset:05x}-{secrets.token_hex(4)}",
            "at": now,
            "by": entry.by,
            "action": entry.action,
            "fields": json.dumps(entry.fields, ensure_ascii=False, sort_keys=True),
        }
        if entry.file is not None:
            props["file"] = entry.file
        if entry.row is not None:
            props["row"] = entry.row
        rows.append({"householdId": entry.household_id, "props": props})
    await (await tx.run(RECORD_CHANGES, changes=rows)).consume()


async def history_pages(
    tx: AsyncManagedTransaction, household_ids: list[str], request: PageRequest
) -> dict[str, Page[ChangeRecord]]:
    """A page of each household's changes, newest first."""

    def parse(row: dict[str, Any]) -> tuple[ChangeRecord, str]:
        record = ChangeRecord.from_map(row["change"])
        return record, record.id

    pages = await CHANGES.pages(tx, household_ids, request, parse, sort_value="c.id", ascending=False)
    return {key: masking.page_of_household(key, "history", None, page) for key, page in pages.items()}


async def history_counts(tx: AsyncManagedTransaction, household_ids: list[str]) -> dict[str, int]:
    return await CHANGES.counts(tx, household_ids)


async def record_project_change(
    tx: AsyncManagedTransaction, code: str, by: str, action: str, fields: Mapping[str, Mapping[str, Any]]
) -> None:
    """Records a change to a project (`(c:Change)-[:ABOUT]->(:Project)`), as `record_changes` does for households."""
    now = datetime.datetime.now(datetime.UTC)
    props = {
        "id": f"{int(now.timestamp() * 1_000_000):014x}-00000-{secrets.token_hex(4)}",
        "at": now,
        "by": by,
        "action": action,
        "fields": json.dumps(fields, ensure_ascii=False, sort_keys=True),
    }
    await (await tx.run(RECORD_PROJECT_CHANGE, code=code, props=props)).consume()
