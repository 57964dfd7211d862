"""The audit as GraphQL: scans counted against the rate limit and recorded, a household's audit records
for administrators, and scans by village and day for analysts."""

from __future__ import annotations

import datetime
import math
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import strawberry
from graphql import FieldNode, GraphQLResolveInfo
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from graph.access import FIELD_RULES, Role, View, shown
from graph.audit import (
    AuditKind,
    AuditRecord,
    ScanResult,
    household_event_counts,
    household_events,
    scans_by_village_and_day,
)
from graph.paging import Page
from graph.qr import TokenStatus, token_subject
from schema.context import Context, Info
from schema.errors import BadUserInput, ClientError, Forbidden
from schema.households import Household
from schema.pagination import PageArgs, PageInfo, encode_cursor, page_info, page_request
from schema.places import Township, Village
from schema.qr import TOKEN_SHAPE

T = TypeVar("T")

AUDIT_ORDER = "audit"
MAX_DAYS = 366

AuditEventKind = strawberry.enum(AuditKind, name="AuditEventKind", description="A scan of a QR code, or a read.")
ScanOutcome = strawberry.enum(ScanResult, name="ScanOutcome", description="What a scanned token named.")


class RateLimited(ClientError):
    code = "RATE_LIMITED"


async def audited_scan(info: Info, token: str, scan: Callable[[Info, str], Awaitable[T | None]]) -> T | None:
    """Runs `scan` within the caller's rate limit, then records it: a scan costs one unit, an unknown token
    one more. Over the limit: RATE_LIMITED, with HTTP 429 and Retry-After when the response allows."""
    context = info.context
    limiter, client = context.scan_limiter, context.client or "unknown"
    if limiter is not None:
        retry_after = limiter.charge(client)
        if retry_after is not None:
            seconds = max(1, math.ceil(retry_after))
            if context.response is not None:
                context.response.status_code = 429
                context.response.headers["Retry-After"] = str(seconds)
            raise RateLimited(f"Too many scans from this address; try again in {seconds} s", retryAfter=seconds)
    target = await scan(info, token)
    if context.audit is None:
        return target
    if target is not None:
        context.audit.record_scan(context.viewer, result=ScanResult.FOUND, client=context.client, **_named(target))
        return target
    subject = await context.graph.read(token_subject, token) if TOKEN_SHAPE.match(token) else None
    if subject is None or subject.status is TokenStatus.UNKNOWN:
        if limiter is not None:
            limiter.charge(client, always=True)  # guessing tokens costs double
        context.audit.record_scan(context.viewer, result=ScanResult.UNKNOWN, client=context.client)
        return None
    household = subject.key if subject.kind.value == "Household" else None
    context.audit.record_scan(
        context.viewer,
        result=ScanResult.FOUND if subject.status is TokenStatus.CURRENT else ScanResult.RETIRED,
        client=context.client,
        subject_kind=subject.kind.value,
        subject_key=subject.key,
        household_id=household,
        village_code=subject.village_code,
    )
    return None


def _named(target: object) -> dict[str, str | None]:
    """What a found token names, from the object the scan returned."""
    if isinstance(target, Household):
        return {
            "subject_kind": "Household",
            "subject_key": target.id,
            "household_id": target.id,
            "village_code": target.village_code,
        }
    if isinstance(target, Village):
        return {
            "subject_kind": "Village",
            "subject_key": target.code,
            "household_id": None,
            "village_code": target.code,
        }
    assert isinstance(target, Township), "a scan names a household, a village or a township"
    return {"subject_kind": "Township", "subject_key": target.code, "household_id": None, "village_code": None}


@strawberry.type(description="One audit record: a scan of a QR code, or a read of a household's personal data.")
class AuditEvent:
    id: strawberry.ID
    kind: AuditEventKind  # type: ignore[valid-type]
    at: datetime.datetime
    role: str = strawberry.field(description="The caller's role: ANONYMOUS, CADRE, ANALYST or ADMIN.")
    sub: str | None = strawberry.field(description="The caller's `sub` (null for an anonymous scan).")
    household_id: strawberry.ID | None
    village_code: str | None
    subject_kind: str | None = strawberry.field(description="For a scan: what the token names (null: unknown).")
    subject_key: str | None
    result: ScanOutcome | None  # type: ignore[valid-type]
    client: str | None = strawberry.field(description="For a scan: the client's address, salted and hashed.")
    fields: list[str] = strawberry.field(description="For a read: the personal fields read.")

    @classmethod
    def from_record(cls, record: AuditRecord) -> AuditEvent:
        return cls(
            id=strawberry.ID(record.id),
            kind=record.kind,
            at=record.at,
            role=record.role,
            sub=record.sub,
            household_id=strawberry.ID(record.household_id) if record.household_id else None,
            village_code=record.village_code,
            subject_kind=record.subject_kind,
            subject_key=record.subject_key,
            result=record.result,
            client=record.client,
            fields=list(record.fields),
        )


