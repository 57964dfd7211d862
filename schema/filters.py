"""Checks shared by the filter inputs: bounded nesting of AND / OR / NOT, money bounds in fen."""

from __future__ import annotations

from decimal import Decimal

from graph.filters import MAX_NESTING
from graph.money import to_fen
from schema.errors import BadUserInput


def check_nesting(depth: int) -> None:
    if depth > MAX_NESTING:
        raise BadUserInput(f"AND / OR / NOT nest at most {MAX_NESTING} levels deep", argument="filter")


def fen_bound(amount: Decimal | None) -> int | None:
    return None if amount is None else to_fen(amount)
