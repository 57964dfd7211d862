"""Scalars: money is a Decimal serialized as a string with exactly two decimals, never a float."""

from __future__ import annotations

import decimal

import strawberry
from strawberry.types.scalar import ScalarDefinition

from graph import money
from schema.errors import BadUserInput

CENT = decimal.Decimal("0.01")


def serialize_money(value: decimal.Decimal) -> str:
    return str(value.quantize(CENT))


def parse_money(value: object) -> decimal.Decimal:
    try:
        return money.parse_money(value)
    except money.MoneyError as error:
        raise BadUserInput(str(error)) from None


# Types annotate money as decimal.Decimal; the schema maps it to this scalar (StrawberryConfig.scalar_map).
DECIMAL: ScalarDefinition = strawberry.scalar(
    name="Decimal",
    description='Exact money in yuan, a string with two decimals: "31767.18".',
    serialize=serialize_money,
    parse_value=parse_money,
)
