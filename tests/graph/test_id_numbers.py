"""ID numbers (GB 11643) and money: the checks every write and import relies on."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from graph.id_numbers import IdNumberError, check_char, normalize_id_number
from graph.money import MoneyError, parse_money

TODAY = date(2026, 12, 3)


def mod11_check(first17: str) -> str:
    """ISO 7064 MOD 11-2, written out from the standard: sum of digit * 2^(18-i) mod 11, mapped by (12 - r) % 11."""
    remainder = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17)) % 11
    value = (12 - remainder) % 11
    return "X" if value == 10 else str(value)


@pytest.mark.parametrize(
    "first17", ["11010519491231002", "44052418800101001", "14113019620307013", "34052419800101001"]
)
def test_check_char_agrees_with_the_standard(first17: str) -> None:
    assert check_char(first17) == mod11_check(first17)


def test_published_examples_are_valid_and_a_lowercase_x_becomes_upper() -> None:
    assert normalize_id_number("11010519491231002X", TODAY) == "11010519491231002X"
    assert normalize_id_number("11010519491231002x", TODAY) == "11010519491231002X"
    assert normalize_id_number(" 440524188001010014\t", TODAY) == "440524188001010014"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1101051949123100", "18 characters, this one has 16"),
        ("11010519491231002XX", "18 characters, this one has 19"),
        ("A1010519491231002X", "17 digits followed by a digit or X"),
        ("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "17 digits followed by a digit or X"),
        ("110105X94912310021", "17 digits followed by a digit or X"),
        ("991130196203070130", "region code 991130"),
        ("140000196203070130", "region code 140000"),
        ("110105194902300024", "birth date 19490230 is not a calendar date"),
        ("141130187912310013", "1879-12-31 is not plausible"),
        ("141130202712310013", "2027-12-31 is not plausible"),
        ("110105194912310021", "check character is 1 but the first 17 digits give X"),
    ],
)
def test_each_failure_is_named(text: str, message: str) -> None:
    with pytest.raises(IdNumberError, match=message):
        normalize_id_number(text, TODAY)


def test_an_error_never_repeats_the_whole_number() -> None:
    with pytest.raises(IdNumberError) as caught:
        normalize_id_number("110105194912310021", TODAY)
    assert "110105194912310021" not in str(caught.value)


@pytest.mark.parametrize(("text", "amount"), [("31767.18", "31767.18"), ("0", "0"), ("-12.5", "-12.5"), (7, "7")])
def test_money_is_exact(text: str | int, amount: str) -> None:
    parsed = parse_money(text)
    assert isinstance(parsed, Decimal) and parsed == Decimal(amount)


@pytest.mark.parametrize(
    "bad", ["1e400", "NaN", "Infinity", "1,000", " 5 ", "1.234", "9" * 14, "", "١٢", 0.1, True, None]
)
def test_money_refuses_anything_inexact(bad: object) -> None:
    with pytest.raises(MoneyError):
        parse_money(bad)
