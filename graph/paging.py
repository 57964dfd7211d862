"""Keyset pagination shared by the aggregates: a page asks for rows after or before a sort key, never SKIPs.

A page query gives each row a `sortValue` and a unique `keyId` (the tie-breaker), keeps the rows between
the cursors, orders them (reversed when paging backward from `before` with `last`) and takes one row
more than asked, which tells whether there is a further page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from neo4j import AsyncManagedTransaction, AsyncResult

T = TypeVar("T")

# A position in a sort order: the sort value of a row and its unique key.
SortKey = tuple[Any, str]


@dataclass(frozen=True)
class PageRequest:
    """`first` rows after `after`, or the `last` rows before `before` (either cursor may be absent)."""

    first: int | None = 20
    last: int | None = None
    after: SortKey | None = None
    before: SortKey | None = None

    @property
    def backward(self) -> bool:
        return self.last is not None

    @property
    def size(self) -> int:
        size = self.last if self.last is not None else self.first
        return 20 if size is None else size

    @property
    def params(self) -> dict[str, Any]:
        after_value, after_id = self.after if self.after is not None else (None, None)
        before_value, before_id = self.before if self.before is not None else (None, None)
        return {
            "limit": self.size + 1,
            "afterValue": after_value,
            "afterId": after_id,
            "beforeValue": before_value,
            "beforeId": before_id,
        }


@dataclass(frozen=True)
class Row(Generic[T]):
    record: T
    sort_key: SortKey


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[Row[T]]
    has_next: bool
    has_previous: bool = False

    @classmethod
    def empty(cls) -> Page[T]:
        return cls(rows=[], has_next=False)

    @classmethod
    def of(cls, rows: list[Row[T]], request: PageRequest, ascending: bool) -> Page[T]:
        """The page from the rows a page query returned (in any order): sorted, trimmed, flagged."""
        rows = sorted(rows, key=lambda row: row.sort_key, reverse=ascending == request.backward)
        more = len(rows) > request.size
        rows = rows[: request.size]
        if request.backward:
            rows.reverse()
            return cls(rows=rows, has_next=request.before is not None, has_previous=more)
        return cls(rows=rows, has_next=more, has_previous=request.after is not None)


def keyset(ascending: bool, backward: bool) -> tuple[str, str]:
    """The WHERE condition that keeps the rows between the cursors, and the ORDER BY direction."""
    later, earlier = (">", "<") if ascending else ("<", ">")
    condition = (
        f"($afterId IS NULL OR sortValue {later} $afterValue OR (sortValue = $afterValue AND keyId {later} $afterId))"
        f" AND ($beforeId IS NULL OR sortValue {earlier} $beforeValue"
        f" OR (sortValue = $beforeValue AND keyId {earlier} $beforeId))"
    )
    direction = "ASC" if ascending != backward else "DESC"
    return condition, direction


@dataclass(frozen=True)
class PagedList:
    """What a keyset-paged list is made of: the MATCH that binds its rows for a `scope` (and the
    variables to carry), the unique key, and the map each row returns (under `item`)."""

    match: str
    carry: str
    key: str
    projection: str
    item: str

    def page_query(self, where: str, sort_value: str, ascending: bool, backward: bool) -> str:
        condition, direction = keyset(ascending, backward)
        return f"""
UNWIND $scopes AS scope
CALL (scope) {{
  {self.match}
  WHERE {where}
  WITH {self.carry}, {sort_value} AS sortValue, {self.key} AS keyId
  WHERE {condition}
  RETURN {self.carry}, sortValue, keyId
  ORDER BY sortValue {direction}, keyId {direction}
  LIMIT $limit
}}
RETURN scope, collect({{{self.item}: {self.projection}, sortValue: sortValue}}) AS rows"""

    async def pages(
        self,
        tx: AsyncManagedTransaction,
        scope_keys: list[str],
        request: PageRequest,
        parse: Callable[[dict[str, Any]], tuple[T, str]],
        sort_value: str,
        ascending: bool,
        where: str = "true",
        params: dict[str, Any] | None = None,
    ) -> dict[str, Page[T]]:
        """One page for each scope key, in one query; `where` is fixed text, values go in `params`."""
        query = self.page_query(where, sort_value, ascending, request.backward)
        result = await tx.run(query, scopes=scope_keys, **(params or {}), **request.params)
        return await collect_pages(result, scope_keys, request, ascending, parse)

    async def counts(
        self,
        tx: AsyncManagedTransaction,
        scope_keys: list[str],
        where: str = "true",
        params: dict[str, Any] | None = None,
    ) -> dict[str, int]:
        """How many rows match, for each scope key, in one query."""
        result = await tx.run(self.count_query(where), scopes=scope_keys, **(params or {}))
        return {r["scope"]: r["total"] async for r in result}

    def count_query(self, where: str) -> str:
        return f"""
UNWIND $scopes AS scope
CALL (scope) {{
  {self.match}
  WHERE {where}
  RETURN count(*) AS total
}}
RETURN scope, total"""


async def collect_pages(
    result: AsyncResult,
    scope_keys: list[str],
    request: PageRequest,
    ascending: bool,
    parse: Callable[[dict[str, Any]], tuple[T, str]],
) -> dict[str, Page[T]]:
    """Pages from a result of `scope, rows` records, each row a map with `sortValue`; `parse` gives a row's
    record and unique key."""
    pages: dict[str, Page[T]] = {key: Page.empty() for key in scope_keys}
    async for record in result:
        rows = []
        for row in record["rows"]:
            item, key = parse(row)
            rows.append(Row(item, (row["sortValue"], key)))
        pages[record["scope"]] = Page.of(rows, request, ascending)
    return pages
