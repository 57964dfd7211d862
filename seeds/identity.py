"""Allocating the demo county's resident identity numbers; their rules and checks live in graph/id_numbers.py."""

from __future__ import annotations

from datetime import date

from graph.id_numbers import check_char

REGION = "141130"


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
