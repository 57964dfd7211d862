"""Relay pagination: PageInfo, opaque keyset cursors, and the checks on page arguments."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, TypeVar

import strawberry
from strawberry import UNSET

from graph.paging import Page, PageRequest, SortKey
from schema.errors import BadUserInput

MAX_PAGE = 100

T = TypeVar("T")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


def encode_cursor(order: str, key: SortKey) -> str:
    payload = json.dumps([order, key[0], key[1]], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(order: str, cursor: str, argument: str = "after") -> SortKey:
    """The sort key a cursor points at; a cursor of another order or a forged one is bad input."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded: Any = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadUserInput(f"`{argument}` is not a cursor returned by this API", argument=argument) from None
    valid = isinstance(decoded, list) and len(decoded) == 3 and isinstance(decoded[2], str)
    if not valid or decoded[0] != order or not isinstance(decoded[1], str | int | float):
        raise BadUserInput(f"`{argument}` is not a cursor of this list and order", argument=argument)
    return (decoded[1], decoded[2])


@dataclass(frozen=True)
class PageArgs:
    """Relay's page arguments as a field received them."""

    first: int | None = 20
    after: str | None = None
    last: int | None = None
    before: str | None = None


def page_request(order: str, args: PageArgs, default: int = 20) -> PageRequest:
    """Checks Relay's page arguments: `first` (default 20) or `last`, each at most 100, and the cursors."""
    # Arguments a query leaves out arrive as UNSET, which is not None.
    first, last = _given(args.first), _given(args.last)
    after, before = _given(args.after) or None, _given(args.before) or None
    if last is not None and first == default:
        # The contract gives `first` a default, so a client that asks for `last` gets `first` too: drop it.
        first = None
    if first is not None and last is not None:
        raise BadUserInput("pass `first` or `last`, not both", argument="last")
    for name, size in (("first", first), ("last", last)):
        if size is not None and not 0 <= size <= MAX_PAGE:
            raise BadUserInput(f"`{name}` must be between 0 and {MAX_PAGE}, not {size}", argument=name)
    return PageRequest(
        first=default if first is None and last is None else first,
        last=last,
        after=decode_cursor(order, after, "after") if after else None,
        before=decode_cursor(order, before, "before") if before else None,
    )


def _given(value: T | None) -> T | None:
    return None if value is UNSET else value


def page_info(order: str, page: Page[Any]) -> PageInfo:
    rows = page.rows
    return PageInfo(
        has_next_page=page.has_next,
        has_previous_page=page.has_previous,
        start_cursor=encode_cursor(order, rows[0].sort_key) if rows else None,
        end_cursor=encode_cursor(order, rows[-1].sort_key) if rows else None,
    )
