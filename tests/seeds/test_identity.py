from __future__ import annotations

from datetime import date

import pytest

from graph.id_numbers import birth_date, check_char, is_male, is_valid
from graph.loader import Batch
from seeds.identity import IdAllocator, make_id


@pytest.mark.parametrize(
    "id_number",
    ["11010519491231002X", "440524188001010014"],  # the examples of GB 11643-1999
)
def test_known_vectors_are_valid(id_number: str) -> None:
    assert is_valid(id_number)
    assert check_char(id_number[:17]) == id_number[17]


@pytest.mark.parametrize(
    "id_number",
    ["110105194912310021", "11010519491231002x", "1101051949123100", "110105194902300024", "A1010519491231002X"],
)
def test_invalid_numbers_are_rejected(id_number: str) -> None:
    assert not is_valid(id_number)


def test_check_char_x_is_produced() -> None:
    assert check_char("34052419800101001") == "X"


def test_make_id_encodes_region_birth_date_and_sex() -> None:
    number = make_id(date(1962, 3, 7), 13)
    assert number.startswith("14113019620307013") and is_valid(number)
    assert birth_date(number) == date(1962, 3, 7) and is_male(number)


def test_allocator_is_unique_and_carries_sex_parity() -> None:
    ids = IdAllocator()
    born = date(2000, 1, 1)
    men = [ids.allocate(born, True) for _ in range(500)]
    women = [ids.allocate(born, False) for _ in range(499)]
    assert len(set(men + women)) == 999
    assert all(is_male(m) for m in men) and not any(is_male(w) for w in women)
    with pytest.raises(ValueError, match="used up"):
        ids.allocate(born, True)


def test_every_generated_id_is_valid_unique_and_agrees_with_the_person(demo_batches: list[Batch]) -> None:
    seen: set[str] = set()
    count = 0
    for batch in demo_batches:
        if batch.kind != "households":
            continue
        for row in batch.rows:
            for member in row["members"]:
                person = member["props"]
                number = person["idNumber"]
                assert is_valid(number), number
                assert number.startswith("141130")
                assert birth_date(number) == person["birthDate"]
                assert is_male(number) == (person["sex"] == "MALE")
                if "disabilityCertificate" in person:
                    assert person["disabilityCertificate"].startswith(number)
                seen.add(number)
                count += 1
    assert count == len(seen) > 70_000
