"""Relay pagination: PageInfo, opaque keyset cursors, and the checks on page arguments."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import strawberry

from graph.paging import Page, PageRequest, SortKey
from schema.errors import BadUserInput

MAX_PAGE = 100


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


def encode_cursor(order: str, key: SortKey) -> str:
    payload = json.dumps([order, key[0], key[1]], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(order: str, cursor: str) -> SortKey:
    """The sort key a cursor points at; a cursor of another order or a forged one is bad input."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded: Any = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadUserInput("`after` is not a cursor returned by this API", argument="after") from None
    valid = isinstance(decoded, list) and len(decoded) == 3 and isinstance(decoded[2], str)
    if not valid or decoded[0] != order or not isinstance(decoded[1], str | int | float):
        raise BadUserInput("`after` is not a cursor of this list and order", argument="after")
    return (decoded[1], decoded[2])


def page_request(order: str, first: int | None, after: str | None, default: int = 20) -> PageRequest:
    size = default if first is None else first
    if size < 0 or size > MAX_PAGE:
        raise BadUserInput(f"`first` must be between 0 and {MAX_PAGE}, not {size}", argument="first")
    return PageRequest(first=size, after=decode_cursor(order, after) if after else None)


def page_info(order: str, page: Page[Any], request: PageRequest) -> PageInfo:
    rows = page.rows
    return PageInfo(
        has_next_page=page.has_next,
        has_previous_page=request.after is not None,
        start_cursor=encode_cursor(order, rows[0].sort_key) if rows else None,
        end_cursor=encode_cursor(order, rows[-1].sort_key) if rows else None,
    )
