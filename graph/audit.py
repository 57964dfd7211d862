"""The audit: every scan of a QR code and every read of a household's personal data, written in batches
off the request path and flushed on a clean shutdown.

Records are `:AuditEvent` nodes, `:ScanEvent` or `:ReadEvent` as well, each with `at` (a UTC datetime),
`day` (the date in the county's time zone), the caller's `role` and `sub`. A scan also has the token's
subject (`subjectKind`, `subjectKey`), its `result` and the hashed client address (`client`); a read has
the `fields` read. `household` and `village` are set where the record concerns one, for the listings below.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import hashlib
import hmac
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from neo4j import AsyncManagedTransaction

from graph.access import Role, Viewer
from graph.county_time import COUNTY_TIME_ZONE
from graph.driver import Graph
from graph.paging import Page, PagedList, PageRequest

log = logging.getLogger("yimaqing.audit")

# Past this many pending records (Neo4j unreachable for long), the oldest are dropped and the loss logged.
MAX_PENDING = 100_000
WRITE_BATCH = 1_000


class ScanResult(enum.Enum):
    FOUND = "FOUND"
    UNKNOWN = "UNKNOWN"
    RETIRED = "RETIRED"


class AuditKind(enum.Enum):
    SCAN = "SCAN"
    READ = "READ"


@dataclass(frozen=True)
class AuditRecord:
    """One audit record as the listings return it."""

    id: str
    kind: AuditKind
    at: datetime
    role: str
    sub: str | None
    household_id: str | None
    village_code: str | None
    subject_kind: str | None = None
    subject_key: str | None = None
    result: ScanResult | None = None
    client: str | None = None
    fields: tuple[str, ...] = ()

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> AuditRecord:
        kind = AuditKind(record["kind"])
        return cls(
            id=record["id"],
            kind=kind,
            at=record["at"].to_native(),
            role=record["role"],
            sub=record.get("sub"),
            household_id=record.get("household"),
            village_code=record.get("village"),
            subject_kind=record.get("subjectKind"),
            subject_key=record.get("subjectKey"),
            result=ScanResult(record["result"]) if record.get("result") else None,
            client=record.get("client"),
            fields=tuple(record.get("fields") or ()),
        )


@dataclass(frozen=True)
class DailyScans:
    village_code: str
    day: date
    scans: int


WRITE_SCANS = """
UNWIND $events AS e
CREATE (:AuditEvent:ScanEvent {
  id: e.id, kind: 'SCAN', at: datetime(e.at), day: date(e.day), role: e.role, sub: e.sub,
  subjectKind: e.subjectKind, subjectKey: e.subjectKey, household: e.household, village: e.village,
  result: e.result, client: e.client})"""

WRITE_READS = """
UNWIND $events AS e
CREATE (:AuditEvent:ReadEvent {
  id: e.id, kind: 'READ', at: datetime(e.at), day: date(e.day), role: e.role, sub: e.sub,
  household: e.household, village: e.village, fields: e.fields})"""

# A household's records, newest first.
HOUSEHOLD_EVENTS = PagedList(
    match="MATCH (e:AuditEvent {household: scope})",
    carry="e",
    key="e.id",
    projection="e {.*}",
    item="event",
)

SCANS_BY_VILLAGE_AND_DAY = """
MATCH (e:ScanEvent)
WHERE e.day >= date($since) AND e.day <= date($until) AND e.village IS NOT NULL
  AND ($villages IS NULL OR e.village IN $villages)
