"""Resident identity numbers (居民身份证号码, GB 11643-1999): a 6-digit region (GB/T 2260), an 8-digit birth
date, a 3-digit sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check character (`0`-`9`
or `X`). `normalize_id_number` is the one gate every write and import passes an ID number through."""

from __future__ import annotations

import re
from datetime import date

from graph.county_time import county_today

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# GB/T 2260 province-level codes, plus 81/82/83 for residence permits of Hong Kong, Macao and Taiwan residents.
PROVINCES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43"}
    | {"44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83"}
)
# GB 11643's own example (440524188001010014) was born in 1880; nobody on a registry was born earlier.
EARLIEST_BIRTH_YEAR = 1880
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_BODY = re.compile(r"[0-9]{17}")


class IdNumberError(ValueError):
    """An ID number that cannot be right; the message says what is wrong and never repeats the number."""


def check_char(first17: str) -> str:
    """The check character for the first 17 digits."""
    if not _BODY.fullmatch(first17):
        raise ValueError(f"an ID number's body must be 17 digits, got {len(first17)} characters")
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def birth_date(id_number: str) -> date:
    """The birth date an ID number encodes (ValueError when it is no calendar date)."""
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def is_male(id_number: str) -> bool:
    """The sequence's last digit is odd for men, even for women."""
    return int(id_number[16]) % 2 == 1


def normalize_id_number(text: str, today: date | None = None) -> str:
    """The ID number as stored (a final lowercase x becomes X; surrounding blanks go), or IdNumberError
    naming the first check it fails: length, characters, region, birth date, check character."""
    number = text.strip().upper()
    if len(number) != 18:
        raise IdNumberError(f"an ID number has 18 characters, this one has {len(number)}")
    if not _SHAPE.fullmatch(number):
        raise IdNumberError("an ID number is 17 digits followed by a digit or X")
    region = number[:6]
    if region[:2] not in PROVINCES or region[2:] == "0000":
        raise IdNumberError(f"the region code {region} is not a county-level code of GB/T 2260")
    try:
        born = birth_date(number)
    except ValueError:
        raise IdNumberError(f"the birth date {number[6:14]} is not a calendar date") from None
    if born.year < EARLIEST_BIRTH_YEAR or born > (today or county_today()):
        raise IdNumberError(f"the birth date {born.isoformat()} is not plausible ({EARLIEST_BIRTH_YEAR} to today)")
    expected = check_char(number[:17])
    if number[17] != expected:
        raise IdNumberError(f"the check character is {number[17]} but the first 17 digits give {expected}: a typo?")
    return number


def is_valid(id_number: str, today: date | None = None) -> bool:
    """True when the number is already in stored form (upper-case X) and passes every check."""
    try:
        return normalize_id_number(id_number, today) == id_number
    except IdNumberError:
        return False
