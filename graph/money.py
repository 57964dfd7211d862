"""Money is stored as integer fen; everything above graph/ sees Decimal yuan."""

from __future__ import annotations

from decimal import Decimal

CENT = Decimal("0.01")


def from_fen(fen: int | None) -> Decimal | None:
    return None if fen is None else (Decimal(fen) / 100).quantize(CENT)


def to_fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_exact())
