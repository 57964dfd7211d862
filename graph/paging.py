"""Keyset pagination shared by the aggregates: a page asks for rows after a sort key, never SKIPs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")

# A position in a sort order: the sort value of the last row seen and its unique key (tie-breaker).
SortKey = tuple[Any, str]


@dataclass(frozen=True)
class PageRequest:
    first: int
    after: SortKey | None = None

    @property
    def params(self) -> dict[str, Any]:
        # One more row than asked tells whether a next page exists.
        after_value, after_id = self.after if self.after is not None else (None, None)
        return {"limit": self.first + 1, "afterValue": after_value, "afterId": after_id}


@dataclass(frozen=True)
class Row(Generic[T]):
    record: T
    sort_key: SortKey


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[Row[T]]
    has_next: bool

    @classmethod
    def of(cls, rows: list[Row[T]], request: PageRequest) -> Page[T]:
        return cls(rows=rows[: request.first], has_next=len(rows) > request.first)


# Keyset conditions: ascending and descending, with the unique key breaking ties the same way.
AFTER_ASC = "($afterId IS NULL OR sortValue > $afterValue OR (sortValue = $afterValue AND keyId > $afterId))"
AFTER_DESC = "($afterId IS NULL OR sortValue < $afterValue OR (sortValue = $afterValue AND keyId < $afterId))"
