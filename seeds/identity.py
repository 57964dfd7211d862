"""Resident identity numbers (居民身份证号码, GB 11643-1999): 6-digit region, 8-digit birth date, 3-digit
sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check character (`0`-`9` or `X`)."""

from __future__ import annotations

import re
from datetime import date

REGION = "141130"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def check_char(first17: str) -> str:
    """The check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError(f"an ID number's body must be 17 digits, got {first17!r}")
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def is_valid(id_number: str) -> bool:
    """True when the shape, the birth date and the check character are all right."""
    if not _SHAPE.match(id_number):
        return False
    try:
        birth_date(id_number)
    except ValueError:
        return False
    return check_char(id_number[:17]) == id_number[17]


def birth_date(id_number: str) -> date:
    """The birth date an ID number encodes."""
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def is_male(id_number: str) -> bool:
    """The sequence's last digit is odd for men, even for women."""
    return int(id_number[16]) % 2 == 1


def make_id(born: date, sequence: int, region: str = REGION) -> str:
    """The ID number for a birth date and a 3-digit sequence (whose parity carries the sex)."""
    if not 0 <= sequence <= 999:
        raise ValueError(f"an ID sequence has 3 digits, got {sequence}")
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + check_char(body)


class IdAllocator:
    """Hands out unique ID numbers: one running sequence per birth date and sex, odd for men and even
    for women, as police stations do; 500 of each sex per day is far beyond a county's births."""

    def __init__(self, region: str = REGION) -> None:
        self.region = region
        self._next: dict[tuple[date, bool], int] = {}

    def allocate(self, born: date, male: bool) -> str:
        key = (born, male)
        sequence = self._next.get(key, 1 if male else 2)
        if sequence > 999:
            raise ValueError(f"the ID sequences of {born} are used up in region {self.region} (500 men, 499 women)")
        self._next[key] = sequence + 2
        return make_id(born, sequence, self.region)
