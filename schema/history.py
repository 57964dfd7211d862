"""The audit trail as GraphQL: `Household.history`, newest first, for administrators and in-scope cadres."""

from __future__ import annotations

import datetime

import strawberry
from strawberry.scalars import JSON

from graph.history import ChangeRecord
from graph.paging import PageRequest
from schema.context import Info
from schema.pagination import PageArgs, PageInfo, encode_cursor, page_info, page_request

HISTORY_ORDER = "NEWEST_FIRST"


@strawberry.type
class Change:
    at: datetime.datetime
    by: str = strawberry.field(description="The caller's subject (sub), or the import that made the change.")
    action: str
    fields: JSON = strawberry.field(description="Changed fields, each with its value before and after.")
    file: str | None = strawberry.field(description="The imported file that made the change, if an import did.")
    row: int | None = strawberry.field(
        description="The row of the household's head in the imported file, as a spreadsheet numbers it "
        "(the header is row 1)."
    )

    @classmethod
    def from_record(cls, record: ChangeRecord) -> Change:
        return cls(
            at=record.at,
            by=record.by,
            action=record.action,
            fields=JSON(record.fields),
            file=record.file,
            row=record.row,
        )


@strawberry.type
class ChangeEdge:
    cursor: str
    node: Change


@strawberry.type
class ChangeConnection:
    """The page is read only when `edges` or `pageInfo` is selected, the count only for `totalCount`."""

    page_key: strawberry.Private[tuple[str, str, PageRequest]]

    @strawberry.field
    async def edges(self, info: Info) -> list[ChangeEdge]:
        page = await info.context.loaders.history_pages.load(self.page_key)
        return [
            ChangeEdge(cursor=encode_cursor(HISTORY_ORDER, row.sort_key), node=Change.from_record(row.record))
            for row in page.rows
        ]

    @strawberry.field
    async def page_info(self, info: Info) -> PageInfo:
        return page_info(HISTORY_ORDER, await info.context.loaders.history_pages.load(self.page_key))

    @strawberry.field
    async def total_count(self, info: Info) -> int:
        return await info.context.loaders.history_counts.load(self.page_key[1])


async def history_connection(info: Info, household_id: str, village_code: str, args: PageArgs) -> ChangeConnection:
    """A household's changes. Only an administrator or a cadre serving its village sees them: for anyone
    else the graph layer lists no edges (graph/access.py, `Household.history`), and the count stays true, so
    that one hidden field does not null the whole household."""
    request = page_request(HISTORY_ORDER, args)
    return ChangeConnection(page_key=("household", household_id, request))
