"""Money is stored as integer fen; everything above graph/ sees Decimal yuan. `parse_money` is the one gate
every write and import passes an amount through."""

from __future__ import annotations

import re
from decimal import Decimal

CENT = Decimal("0.01")
# Up to ten trillion yuan, at most two decimals: no exponents, separators, blanks, NaN or infinities.
MONEY = re.compile(r"-?[0-9]{1,13}(\.[0-9]{1,2})?")


class MoneyError(ValueError):
    """An amount that is not exact money; the message says what an amount must look like."""


def from_fen(fen: int | None) -> Decimal | None:
    return None if fen is None else (Decimal(fen) / 100).quantize(CENT)


def to_fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_exact())


def parse_money(value: object) -> Decimal:
    """An exact amount from a string such as "31767.18" or an integer; floats are refused (0.1 + 0.2 is not
    money), and so are exponents (`1e400`), more than two decimals, separators and NaN."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MoneyError(f'an amount is a string such as "31767.18", not a {type(value).__name__}')
    text = str(value)
    if not MONEY.fullmatch(text):
        raise MoneyError(
            f'an amount is up to 13 digits with at most two decimals, such as "31767.18", not {text[:40]!r}'
        )
    return Decimal(text)
