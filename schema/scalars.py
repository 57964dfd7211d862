"""Scalars: money is a Decimal serialized as a string with exactly two decimals, never a float."""

from __future__ import annotations

import decimal
import re

import strawberry
from strawberry.types.scalar import ScalarDefinition

from schema.errors import BadUserInput

CENT = decimal.Decimal("0.01")
# Up to ten trillion yuan, at most two decimals: no exponents, separators, blanks, NaN or infinities.
MONEY = re.compile(r"-?[0-9]{1,13}(\.[0-9]{1,2})?")


def serialize_money(value: decimal.Decimal) -> str:
    return str(value.quantize(CENT))


def parse_money(value: object) -> decimal.Decimal:
    # Floats are refused: 0.1 + 0.2 is not money. Strings and integers are exact.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadUserInput(f'a Decimal is a string such as "31767.18", not {value!r}')
    text = str(value)
    if not MONEY.fullmatch(text):
        raise BadUserInput(
            f'a Decimal is up to 13 digits with at most two decimals, such as "31767.18", not {text[:40]!r}'
        )
    return decimal.Decimal(text)


# Types annotate money as decimal.Decimal; the schema maps it to this scalar (StrawberryConfig.scalar_map).
DECIMAL: ScalarDefinition = strawberry.scalar(
    name="Decimal",
    description='Exact money in yuan, a string with two decimals: "31767.18".',
    serialize=serialize_money,
    parse_value=parse_money,
)