@strawberry.type
class AuditEventEdge:
    cursor: str
    node: AuditEvent


@strawberry.type
class AuditEventConnection:
    household_id: strawberry.Private[str]
    page: strawberry.Private[Page[AuditRecord]]

    @strawberry.field
    def edges(self) -> list[AuditEventEdge]:
        return [
            AuditEventEdge(cursor=encode_cursor(AUDIT_ORDER, row.sort_key), node=AuditEvent.from_record(row.record))
            for row in self.page.rows
        ]

    @strawberry.field
    def page_info(self) -> PageInfo:
        return page_info(AUDIT_ORDER, self.page)

    @strawberry.field(description="How many records the household has, over all pages (counted only when selected).")
    async def total_count(self, info: Info) -> int:
        counts = await info.context.graph.read(household_event_counts, [self.household_id])
        return counts.get(self.household_id, 0)


@strawberry.type(
    description="How many times the codes of a village (its households' and its own) were scanned in a day."
)
class VillageDayScans:
    village_code: str
    day: datetime.date
    scans: int


async def household_audit(info: Info, household_id: str, args: PageArgs) -> AuditEventConnection | None:
    """A household's scans and reads, newest first: administrators only."""
    if info.context.viewer.role is not Role.ADMIN:
        raise Forbidden("only an administrator may read the audit")
    request = page_request(AUDIT_ORDER, args)
    pages = await info.context.graph.read(household_events, [household_id], request)
    return AuditEventConnection(household_id=household_id, page=pages[household_id])


async def scans_by_day(
    info: Info, since: datetime.date, until: datetime.date, village_codes: list[str] | None
) -> list[VillageDayScans] | None:
    """Scans per village and day in [since, until]: analysts and administrators."""
    if info.context.viewer.role not in (Role.ANALYST, Role.ADMIN):
        raise Forbidden("only analysts and administrators may count scans")
    if until < since:
        raise BadUserInput("`until` must not be before `since`", argument="until")
    if (until - since).days >= MAX_DAYS:
        raise BadUserInput(f"count at most {MAX_DAYS} days at a time", argument="until")
    rows = await info.context.graph.read(scans_by_village_and_day, since, until, village_codes)
    return [VillageDayScans(village_code=r.village_code, day=r.day, scans=r.scans) for r in rows]


class PersonalDataReads(SchemaExtension):
    """Audits reads of personal data: each Household field that graph/access.py's FIELD_RULES guards, read
    by a signed-in caller whose view of that household shows it (for `members`, the guarded Person fields
    selected under it, as `members.name`...). One record per household and request, written at its end."""

    def __init__(self, *, execution_context: ExecutionContext | None = None) -> None:
        if execution_context is not None:
            self.execution_context = execution_context
        self.reads: dict[tuple[str, str], set[str]] = {}

    def resolve(
        self, _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo[Any], *args: Any, **kwargs: Any
    ) -> Any:
        if info.parent_type.name == "Household" and info.field_name in _GUARDED_HOUSEHOLD_FIELDS:
            view = getattr(root, "view", None)
            if isinstance(view, View) and shown("Household", info.field_name, view):
                key = (root.id, root.village_code)
                self.reads.setdefault(key, set()).update(_fields_read(info, view))
        return _next(root, info, *args, **kwargs)

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context.context
        if self.reads and isinstance(context, Context) and context.viewer.role is not Role.ANONYMOUS:
            for (household_id, village_code), fields in self.reads.items():
                context.record_read(household_id, fields, village_code)


_GUARDED_HOUSEHOLD_FIELDS = frozenset(FIELD_RULES.get("Household", {}))
_GUARDED_PERSON_FIELDS = frozenset(FIELD_RULES.get("Person", {}))


def _fields_read(info: GraphQLResolveInfo[Any], view: View) -> list[str]:
    """The field read, and for `members` the guarded Person fields selected under it that `view` shows."""
    if info.field_name != "members":
        return [info.field_name]
    selected = {
        selection.name.value
        for node in info.field_nodes
        if node.selection_set is not None
        for selection in node.selection_set.selections
        if isinstance(selection, FieldNode)
    }
    guarded = sorted(selected & _GUARDED_PERSON_FIELDS)
    return ["members"] + [f"members.{name}" for name in guarded if shown("Person", name, view)]