RETURN e.village AS village, e.day AS day, count(*) AS scans
ORDER BY day, village"""


class AuditTrail:
    """Collects audit records in memory and writes them in batches every `interval_s` seconds, from a
    background task; `close()` writes what is left. Recording never waits for Neo4j."""

    def __init__(self, graph: Graph, *, client_salt: bytes, interval_s: float = 1.0) -> None:
        self.graph = graph
        self.client_salt = client_salt
        self.interval_s = interval_s
        self._scans: list[dict[str, Any]] = []
        self._reads: list[dict[str, Any]] = []
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def hash_client(self, address: str | None) -> str | None:
        """A client address as the audit keeps it: salted and hashed, comparable but not reversible."""
        if not address:
            return None
        return hmac.new(self.client_salt, address.encode(), hashlib.sha256).hexdigest()[:32]

    def record_scan(
        self,
        viewer: Viewer,
        *,
        result: ScanResult,
        client: str | None,
        subject_kind: str | None = None,
        subject_key: str | None = None,
        household_id: str | None = None,
        village_code: str | None = None,
    ) -> None:
        """A scan of a token: what it named (None when unknown), its result and who scanned (`client` is the
        already hashed address)."""
        event = _base(viewer)
        event.update(
            subjectKind=subject_kind,
            subjectKey=subject_key,
            household=household_id,
            village=village_code,
            result=result.value,
            client=client,
        )
        self._append(self._scans, event)

    def record_read(
        self, viewer: Viewer, household_id: str, fields: Iterable[str], village_code: str | None = None
    ) -> None:
        """A read of a household's personal data (`fields`, by GraphQL field name) by a signed-in caller;
        anonymous callers never see personal data, so their reads are not recorded."""
        if viewer.role is Role.ANONYMOUS:
            return
        event = _base(viewer)
        event.update(household=household_id, village=village_code, fields=sorted(set(fields)))
        self._append(self._reads, event)

    @property
    def pending(self) -> int:
        return len(self._scans) + len(self._reads)

    async def start(self, *also: Callable[[], Awaitable[None]]) -> None:
        """Starts the background writer; `also` run on the same beat (the rate limiter's sync)."""
        self._task = asyncio.create_task(self._run(also), name="audit-writer")

    async def close(self) -> None:
        """Stops the background writer and writes every pending record (a clean shutdown loses none)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()
        if self.pending:
            log.error("%d audit records could not be written at shutdown", self.pending)

    async def flush(self) -> None:
        """Writes the pending records, a batch per transaction; what fails stays pending for the next try."""
        async with self._lock:
            for pending, write in ((self._scans, _write_scans), (self._reads, _write_reads)):
                while pending:
                    batch = pending[:WRITE_BATCH]
                    try:
                        await self.graph.write(write, batch)
                    except Exception:  # Neo4j away: keep the records, the next flush retries them
                        log.warning("writing %d audit records failed; will retry", len(batch), exc_info=True)
                        return
                    del pending[: len(batch)]

    async def _run(self, also: tuple[Callable[[], Awaitable[None]], ...]) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            await self.flush()
            for job in also:
                try:
                    await job()
                except Exception:  # Neo4j away: the job's next beat retries
                    log.warning("a background job failed; will retry", exc_info=True)

    def _append(self, pending: list[dict[str, Any]], event: dict[str, Any]) -> None:
        pending.append(event)
        if len(pending) > MAX_PENDING:
            del pending[: len(pending) - MAX_PENDING]
            log.error("the audit backlog is full: the oldest records were dropped")


def _base(viewer: Viewer) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "id": str(uuid.uuid4()),
        "at": now.isoformat(),
        "day": now.astimezone(COUNTY_TIME_ZONE).date().isoformat(),
        "role": viewer.role.value,
        "sub": viewer.sub,
    }


async def _write_scans(tx: AsyncManagedTransaction, events: list[dict[str, Any]]) -> None:
    await (await tx.run(WRITE_SCANS, events=events)).consume()


async def _write_reads(tx: AsyncManagedTransaction, events: list[dict[str, Any]]) -> None:
    await (await tx.run(WRITE_READS, events=events)).consume()


async def household_events(
    tx: AsyncManagedTransaction, household_ids: list[str], request: PageRequest
) -> dict[str, Page[AuditRecord]]:
    """A page of each household's audit records (scans of its code and reads of its data), newest first."""
    return await HOUSEHOLD_EVENTS.pages(
        tx, household_ids, request, _parse_event, sort_value="e.at.epochMillis", ascending=False
    )


async def household_event_counts(tx: AsyncManagedTransaction, household_ids: list[str]) -> dict[str, int]:
    return await HOUSEHOLD_EVENTS.counts(tx, household_ids)


def _parse_event(row: dict[str, Any]) -> tuple[AuditRecord, str]:
    record = AuditRecord.from_record(row["event"])
    return record, record.id


async def scans_by_village_and_day(
    tx: AsyncManagedTransaction, since: date, until: date, village_codes: list[str] | None
) -> list[DailyScans]:
    """How many scans of codes in each village (households' and the village's own) each day."""
    result = await tx.run(
        SCANS_BY_VILLAGE_AND_DAY, since=since.isoformat(), until=until.isoformat(), villages=village_codes
    )
    return [DailyScans(r["village"], r["day"].to_native(), r["scans"]) async for r in result]
